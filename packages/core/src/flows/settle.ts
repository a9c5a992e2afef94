/**
 * Writing a final outcome and then telling the task: shared by `decide` (the policy settled it)
 * and `sweepDue` (the deadline did).
 */
import type { Approval, AuditEventType, FinalStatus, Outcome } from "../approval.ts";
import { evaluatePolicy } from "../policy.ts";
import { computeDueAt } from "../schedule.ts";
import { type DeliverCallbackResult, deliverCallback } from "./deliver-callback.ts";
import { describeError, type FlowDeps, log, resolveRetryPolicy } from "./flow-deps.ts";

export interface SettleAndNotifyResult {
  /** The approval as settled, or as someone else settled it when we lost the race. */
  approval: Approval | undefined;
  /** True when this call wrote the outcome. */
  settled: boolean;
  /** How the task was told, when this call settled it. */
  callback?: DeliverCallbackResult;
}

/**
 * Settles `approvalId` with `outcome` (only while PENDING) and delivers the callback at once.
 * The settle write already sets callback PENDING with `dueAt` one retry delay ahead, so if this
 * process dies before delivering, the sweeper delivers instead. Losing the race is not an
 * error: whoever won settles and delivers.
 */
export async function settleAndNotify(
  deps: FlowDeps,
  approvalId: string,
  outcome: Outcome,
): Promise<SettleAndNotifyResult> {
  const dueAt = computeDueAt(
    { status: outcome.status, callback: "PENDING" },
    { callbackRetryAt: Date.parse(outcome.at) + resolveRetryPolicy(deps).baseDelayMs },
  );
  const result = await deps.store.settle(approvalId, { outcome, callback: "PENDING", dueAt });
  if (!result.ok) {
    return {
      approval: result.reason === "not-found" ? undefined : result.approval,
      settled: false,
    };
  }
  await deps.store.appendEvent(approvalId, {
    type: eventTypeFor(outcome.status),
    at: outcome.at,
    actor: "signoff",
    data: { status: outcome.status, reason: outcome.reason },
  });
  log(deps, "info", "approval settled", { approvalId, ...outcome });
  // Listings learn the new status after the task has heard it: the task is the one waiting.
  // Ending the callback refreshes them with the status it ends with; if it did not end (a retry
  // is scheduled, or this threw), refresh here from what is stored now.
  let callback: DeliverCallbackResult | undefined;
  try {
    callback = await deliverCallback(deps, approvalId);
  } finally {
    if (callback === undefined || !callbackEnded(callback)) await refreshListing(deps, approvalId);
  }
  return { approval: result.approval, settled: true, callback };
}

/** Whether deliverCallback ended the callback with its final write (which refreshed listings). */
function callbackEnded(result: DeliverCallbackResult): boolean {
  return (
    result.status === "delivered" || result.status === "task-closed" || result.status === "gave-up"
  );
}

/** Best effort: a listing repairs an entry it finds stale, and this must not hide an error. */
async function refreshListing(deps: FlowDeps, approvalId: string): Promise<void> {
  try {
    const latest = await deps.store.get(approvalId);
    if (latest !== undefined) await deps.store.refreshListing(latest);
  } catch (error) {
    log(deps, "warn", "listing refresh failed", { approvalId, error: describeError(error) });
  }
}

/**
 * Settles `approval` if its decisions settle it under the policy. Also repairs an approval whose
 * deciding write succeeded but whose settle never happened (a crash in between).
 */
export async function settleIfDecided(
  deps: FlowDeps,
  approval: Approval,
  now: Date,
): Promise<SettleAndNotifyResult> {
  const evaluation = evaluatePolicy(approval);
  if (approval.status !== "PENDING" || !evaluation.settled) return { approval, settled: false };
  const outcome: Outcome = {
    status: evaluation.status,
    reason: evaluation.reason,
    at: now.toISOString(),
  };
  return settleAndNotify(deps, approval.id, outcome);
}

function eventTypeFor(status: FinalStatus): AuditEventType {
  if (status === "EXPIRED") return "expired";
  if (status === "CANCELLED") return "cancelled";
  return "settled";
}

/**
 * Writing a final outcome and then telling the task: shared by `decide` (a decision settled it,
 * in the same write that recorded the decision) and `sweepDue` (the deadline did).
 */
import type {
  Approval,
  AuditEventInput,
  AuditEventType,
  FinalStatus,
  Outcome,
} from "../approval.ts";
import type { Settlement } from "../ports.ts";
import {
  computeRetryDelay,
  type DeliverCallbackResult,
  sendClaimedCallback,
} from "./deliver-callback.ts";
import { describeError, type FlowDeps, log, metric, resolveRetryPolicy } from "./flow-deps.ts";
import { updateSlackAfterSettle } from "./slack-messages.ts";

export interface SettleAndNotifyResult {
  /** The approval as settled, or as someone else settled it when we lost the race. */
  approval: Approval | undefined;
  /** True when this call wrote the outcome. */
  settled: boolean;
  /** How the task was told, when this call settled it. */
  callback?: DeliverCallbackResult;
}

/**
 * The settlement for `outcome` when a task waits for it: the settling write claims callback
 * attempt 1, due again one retry delay after the outcome in case the settler dies before sending.
 */
export function settlementFor(deps: FlowDeps, outcome: Outcome): Settlement {
  const retryAt = Date.parse(outcome.at) + computeRetryDelay(1, resolveRetryPolicy(deps));
  return { outcome, firstAttempt: { retryAt } };
}

/**
 * Settles `approvalId` with `outcome` (only while PENDING) and delivers the callback at once.
 * Losing the race is not an error: whoever won settles and delivers.
 */
export async function settleAndNotify(
  deps: FlowDeps,
  approvalId: string,
  outcome: Outcome,
  /** The approval as the caller read it: its audit head lets the settling write carry the event. */
  seen?: Approval,
): Promise<SettleAndNotifyResult> {
  const settlement = settlementFor(deps, outcome);
  // Its settled / expired event rides on the settling write (one call, not two), chained onto
  // the head the caller read; without that head, appended after it as before.
  const audit = seen && { head: seen.audit, events: [settledEvent(outcome)] };
  const result = await deps.store.settle(approvalId, settlement, audit);
  if (!result.ok) {
    return {
      approval: result.reason === "not-found" ? undefined : result.approval,
      settled: false,
    };
  }
  let recorded = result.approval;
  if (audit) {
    log(deps, "info", "approval settled", { approvalId, ...outcome });
    countSettlement(deps, recorded);
  } else {
    recorded = await recordSettled(deps, recorded);
  }
  const callback = await notifySettled(deps, recorded, settlement);
  await updateSlackAfterSettle(deps, recorded, callback);
  return { approval: recorded, settled: true, callback };
}

/** The audit event of a final outcome: settled, expired or cancelled. */
export function settledEvent(outcome: Outcome): AuditEventInput {
  return {
    type: eventTypeFor(outcome.status),
    at: outcome.at,
    actor: "signoff",
    data: { status: outcome.status, reason: outcome.reason },
  };
}

/**
 * Appends the settled / expired event for an approval this process just settled, and returns the
 * approval with its new audit head (unchanged when the append failed). An audit line that cannot
 * be written is logged at error level and does not stop the callback: the outcome is stored
 * already, and the task is waiting.
 */
export async function recordSettled(deps: FlowDeps, approval: Approval): Promise<Approval> {
  const outcome = approval.outcome!;
  log(deps, "info", "approval settled", { approvalId: approval.id, ...outcome });
  countSettlement(deps, approval);
  try {
    return await deps.store.appendEvents(approval.id, [settledEvent(outcome)], approval);
  } catch (error) {
    log(deps, "error", "audit event not recorded", {
      approvalId: approval.id,
      type: eventTypeFor(outcome.status),
      error: describeError(error),
    });
    return approval;
  }
}

/**
 * Sends the callback attempt the settling write claimed. The sender rewrites the listing entries
 * (and writes the audit tail) beside its SendTask* call; should it throw before that, refresh
 * here from what is stored now.
 */
export async function notifySettled(
  deps: FlowDeps,
  approval: Approval,
  settlement: Settlement,
): Promise<DeliverCallbackResult | undefined> {
  if (settlement.firstAttempt === undefined) return undefined;
  let callback: DeliverCallbackResult | undefined;
  try {
    callback = await sendClaimedCallback(deps, approval, {
      attempt: 1,
      retryAt: settlement.firstAttempt.retryAt,
    });
  } finally {
    if (callback === undefined) await refreshListing(deps, approval.id);
  }
  return callback;
}

/**
 * Counts an approval this process just settled from PENDING, once, by how: decided by people
 * (with how long they took), expired by its deadline, or cancelled because nobody waits.
 */
export function countSettlement(deps: Pick<FlowDeps, "metrics">, approval: Approval): void {
  const outcome = approval.outcome;
  if (outcome === undefined) return;
  switch (outcome.reason) {
    case "quorum":
    case "rejected":
    case "quorum-unreachable":
      metric(deps, "ApprovalsDecided", 1, {
        outcome: outcome.status === "APPROVED" ? "approved" : "rejected",
      });
      metric(
        deps,
        "DecisionLatency",
        Math.max(0, Date.parse(outcome.at) - Date.parse(approval.createdAt)),
      );
      return;
    case "timeout":
      metric(deps, "ApprovalsExpired");
      return;
    case "execution-ended":
    case "task-closed":
    case "undeliverable":
      metric(deps, "ApprovalsCancelled");
      return;
  }
}

/** Appends an audit event, logging rather than throwing when it cannot be written. */
export async function appendAuditSafely(
  deps: FlowDeps,
  approvalId: string,
  event: Parameters<FlowDeps["store"]["appendEvent"]>[1],
): Promise<boolean> {
  try {
    await deps.store.appendEvent(approvalId, event);
    return true;
  } catch (error) {
    log(deps, "error", "audit event not recorded", {
      approvalId,
      type: event.type,
      error: describeError(error),
    });
    return false;
  }
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

function eventTypeFor(status: FinalStatus): AuditEventType {
  if (status === "EXPIRED") return "expired";
  if (status === "CANCELLED") return "cancelled";
  return "settled";
}

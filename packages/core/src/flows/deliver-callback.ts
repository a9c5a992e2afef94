/**
 * Telling the waiting task how its approval ended, exactly once as far as we can know.
 *
 * Each attempt is claimed first (a conditional write that bumps `callbackAttempts` and pushes
 * `dueAt` to the retry time), so two senders never hold the same attempt and a sender that
 * crashes is retried by the sweeper once its claim runs out.
 */
import type { Approval, AuditEventInput, AuditEventType, Outcome } from "../approval.ts";
import { TokenDecryptError } from "../errors.ts";
import { buildCallback } from "../outcome.ts";
import type { TaskCallbackResult } from "../ports.ts";
import { redactTokenText } from "../token-redaction.ts";
import {
  type CallbackRetryPolicy,
  describeError,
  type FlowDeps,
  log,
  resolveRetryPolicy,
} from "./flow-deps.ts";

export type DeliverCallbackResult =
  /** `ambiguous`: the task was closed when a retry reached it, most likely by an earlier attempt. */
  | { status: "delivered"; attempt: number; ambiguous?: true }
  /** The task had closed before it ever heard from us; the outcome became EXPIRED or CANCELLED. */
  | { status: "task-closed"; attempt: number; outcome: Outcome }
  | { status: "gave-up"; attempt: number; error: string }
  | { status: "retry-scheduled"; attempt: number; retryAt: number; error: string }
  | { status: "skipped"; reason: "not-found" | "not-pending" | "claimed-elsewhere" };

/** How long attempt `attempt` (1-based) is claimed before it may be retried. */
export function computeRetryDelay(attempt: number, policy: CallbackRetryPolicy): number {
  const exponent = Math.min(Math.max(attempt - 1, 0), 30);
  return Math.min(policy.baseDelayMs * 2 ** exponent, policy.maxDelayMs);
}

/**
 * Sends the approval's outcome to Step Functions, if its callback is still PENDING.
 *
 * TaskTimedOut / TaskDoesNotExist on the first attempt, sent once, mean the task closed before we
 * spoke (its own timeout, the execution stopped): the outcome becomes EXPIRED / CANCELLED
 * (reason "task-closed") and the callback GAVE_UP. On a later attempt, or when the SDK client sent
 * the first attempt again itself (a lost response it retried), they most likely mean a send got
 * through and then crashed or lost its response before recording it; we cannot
 * tell, so we keep the outcome people decided, mark the callback DELIVERED with an explanatory
 * `callbackError`, and log a warning, rather than tell approvers their decision never counted.
 */
export async function deliverCallback(
  deps: FlowDeps,
  approvalId: string,
): Promise<DeliverCallbackResult> {
  const policy = resolveRetryPolicy(deps);
  const now = deps.clock();

  // 1. Only a PENDING callback is ours to send.
  const current = await deps.store.get(approvalId);
  if (current === undefined) return { status: "skipped", reason: "not-found" };
  if (current.callback !== "PENDING") return { status: "skipped", reason: "not-pending" };

  // 2. Out of attempts (the last claim ran out without finishing): stop.
  if (current.callbackAttempts >= policy.maxAttempts) {
    const error = current.callbackError ?? "no attempt finished";
    const seen = { approval: current, tailStored: false };
    return giveUp(deps, seen, current.callbackAttempts, `gave up: ${error}`);
  }

  // 3. Claim the next attempt; if we crash, the sweeper retries at retryAt.
  const attempt = current.callbackAttempts + 1;
  const retryAt = now.getTime() + computeRetryDelay(attempt, policy);
  const approval = await deps.store.claimCallback(approvalId, attempt, retryAt);
  if (approval === undefined) return { status: "skipped", reason: "claimed-elsewhere" };
  return sendClaimedCallback(deps, approval, { attempt, retryAt });
}

/**
 * Sends attempt `claim.attempt` of the callback of `approval`, which this caller has claimed:
 * by `deliverCallback`, or by the write that settled it (`Settlement.firstAttempt`, attempt 1).
 */
export async function sendClaimedCallback(
  deps: FlowDeps,
  approval: Approval,
  claim: { attempt: number; retryAt: number },
): Promise<DeliverCallbackResult> {
  const policy = resolveRetryPolicy(deps);
  const { attempt, retryAt } = claim;
  const approvalId = approval.id;

  // 4. Beside the send, one batch: the listing entries learn the settled status and the audit
  // tail is written as event items (so the finishing write may drop it from the approval).
  const listed = deps.store.refreshListing(approval).catch(() => false);

  // 5. Decrypt the token and send. A missing key may come back with the next deploy: retry.
  let token: string;
  try {
    token = await deps.cipher.decrypt(approval.tokenCiphertext, { approvalId });
  } catch (error) {
    if (!(error instanceof TokenDecryptError)) throw error;
    log(deps, "error", "task token could not be decrypted", { approvalId, reason: error.reason });
    const seen = { approval, tailStored: await listed };
    return retryOrGiveUp(deps, seen, attempt, retryAt, policy, error.message);
  }
  const message = buildCallback(approval);
  let result: TaskCallbackResult;
  try {
    result =
      message.kind === "success"
        ? await deps.callback.sendSuccess(token, message.output)
        : await deps.callback.sendFailure(token, message.error, message.cause);
  } catch (error) {
    // Adapters map AWS errors to values; an exception is something they did not foresee.
    // Only its name is kept: a raw message might quote the request.
    result = { ok: false, reason: "retryable", message: describeError(error) };
  }

  // 6. Record what happened: the finishing write carries its audit events.
  const seen: Seen = { approval, tailStored: await listed };
  if (result.ok) {
    await finish(deps, seen, attempt, { callback: "DELIVERED" }, [
      event(deps, "callback-sent", { attempt, kind: message.kind }),
    ]);
    log(deps, "info", "callback delivered", { approvalId, attempt, kind: message.kind });
    return { status: "delivered", attempt };
  }
  const error = redact(`${result.reason}: ${result.message}`, token);
  switch (result.reason) {
    case "task-timed-out":
    case "task-does-not-exist":
      // A retry, ours or the client's own within this attempt, may be hearing about our send.
      return attempt > 1 || result.resent
        ? finishAmbiguous(deps, seen, attempt, error)
        : closeTask(deps, seen, attempt, result.reason, error);
    case "invalid-token":
    case "invalid-output":
      return giveUp(deps, seen, attempt, error);
    case "retryable":
      return retryOrGiveUp(deps, seen, attempt, retryAt, policy, error);
  }
}

/** The approval as the claim wrote it, and whether its audit tail is written as event items. */
interface Seen {
  approval: Approval;
  tailStored: boolean;
}

async function retryOrGiveUp(
  deps: FlowDeps,
  seen: Seen,
  attempt: number,
  retryAt: number,
  policy: CallbackRetryPolicy,
  error: string,
): Promise<DeliverCallbackResult> {
  if (attempt >= policy.maxAttempts) return giveUp(deps, seen, attempt, error);
  const { approval } = seen;
  await deps.store.failCallback(approval.id, attempt, error);
  await deps.store.appendEvents(
    approval.id,
    [event(deps, "callback-failed", { attempt, error, retryAt })],
    approval,
  );
  log(deps, "warn", "callback failed; will retry", { approvalId: approval.id, attempt, error });
  return { status: "retry-scheduled", attempt, retryAt, error };
}

async function giveUp(
  deps: FlowDeps,
  seen: Seen,
  attempt: number,
  error: string,
): Promise<DeliverCallbackResult> {
  await finish(deps, seen, attempt, { callback: "GAVE_UP", error }, [
    event(deps, "callback-failed", { attempt, error, gaveUp: true }),
  ]);
  log(deps, "error", "callback gave up", { approvalId: seen.approval.id, attempt, error });
  return { status: "gave-up", attempt, error };
}

async function closeTask(
  deps: FlowDeps,
  seen: Seen,
  attempt: number,
  reason: "task-timed-out" | "task-does-not-exist",
  error: string,
): Promise<DeliverCallbackResult> {
  const { approval } = seen;
  const status = reason === "task-timed-out" ? "EXPIRED" : "CANCELLED";
  const outcome: Outcome = { status, reason: "task-closed", at: deps.clock().toISOString() };
  await finish(deps, seen, attempt, { callback: "GAVE_UP", outcome, error }, [
    event(deps, "callback-failed", { attempt, error }),
    event(deps, status === "EXPIRED" ? "expired" : "cancelled", {
      reason: "task-closed",
      replaced: approval.outcome?.status,
    }),
  ]);
  log(deps, "warn", "task closed before the callback", { approvalId: approval.id, status });
  return { status: "task-closed", attempt, outcome };
}

async function finishAmbiguous(
  deps: FlowDeps,
  seen: Seen,
  attempt: number,
  error: string,
): Promise<DeliverCallbackResult> {
  const approvalId = seen.approval.id;
  const note = `task already closed at attempt ${attempt} (${error}); an earlier attempt most likely delivered`;
  await finish(deps, seen, attempt, { callback: "DELIVERED", error: note }, [
    event(deps, "callback-sent", { attempt, ambiguous: true, error }),
  ]);
  log(deps, "warn", "callback outcome ambiguous", { approvalId, attempt, error });
  return { status: "delivered", attempt, ambiguous: true };
}

/**
 * Ends the callback attempt with `events` chained onto the audit head in the same write. When a
 * later attempt superseded this one, the events (what this attempt did) are appended on their own.
 */
async function finish(
  deps: FlowDeps,
  seen: Seen,
  attempt: number,
  finishWith: Parameters<FlowDeps["store"]["finishCallback"]>[2],
  events: AuditEventInput[],
): Promise<void> {
  const { approval, tailStored } = seen;
  const audit = { head: approval.audit, events, tailStored };
  // False means a later attempt was claimed while this one ran (our claim had run out); that
  // attempt will finish the callback, so this is worth a warning, not an error.
  if (!(await deps.store.finishCallback(approval.id, attempt, { ...finishWith, audit }))) {
    log(deps, "warn", "callback attempt superseded", { approvalId: approval.id, attempt });
    await deps.store.appendEvents(approval.id, events);
  }
}

function event(
  deps: FlowDeps,
  type: AuditEventType,
  data: Record<string, unknown>,
): AuditEventInput {
  return { type, at: deps.clock().toISOString(), actor: "signoff", data };
}

/** Removes the token from text bound for storage or logs, and keeps the text short. */
function redact(text: string, token: string): string {
  const clean = redactTokenText(text, token);
  return clean.length > 500 ? `${clean.slice(0, 499)}…` : clean;
}

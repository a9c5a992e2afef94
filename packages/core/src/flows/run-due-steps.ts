/**
 * The sweeper's steps for a PENDING approval whose deadline has not come: escalation, reminders
 * and heartbeats. They are claimed in one conditional write (with the new `dueAt`) before any
 * email or heartbeat goes out, so however late or often the sweeper runs, a step is done at most
 * once.
 */
import type { Approval, AuditEventType } from "../approval.ts";
import { TokenDecryptError } from "../errors.ts";
import { isRequester } from "../identity.ts";
import type { ScheduleClaim, TaskCallbackResult } from "../ports.ts";
import { computeDueAt, dueReminderStep, escalationAt, nextHeartbeatAt } from "../schedule.ts";
import { type CancelApprovalResult, cancelApproval } from "./cancel-approval.ts";
import { emailApprover, recordEmailed } from "./email-approver.ts";
import { describeError, type FlowDeps, log, metric } from "./flow-deps.ts";
import { postSlackNotice, postSlackRequest } from "./slack-messages.ts";

export interface DueStepsResult {
  /** False when nothing was due, or another sweep claimed it first. */
  claimed: boolean;
  /** The reminder step claimed, if one was. */
  reminderStep?: number;
  /** Approvers added by escalation, if it happened now. */
  escalatedTo?: string[];
  /** Emails sent (escalation and reminders). */
  emailed: number;
  /** Emails that failed; logged, and not retried (the step is claimed). */
  emailFailed: number;
  /**
   * How the heartbeat went, when one was due: sent; failed (logged; the next one is a third of
   * HeartbeatSeconds away); or the task had closed, and the approval was cancelled.
   */
  heartbeat?: "sent" | "failed" | "task-closed";
  /** True when only `dueAt` was corrected (it had been stored early). */
  rescheduled: boolean;
  /** Set when the heartbeat found the task closed and this sweep cancelled the approval. */
  cancelled?: CancelApprovalResult;
}

/**
 * Claims and runs whatever of escalation, reminders and heartbeat is due for `approval` at `now`:
 *
 * 1. Plan: the latest reminder step due (one, even if the sweeper is late), the escalation if
 *    its time has come, the heartbeat if it has, and the `dueAt` once they are done.
 * 2. Claim them all in one conditional write (only while PENDING, only if `dueAt` is still what
 *    this sweep read, only if each step is still unclaimed). Losing means another sweep has them.
 * 3. Heartbeat the task. If Step Functions says the task is closed (TaskTimedOut /
 *    TaskDoesNotExist), nobody waits any more: cancel the approval (and tell its approvers)
 *    rather than remind anyone.
 * 4. Email the added approvers why they got the request (their decisions count like anyone's).
 * 5. Remind everyone else who has not decided, with the time left.
 */
export async function runDueSteps(
  deps: FlowDeps,
  approval: Approval,
  now: Date,
): Promise<DueStepsResult> {
  const result: DueStepsResult = { claimed: false, emailed: 0, emailFailed: 0, rescheduled: false };
  const at = now.toISOString();

  // 1. Plan.
  const claimedStep = approval.reminderStep ?? 0;
  const reminderStep = dueReminderStep(approval, now.getTime());
  const escalateAt = escalationAt(approval);
  const escalating = escalateAt !== undefined && escalateAt <= now.getTime();
  const add = escalating
    ? approval.escalation!.to.filter((email) => !approval.approvers.includes(email))
    : [];
  const heartbeatAt = nextHeartbeatAt(approval);
  const heartbeating = heartbeatAt !== undefined && heartbeatAt <= now.getTime();
  const after: Approval = {
    ...approval,
    ...(reminderStep !== undefined && { reminderStep }),
    ...(escalating && { escalatedAt: at, approvers: [...approval.approvers, ...add] }),
    ...(heartbeating && { heartbeatAt: now.getTime() }),
  };
  const acting = reminderStep !== undefined || escalating || heartbeating;
  const dueAt = computeDueAt(after);
  if (dueAt === undefined || approval.dueAt === undefined) return result;
  if (!acting && dueAt === approval.dueAt) return result;

  // 2. Claim.
  const claim: ScheduleClaim = { seenDueAt: approval.dueAt, dueAt };
  if (reminderStep !== undefined) claim.reminder = { from: claimedStep, to: reminderStep };
  if (escalating) claim.escalation = { at, add };
  if (heartbeating) claim.heartbeat = { from: approval.heartbeatAt, at: now.getTime() };
  const claimed = await deps.store.advanceSchedule(approval.id, claim);
  if (claimed === undefined) return result;
  result.claimed = true;
  if (!acting) {
    result.rescheduled = true;
    return result;
  }

  // 3. Heartbeat first: if the task has closed, nobody waits, and reminders would mislead.
  if (heartbeating) {
    result.heartbeat = await sendHeartbeat(deps, claimed);
    if (result.heartbeat === "task-closed") {
      result.cancelled = await cancelApproval(deps, approval.id, { reason: "task-closed" });
      return result;
    }
  }
  const secondsLeft = Math.max(
    0,
    Math.floor((Date.parse(claimed.deadline) - now.getTime()) / 1000),
  );

  // 4. Escalation: the added approvers get the request, saying why.
  if (escalating) {
    result.escalatedTo = add;
    await appendEvent(deps, approval.id, "escalated", at, {
      afterSeconds: approval.escalation!.afterSeconds,
      added: add,
    });
    await sendEach(deps, claimed, add, "escalation", now, secondsLeft, result);
    await escalateInSlack(deps, claimed, add, secondsLeft);
  }

  // 5. Reminders: everyone else who can still decide and has not.
  if (reminderStep !== undefined) {
    result.reminderStep = reminderStep;
    const to = claimed.approvers.filter(
      (email) =>
        !Object.hasOwn(claimed.decisions, email) &&
        !isRequester(claimed.requestedBy, email) &&
        !add.includes(email),
    );
    await appendEvent(deps, approval.id, "reminded", at, { step: reminderStep, to, secondsLeft });
    await sendEach(deps, claimed, to, "reminder", now, secondsLeft, result);
    await postSlackNotice(deps, claimed, { kind: "reminder", secondsLeft, waitingOn: to });
  }
  if (reminderStep === undefined && !escalating) return result;
  log(deps, "info", "approval steps run", {
    approvalId: approval.id,
    ...(reminderStep !== undefined && { reminderStep }),
    ...(escalating && { escalatedTo: add }),
    emailed: result.emailed,
    emailFailed: result.emailFailed,
  });
  return result;
}

/**
 * Escalation in Slack: a threaded note under the messages already posted, then (when the request
 * asked for direct messages) the request itself to each added approver, recorded on the approval.
 */
async function escalateInSlack(
  deps: FlowDeps,
  approval: Approval,
  added: string[],
  secondsLeft: number,
): Promise<void> {
  if (deps.slack === undefined || approval.slack === undefined) return;
  await postSlackNotice(deps, approval, { kind: "escalation", secondsLeft, added });
  const posted = await postSlackRequest(deps, approval, added);
  if (posted.messages.length === 0) return;
  try {
    await deps.store.appendEvents(approval.id, posted.events, undefined, {
      slackMessages: posted.messages,
    });
  } catch (error) {
    log(deps, "error", "slack messages not recorded", {
      approvalId: approval.id,
      error: describeError(error),
    });
  }
}

/** Sends one heartbeat; the token is plaintext only inside this function and the adapter. */
async function sendHeartbeat(
  deps: FlowDeps,
  approval: Approval,
): Promise<"sent" | "failed" | "task-closed"> {
  let result: TaskCallbackResult;
  try {
    const token = await deps.cipher.decrypt(approval.tokenCiphertext, { approvalId: approval.id });
    result = await deps.callback.sendHeartbeat(token);
  } catch (error) {
    // A missing key may come back with the next deploy; the next heartbeat tries again.
    if (!(error instanceof TokenDecryptError)) throw error;
    log(deps, "error", "task token could not be decrypted for a heartbeat", {
      approvalId: approval.id,
      reason: error.reason,
    });
    return "failed";
  }
  if (result.ok) return "sent";
  if (result.reason === "task-timed-out" || result.reason === "task-does-not-exist") {
    log(deps, "warn", "heartbeat found the task closed", {
      approvalId: approval.id,
      reason: result.reason,
    });
    return "task-closed";
  }
  log(deps, result.reason === "retryable" ? "warn" : "error", "heartbeat failed", {
    approvalId: approval.id,
    reason: result.reason,
  });
  return "failed";
}

async function sendEach(
  deps: FlowDeps,
  approval: Approval,
  recipients: readonly string[],
  kind: "escalation" | "reminder",
  now: Date,
  secondsLeft: number,
  result: DueStepsResult,
): Promise<void> {
  for (const to of recipients) {
    try {
      await emailApprover(deps, approval, to, kind, now, { secondsLeft });
    } catch (error) {
      result.emailFailed += 1;
      metric(deps, "EmailsFailed");
      log(deps, "error", `${kind} email failed`, {
        approvalId: approval.id,
        to,
        error: describeError(error),
      });
      continue;
    }
    result.emailed += 1;
    // Escalated approvers join the emailed set (a cancellation notice reaches them); a reminder
    // goes to people already in it, and the `reminded` event records the step.
    if (kind === "escalation") await recordEmailed(deps, approval.id, to, kind);
  }
}

async function appendEvent(
  deps: FlowDeps,
  approvalId: string,
  type: AuditEventType,
  at: string,
  data: Record<string, unknown>,
): Promise<void> {
  await deps.store.appendEvent(approvalId, { type, at, actor: "signoff", data });
}

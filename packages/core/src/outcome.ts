/**
 * What the waiting Step Functions task is told (DESIGN.md, Outcome contract). Approved →
 * SendTaskSuccess; rejected → SendTaskFailure `Approval.Rejected` (or success with
 * `outcome: "rejected"` when `rejectAs: "output"`); deadline with `onTimeout: fail` →
 * SendTaskFailure `Approval.TimedOut`; a request that could not be emailed to every approver →
 * SendTaskFailure `Approval.DeliveryFailed`.
 */
import type { Approval, DecisionChannel, DecisionKind } from "./approval.ts";
import { ApprovalErrors } from "./approval-errors.ts";
import { CallbackOutcomeError } from "./errors.ts";
import type { FormResponse } from "./form.ts";
import { listDecisionsInOrder, resolveTimeout } from "./policy.ts";

/** Longest comment kept, in characters (code points); longer ones end in "…". */
export const MAX_COMMENT_LENGTH = 1000;
/** SendTaskFailure's `cause` limit (characters); measured in UTF-8 bytes here, to be safe. */
export const MAX_CAUSE_BYTES = 32_768;
/** SendTaskSuccess's `output` limit. */
export const MAX_OUTPUT_BYTES = 262_144;

/** The approver recorded on decisions that the deadline made. */
export const SYSTEM_ACTOR = "signoff";

export interface OutcomeDecision {
  approver: string;
  decision: DecisionKind;
  /** `null` when there was none, so state machines can always read the field. */
  comment: string | null;
  at: string;
  channel: DecisionChannel;
  /** The approver's answers to the request's form; only on decisions the form asked fields for. */
  response?: FormResponse;
}

export interface OutcomePayload {
  approvalId: string;
  outcome: "approved" | "rejected" | "timed-out";
  decisions: OutcomeDecision[];
  /**
   * Present (true) only when comments, responses or decisions had to be dropped to fit the size
   * limit.
   */
  truncated?: true;
}

export type TaskCallbackMessage =
  | { kind: "success"; output: string }
  | { kind: "failure"; error: string; cause: string };

/**
 * Trims a comment and caps it at `max` code points (the last one becoming "…"); blank comments
 * become undefined. Capping keeps stored items and callback payloads small.
 */
export function capComment(
  comment: string | undefined,
  max: number = MAX_COMMENT_LENGTH,
): string | undefined {
  const trimmed = comment?.trim();
  if (!trimmed || max <= 0) return undefined;
  const chars = Array.from(trimmed);
  return chars.length <= max ? trimmed : `${chars.slice(0, max - 1).join("")}…`;
}

/**
 * The message for the task's callback, by the approval's final outcome. Throws
 * `CallbackOutcomeError` for outcomes that call nobody back (still pending, cancelled, or
 * expired because the task or execution had already ended).
 */
export function buildCallback(approval: Approval): TaskCallbackMessage {
  const outcome = approval.outcome;
  if (approval.status === "APPROVED") {
    return { kind: "success", output: fitPayload(approval, "approved", MAX_OUTPUT_BYTES) };
  }
  if (approval.status === "REJECTED") {
    if (approval.rejectAs === "output") {
      return { kind: "success", output: fitPayload(approval, "rejected", MAX_OUTPUT_BYTES) };
    }
    const cause = fitPayload(approval, "rejected", MAX_CAUSE_BYTES);
    return { kind: "failure", error: ApprovalErrors.Rejected, cause };
  }
  if (approval.status === "EXPIRED" && outcome?.reason === "timeout") {
    const cause = fitPayload(approval, "timed-out", MAX_CAUSE_BYTES);
    return { kind: "failure", error: ApprovalErrors.TimedOut, cause };
  }
  if (approval.status === "CANCELLED" && outcome?.reason === "undeliverable") {
    const undelivered = outcome.undelivered ?? [];
    const cause = JSON.stringify({
      approvalId: approval.id,
      outcome: "undeliverable",
      undelivered,
      message: `the request could not be emailed to ${undelivered.join(", ") || "every approver"}`,
    });
    return { kind: "failure", error: ApprovalErrors.DeliveryFailed, cause };
  }
  throw new CallbackOutcomeError(
    `approval ${approval.id} is ${approval.status}${outcome ? ` (${outcome.reason})` : ""}: no task callback for it`,
  );
}

/**
 * The outcome JSON with each comment capped at `commentLimit`, and each decision's form response
 * unless `withResponses` is false.
 */
export function buildOutcomePayload(
  approval: Approval,
  outcome: OutcomePayload["outcome"],
  commentLimit: number = MAX_COMMENT_LENGTH,
  withResponses = true,
): OutcomePayload {
  const decisions: OutcomeDecision[] = listDecisionsInOrder(approval).map((decision) => ({
    approver: decision.approver,
    decision: decision.decision,
    comment: capComment(decision.comment, commentLimit) ?? null,
    at: decision.at,
    channel: decision.channel,
    ...(withResponses && decision.response !== undefined && { response: decision.response }),
  }));
  // A deadline that approves or rejects shows up as the system's decision, so the state machine
  // can tell "approved by people" from "approved because nobody answered".
  if (approval.outcome?.reason === "timeout") {
    const { decision } = resolveTimeout(approval);
    if (decision !== undefined) {
      decisions.push({
        approver: SYSTEM_ACTOR,
        decision,
        comment: null,
        at: approval.outcome.at,
        channel: "timeout",
      });
    }
  }
  return { approvalId: approval.id, outcome, decisions };
}

// Comments are capped at 1,000 characters, responses at 2,048 bytes and approvers at 50, so the
// first try nearly always fits; the shorter caps are for the worst case rather than a routine
// path. Responses go only after comments are gone: they are what a workflow acts on.
const FIT_STEPS = [
  { comments: MAX_COMMENT_LENGTH, responses: true },
  { comments: 100, responses: true },
  { comments: 0, responses: true },
  { comments: 0, responses: false },
] as const;

function fitPayload(
  approval: Approval,
  outcome: OutcomePayload["outcome"],
  maxBytes: number,
): string {
  for (const [i, step] of FIT_STEPS.entries()) {
    const payload = buildOutcomePayload(approval, outcome, step.comments, step.responses);
    if (i > 0) payload.truncated = true;
    const json = JSON.stringify(payload);
    if (Buffer.byteLength(json, "utf8") <= maxBytes) return json;
  }
  const bare: OutcomePayload = { approvalId: approval.id, outcome, decisions: [], truncated: true };
  return JSON.stringify(bare);
}

/**
 * Flow 2, Decide: one approver's decision, from a link's form, the inbox or the REST API. The
 * decision, the outcome it determines and their audit events are recorded by one conditional
 * write, conditioned on the version (and audit head) of the approval the policy was evaluated on,
 * and retried on conflict. A settling decision then makes three more calls: SendTask* beside one
 * batch (listing entries, audit tail), and the write that marks the callback delivered.
 */
import type {
  Approval,
  AuditEventInput,
  Decision,
  DecisionChannel,
  DecisionKind,
} from "../approval.ts";
import { toApprovalView } from "../approval-view.ts";
import { type ResponseProblem, validateResponse } from "../form.ts";
import { normalizeEmail } from "../identity.ts";
import { capComment } from "../outcome.ts";
import {
  checkDecisionAllowed,
  type DecisionRefusal,
  evaluatePolicy,
  nextDecisionSeq,
} from "../policy.ts";
import type { ApprovalView, Settlement } from "../ports.ts";
import type { DeliverCallbackResult } from "./deliver-callback.ts";
import { describeError, type FlowDeps, log } from "./flow-deps.ts";
import { countSettlement, notifySettled, settledEvent, settlementFor } from "./settle.ts";
import { updateSlackAfterSettle, updateSlackMessages } from "./slack-messages.ts";

export interface DecideInput {
  approvalId: string;
  /** The approver's email, from a verified link or a verified bearer token. */
  approver: string;
  decision: DecisionKind;
  comment?: string;
  /** Deadlines decide through the sweeper, never through here. */
  channel: Exclude<DecisionChannel, "timeout">;
  /**
   * Makes retries safe: a later call with the same key, approver and decision gets this
   * decision back (`replayed: true`) rather than "already-decided"; with another decision or
   * comment it is refused as "idempotency-key-reused".
   */
  idempotencyKey?: string;
  /**
   * The approver's answers to the request's form, as sent (field name → value); validated here
   * by `validateResponse`, the one check every channel shares, and stored with the decision.
   */
  response?: unknown;
  /** The answers come from a page that sends every field: see `ValidateResponseOptions`. */
  responseFromPage?: boolean;
}

export type DecideResult =
  | {
      ok: true;
      /** The approval after this decision (settled, if the decision settled it). */
      approval: ApprovalView;
      decision: Decision;
      /** Present when this decision settled the approval: how the task was told. */
      callback?: DeliverCallbackResult;
      /** True when an earlier call with the same idempotency key recorded `decision`. */
      replayed?: true;
    }
  /** Nothing about the approval is returned to someone it is not addressed to. */
  | { ok: false; reason: "not-found" | "not-an-approver" }
  /** The idempotency key was used by this approver for a different decision or comment. */
  | { ok: false; reason: "idempotency-key-reused"; approval: ApprovalView; approver: string }
  /** The answers do not fit the request's form; nothing was recorded. */
  | {
      ok: false;
      reason: "invalid-response";
      problems: ResponseProblem[];
      approval: ApprovalView;
      approver: string;
    }
  /** `approval` lets the caller show what was already decided, and by whom. */
  | {
      ok: false;
      reason: Exclude<DecisionRefusal, "not-an-approver">;
      approval: ApprovalView;
      /** The (normalized) approver who was refused. */
      approver: string;
    };

/**
 * At most this many rounds of read, evaluate, conditional write. Every lost round means another
 * write changed the approval (a decision, an escalation, the outcome), and there are few of those
 * per approval, so this bound is never met except by a bug.
 */
const MAX_COMMIT_ROUNDS = 64;

/**
 * Records `input` and, when the decisions including it settle the approval, the outcome, in one
 * conditional write.
 *
 * Concurrency: the policy is evaluated on the approval as read, plus this decision; the write
 * happens only if that approval is still the stored one (its `version`), so the outcome is always
 * the policy's answer for exactly the decisions recorded, in the order they were recorded. A
 * writer that loses re-reads and evaluates again: its decision is then recorded too (the
 * approval is still open), or refused as "not-pending" because the outcome was determined
 * without it. Only the writer that settled delivers the callback.
 */
export async function decide(
  deps: FlowDeps,
  input: DecideInput,
  /** `store.get(input.approvalId)` already under way (a caller overlapping it with its checks). */
  read?: Promise<Approval | undefined>,
): Promise<DecideResult> {
  const now = deps.clock();
  const approver = normalizeEmail(input.approver);
  const comment = capComment(input.comment);

  // 1. Read what is stored.
  let approval = await (read ?? deps.store.get(input.approvalId));
  if (approval === undefined) return { ok: false, reason: "not-found" };

  for (let round = 1; round <= MAX_COMMIT_ROUNDS; round++) {
    // 2. Refuse what the policy forbids, on the approval as it is now.
    const check = checkDecisionAllowed(approval, approver, input.decision, { now });
    if (!check.ok) return refuse(deps, approval, input, approver, check.reason);
    // The form never changes, but an approval may be refused above before its answers matter.
    const answers = checkAnswers(approval, input);
    if (!answers.ok) {
      log(deps, "info", "decision refused", {
        approvalId: approval.id,
        reason: "invalid-response",
        fields: answers.problems.map((problem) => problem.field),
      });
      return {
        ok: false,
        reason: "invalid-response",
        problems: answers.problems,
        approval: toApprovalView(approval),
        approver,
      };
    }

    // 3. Evaluate the policy on the recorded decisions plus this one, in recording order.
    const decision: Decision = {
      approver,
      decision: input.decision,
      at: now.toISOString(),
      channel: input.channel,
      seq: nextDecisionSeq(approval),
    };
    if (comment !== undefined) decision.comment = comment;
    if (input.idempotencyKey !== undefined) decision.idempotencyKey = input.idempotencyKey;
    if (answers.response !== undefined) decision.response = answers.response;
    const evaluation = evaluatePolicy({
      ...approval,
      decisions: { ...approval.decisions, [approver]: decision },
    });
    const settlement = evaluation.settled
      ? settlementFor(deps, {
          status: evaluation.status,
          reason: evaluation.reason,
          at: decision.at,
        })
      : undefined;

    // 4. One conditional write: the decision, the outcome it determines and the audit events
    // that record them (chained onto the head read in step 1), or nothing.
    const events = [decidedEvent(decision)];
    if (settlement) events.push(settledEvent(settlement.outcome));
    const committed = await deps.store.commitDecision(approval.id, {
      version: approval.version,
      decision,
      ...(settlement && { settlement }),
      audit: { head: approval.audit, events },
      // Webhooks: a decision that settles nothing has no later write to queue its message, so
      // the sweeper's next run does (its `dueAt`, moved up here, in this same write).
      ...(!settlement && approval.webhookUrls?.length && { dueAt: now.getTime() }),
    });
    if (!committed.ok) {
      if (committed.reason === "not-found") return { ok: false, reason: "not-found" };
      // Re-evaluate on what won. (Should the SDK have resent a write of ours whose response was
      // lost, the resend fails against the write itself and the approver hears "already
      // decided"; its callback attempt, already claimed, is then sent by the sweeper.)
      approval = committed.approval;
      continue;
    }

    // 5. Recorded. Nothing after this point may make the caller think otherwise: audit lines
    // and the callback are retried or logged, never thrown back as "nothing was changed".
    return finishDecision(deps, committed.approval, decision, settlement);
  }
  throw new Error(`decision on approval ${approval.id}: no round won in ${MAX_COMMIT_ROUNDS}`);
}

/** The audit event of a recorded decision. */
function decidedEvent(decision: Decision): AuditEventInput {
  return {
    type: "decided",
    at: decision.at,
    actor: decision.approver,
    data: {
      decision: decision.decision,
      channel: decision.channel,
      seq: decision.seq,
      ...(decision.comment === undefined ? {} : { comment: decision.comment }),
      ...(decision.response === undefined ? {} : { response: decision.response }),
    },
  };
}

/** Log, and (when this decision settled it) tell the task; decision and audit are stored. */
async function finishDecision(
  deps: FlowDeps,
  approval: Approval,
  decision: Decision,
  settlement: Settlement | undefined,
): Promise<DecideResult> {
  log(deps, "info", "decision recorded", {
    approvalId: approval.id,
    approver: decision.approver,
    decision: decision.decision,
    channel: decision.channel,
    seq: decision.seq,
  });
  const result: DecideResult = { ok: true, approval: toApprovalView(approval), decision };
  if (settlement === undefined) {
    // The Slack messages show the decisions so far (best effort; after the write).
    await updateSlackMessages(deps, approval);
    return result;
  }

  log(deps, "info", "approval settled", { approvalId: approval.id, ...settlement.outcome });
  countSettlement(deps, approval);
  try {
    const callback = await notifySettled(deps, approval, settlement);
    if (callback !== undefined) result.callback = callback;
  } catch (error) {
    // The claimed attempt is due again at its retryAt: the sweeper sends it.
    log(deps, "error", "callback not sent after the deciding write; the sweeper will retry", {
      approvalId: approval.id,
      error: describeError(error),
    });
  }
  await updateSlackAfterSettle(deps, approval, result.callback);
  return result;
}

function checkAnswers(approval: Approval, input: DecideInput) {
  return validateResponse(approval.form, input.decision, input.response, {
    ignoreUnasked: input.responseFromPage === true,
  });
}

/** Whether a retry's answers are the ones stored with the decision it repeats. */
function sameResponse(approval: Approval, stored: Decision, input: DecideInput): boolean {
  const answers = checkAnswers(approval, input);
  if (!answers.ok) return false;
  const [a, b] = [answers.response ?? {}, stored.response ?? {}];
  // Compared key by key: a map read back from DynamoDB need not keep its keys' order.
  return (
    (answers.response === undefined) === (stored.response === undefined) &&
    Object.keys(a).length === Object.keys(b).length &&
    Object.entries(a).every(([name, value]) => Object.hasOwn(b, name) && b[name] === value)
  );
}

async function refuse(
  deps: FlowDeps,
  approval: Approval,
  input: DecideInput,
  approver: string,
  reason: DecisionRefusal,
): Promise<DecideResult> {
  if (reason === "not-an-approver") {
    log(deps, "info", "decision refused", { approvalId: approval.id, reason });
    return { ok: false, reason };
  }
  const view = toApprovalView(approval);
  const stored = reason === "already-decided" ? approval.decisions[approver] : undefined;
  if (stored !== undefined && input.idempotencyKey !== undefined) {
    if (stored.idempotencyKey === input.idempotencyKey) {
      if (
        stored.decision === input.decision &&
        stored.comment === capComment(input.comment) &&
        sameResponse(approval, stored, input)
      ) {
        log(deps, "info", "decision replayed", { approvalId: approval.id, approver });
        return { ok: true, approval: view, decision: stored, replayed: true };
      }
      log(deps, "info", "decision refused", {
        approvalId: approval.id,
        reason: "idempotency-key-reused",
      });
      return { ok: false, reason: "idempotency-key-reused", approval: view, approver };
    }
  }
  log(deps, "info", "decision refused", { approvalId: approval.id, reason });
  return { ok: false, reason, approval: view, approver };
}

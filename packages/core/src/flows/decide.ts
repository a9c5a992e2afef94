/**
 * Flow 2, Decide: one approver's decision, from a link's form or the REST API. Records it with
 * one conditional write, then settles the approval if the policy says the decision settled it.
 */
import type { Approval, Decision, DecisionChannel, DecisionKind } from "../approval.ts";
import { toApprovalView } from "../approval-view.ts";
import { capComment } from "../outcome.ts";
import { checkDecisionAllowed, type DecisionRefusal } from "../policy.ts";
import type { ApprovalView } from "../ports.ts";
import { normalizeEmail } from "../request.ts";
import type { DeliverCallbackResult } from "./deliver-callback.ts";
import { type FlowDeps, log } from "./flow-deps.ts";
import { settleIfDecided } from "./settle.ts";

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
  /** `approval` lets the caller show what was already decided, and by whom. */
  | {
      ok: false;
      reason: Exclude<DecisionRefusal, "not-an-approver">;
      approval: ApprovalView;
      /** The (normalized) approver who was refused. */
      approver: string;
    };

/**
 * Records `input` and settles the approval when the policy says so.
 *
 * Concurrency: the policy is evaluated on the approval the conditional write returned, which
 * includes every decision recorded before ours, so two simultaneous approvals that together meet
 * an N-of-M quorum still settle it. If another request settles first, our settle write loses and
 * we return the stored outcome; only the winner delivers the callback.
 */
export async function decide(deps: FlowDeps, input: DecideInput): Promise<DecideResult> {
  const now = deps.clock();
  const approver = normalizeEmail(input.approver);

  // 1. Refuse what the policy forbids before writing anything.
  const approval = await deps.store.get(input.approvalId);
  if (approval === undefined) return { ok: false, reason: "not-found" };
  const check = checkDecisionAllowed(approval, approver, input.decision, { now });
  if (!check.ok) return refuse(deps, approval, input, approver, check.reason, now);

  // 2. One conditional write: only while PENDING, only once per approver.
  const decision: Decision = {
    approver,
    decision: input.decision,
    at: now.toISOString(),
    channel: input.channel,
  };
  const comment = capComment(input.comment);
  if (comment !== undefined) decision.comment = comment;
  if (input.idempotencyKey !== undefined) decision.idempotencyKey = input.idempotencyKey;
  const recorded = await deps.store.recordDecision(approval.id, decision);
  if (!recorded.ok) {
    if (recorded.reason === "not-found") return { ok: false, reason: "not-found" };
    return refuse(deps, recorded.approval, input, approver, recorded.reason, now);
  }

  // 3. Audit, then settle if this decision (with any concurrent ones) settles it.
  await deps.store.appendEvent(approval.id, {
    type: "decided",
    at: decision.at,
    actor: approver,
    data: {
      decision: decision.decision,
      channel: decision.channel,
      ...(decision.comment === undefined ? {} : { comment: decision.comment }),
    },
  });
  log(deps, "info", "decision recorded", {
    approvalId: approval.id,
    approver,
    decision: decision.decision,
    channel: decision.channel,
  });
  const settled = await settleIfDecided(deps, recorded.approval, now);
  const latest = settled.approval ?? recorded.approval;
  const result: DecideResult = { ok: true, approval: toApprovalView(latest), decision };
  if (settled.callback !== undefined) result.callback = settled.callback;
  return result;
}

async function refuse(
  deps: FlowDeps,
  approval: Approval,
  input: DecideInput,
  approver: string,
  reason: DecisionRefusal,
  now: Date,
): Promise<DecideResult> {
  if (reason === "not-an-approver") {
    log(deps, "info", "decision refused", { approvalId: approval.id, reason });
    return { ok: false, reason };
  }
  let latest = approval;
  // A replayed decision is the moment to finish a settle that an earlier request crashed
  // before writing; otherwise only the deadline sweep would notice.
  if (reason === "already-decided") {
    latest = (await settleIfDecided(deps, approval, now)).approval ?? approval;
    const stored = approval.decisions[approver];
    if (stored !== undefined && input.idempotencyKey !== undefined) {
      if (stored.idempotencyKey === input.idempotencyKey) {
        if (stored.decision === input.decision && stored.comment === capComment(input.comment)) {
          log(deps, "info", "decision replayed", { approvalId: approval.id, approver });
          return { ok: true, approval: toApprovalView(latest), decision: stored, replayed: true };
        }
        log(deps, "info", "decision refused", {
          approvalId: approval.id,
          reason: "idempotency-key-reused",
        });
        return {
          ok: false,
          reason: "idempotency-key-reused",
          approval: toApprovalView(latest),
          approver,
        };
      }
    }
  }
  log(deps, "info", "decision refused", { approvalId: approval.id, reason });
  return { ok: false, reason, approval: toApprovalView(latest), approver };
}

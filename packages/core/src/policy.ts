/**
 * The approval policy: N-of-M approvals settle a request, any rejection is final, the requester
 * may not approve their own request, and a request that can no longer reach its quorum is
 * settled at once rather than left to run into its deadline.
 */
import type { Approval, Decision, DecisionKind, FinalStatus, OutcomeReason } from "./approval.ts";
import { normalizeEmail } from "./request.ts";

export type PolicyEvaluation =
  | { settled: false }
  | { settled: true; status: "APPROVED" | "REJECTED"; reason: OutcomeReason };

export type DecisionRefusal =
  | "not-an-approver"
  | "self-approval"
  | "already-decided"
  | "not-pending"
  | "expired";

export type DecisionCheck = { ok: true } | { ok: false; reason: DecisionRefusal };

type PolicyInput = Pick<Approval, "approvers" | "requestedBy" | "policy" | "decisions">;

/** Decisions oldest first (ties by approver), the order in which they settle a request. */
export function listDecisionsInOrder(approval: Pick<Approval, "decisions">): Decision[] {
  return Object.values(approval.decisions).sort(
    (a, b) => compareStrings(a.at, b.at) || compareStrings(a.approver, b.approver),
  );
}

// Code-unit order, not localeCompare: every process must sort the same way whatever its locale.
function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Whether the decisions so far settle the request, and how.
 *
 * Decisions are replayed oldest first and the first point at which the request is settled wins.
 * Two approvers deciding at the same moment can both be recorded before either settles; replaying
 * in order gives every evaluator the same answer whichever of them settles.
 */
export function evaluatePolicy(approval: PolicyInput): PolicyEvaluation {
  const approvers = new Set(approval.approvers);
  // The requester's approval never counts, so they are not among those who can still approve.
  const undecided = new Set(approval.approvers.filter((email) => email !== approval.requestedBy));
  const required = approval.policy.required;
  let approvals = 0;

  const canStillReachQuorum = () => approvals + undecided.size >= required;
  if (!canStillReachQuorum()) return settle("REJECTED", "quorum-unreachable");

  for (const decision of listDecisionsInOrder(approval)) {
    if (!approvers.has(decision.approver)) continue;
    if (decision.decision === "reject") return settle("REJECTED", "rejected");
    if (!undecided.delete(decision.approver)) continue;
    approvals += 1;
    if (approvals >= required) return settle("APPROVED", "quorum");
  }
  return canStillReachQuorum() ? { settled: false } : settle("REJECTED", "quorum-unreachable");
}

/**
 * Whether `approver` may record `decision` on `approval` now. The requester may reject their
 * own request (withdrawing it) but never approve it. Checks, in order: not-an-approver,
 * already-decided, not-pending, expired, self-approval.
 */
export function checkDecisionAllowed(
  approval: Pick<Approval, "status" | "deadline" | "approvers" | "requestedBy" | "decisions">,
  approver: string,
  decision: DecisionKind,
  options: { now: Date },
): DecisionCheck {
  const email = normalizeEmail(approver);
  // Order matters: someone who is not an approver learns nothing about the approval's state,
  // and an approver who already decided hears that first, even once the approval is settled.
  if (!approval.approvers.includes(email)) return { ok: false, reason: "not-an-approver" };
  if (Object.hasOwn(approval.decisions, email)) return { ok: false, reason: "already-decided" };
  if (approval.status !== "PENDING") return { ok: false, reason: "not-pending" };
  if (options.now.getTime() >= Date.parse(approval.deadline)) {
    return { ok: false, reason: "expired" };
  }
  if (decision === "approve" && email === approval.requestedBy) {
    return { ok: false, reason: "self-approval" };
  }
  return { ok: true };
}

export interface TimeoutResolution {
  status: FinalStatus;
  reason: "timeout";
  /** The decision the deadline stands for, when `onTimeout` approves or rejects. */
  decision?: DecisionKind;
}

/** What the deadline decides when it passes with the request still open (`onTimeout`). */
export function resolveTimeout(approval: Pick<Approval, "onTimeout">): TimeoutResolution {
  switch (approval.onTimeout) {
    case "approve":
      return { status: "APPROVED", reason: "timeout", decision: "approve" };
    case "reject":
      return { status: "REJECTED", reason: "timeout", decision: "reject" };
    case "fail":
      return { status: "EXPIRED", reason: "timeout" };
  }
}

function settle(status: "APPROVED" | "REJECTED", reason: OutcomeReason): PolicyEvaluation {
  return { settled: true, status, reason };
}

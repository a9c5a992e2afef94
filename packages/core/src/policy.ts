/**
 * The approval policy: N-of-M approvals settle a request, any rejection is final, the requester
 * may not approve their own request, and a request that can no longer reach its quorum is
 * settled at once rather than left to run into its deadline.
 */
import type { Approval, Decision, DecisionKind, FinalStatus, OutcomeReason } from "./approval.ts";
import { isRequester, normalizeEmail } from "./identity.ts";

export type PolicyEvaluation =
  | { settled: false }
  | {
      settled: true;
      status: "APPROVED" | "REJECTED";
      reason: OutcomeReason;
      /** The decisions that settled it: the approvals that met the quorum, or the rejection. */
      decidedBy: Decision[];
    };

export type DecisionRefusal =
  | "not-an-approver"
  | "self-approval"
  | "already-decided"
  | "not-pending"
  | "expired";

export type DecisionCheck = { ok: true } | { ok: false; reason: DecisionRefusal };

type PolicyInput = Pick<Approval, "approvers" | "requestedBy" | "policy" | "decisions">;

/**
 * Decisions in the order they were recorded (`seq`). Decisions recorded before signoff numbered
 * them come first, oldest first (ties by approver), as they were recorded before any numbered one.
 */
export function listDecisionsInOrder(approval: Pick<Approval, "decisions">): Decision[] {
  return Object.values(approval.decisions).sort(
    (a, b) =>
      (a.seq ?? 0) - (b.seq ?? 0) ||
      compareStrings(a.at, b.at) ||
      compareStrings(a.approver, b.approver),
  );
}

/** The `seq` the next decision recorded on `approval` gets. */
export function nextDecisionSeq(approval: Pick<Approval, "decisions">): number {
  let last = 0;
  for (const decision of Object.values(approval.decisions)) {
    last = Math.max(last, decision.seq ?? 0);
  }
  return Math.max(last, Object.keys(approval.decisions).length) + 1;
}

// Code-unit order, not localeCompare: every process must sort the same way whatever its locale.
function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Whether the decisions recorded so far settle the request, and how: a pure function of the
 * recorded decisions, replayed in the order they were recorded; the first point at which the
 * request is settled wins. `decide` writes a decision only together with what this says of the
 * decisions including it, so no decision is ever recorded after the outcome was determined.
 */
export function evaluatePolicy(approval: PolicyInput): PolicyEvaluation {
  const approvers = new Set(approval.approvers);
  // The requester's approval never counts, so they are not among those who can still approve.
  const undecided = new Set(
    approval.approvers.filter((email) => !isRequester(approval.requestedBy, email)),
  );
  const required = approval.policy.required;
  const approvals: Decision[] = [];

  const canStillReachQuorum = () => approvals.length + undecided.size >= required;
  if (!canStillReachQuorum()) return settle("REJECTED", "quorum-unreachable", []);

  for (const decision of listDecisionsInOrder(approval)) {
    if (!approvers.has(decision.approver)) continue;
    if (decision.decision === "reject") return settle("REJECTED", "rejected", [decision]);
    if (!undecided.delete(decision.approver)) continue;
    approvals.push(decision);
    if (approvals.length >= required) return settle("APPROVED", "quorum", approvals);
  }
  return canStillReachQuorum()
    ? { settled: false }
    : settle("REJECTED", "quorum-unreachable", [...approvals]);
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
  if (decision === "approve" && isRequester(approval.requestedBy, email)) {
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

function settle(
  status: "APPROVED" | "REJECTED",
  reason: OutcomeReason,
  decidedBy: Decision[],
): PolicyEvaluation {
  return { settled: true, status, reason, decidedBy };
}

/**
 * What is wrong with `approval`'s outcome given its recorded decisions, or undefined when it
 * follows them: decisions are numbered 1..n in recording order; a status the policy settled is
 * what the policy says of exactly those decisions, and no decision was recorded after the one
 * that determined it; an approval still pending, or ended by its deadline or its execution, was
 * not settled by its decisions. The invariant that `decide` keeps; tests check it on every result.
 */
export function findOutcomeInconsistency(
  approval: Pick<
    Approval,
    "status" | "outcome" | "approvers" | "requestedBy" | "policy" | "decisions"
  >,
): string | undefined {
  const seqs = Object.values(approval.decisions)
    .map((decision) => decision.seq)
    .filter((seq): seq is number => seq !== undefined)
    .sort((a, b) => a - b);
  if (seqs.some((seq, index) => seq !== index + 1)) {
    return `decisions are numbered ${seqs.join(", ")}, not 1..${seqs.length}`;
  }
  const evaluation = evaluatePolicy(approval);
  const reason = approval.outcome?.reason;
  const byPolicy = reason === "quorum" || reason === "rejected" || reason === "quorum-unreachable";
  if (approval.status === "PENDING" || (approval.outcome !== undefined && !byPolicy)) {
    if (reason === "task-closed") return undefined;
    return evaluation.settled
      ? `${approval.status}${reason ? ` (${reason})` : ""}, but the decisions settle it ${evaluation.status} (${evaluation.reason})`
      : undefined;
  }
  if (!evaluation.settled)
    return `${approval.status} (${reason}), but the decisions settle nothing`;
  if (evaluation.status !== approval.status || evaluation.reason !== reason) {
    return `${approval.status} (${reason}), but the decisions settle it ${evaluation.status} (${evaluation.reason})`;
  }
  const last = Math.max(0, ...seqs);
  const decisive = Math.max(0, ...evaluation.decidedBy.map((decision) => decision.seq ?? 0));
  if (last > decisive) {
    return `decision ${last} was recorded after decision ${decisive} had determined the outcome`;
  }
  return undefined;
}

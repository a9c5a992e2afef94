/**
 * How a refused API decision is answered: each of decide's reasons maps to one problem.
 */
import type { DecideResult } from "@signoff/core";
import { ApiProblemError } from "./problem.ts";

type Refusal = Extract<DecideResult, { ok: false }>;

/** The problem for a refused decision; the switch is exhaustive over decide's reasons. */
export function toDecisionProblem(refusal: Refusal): ApiProblemError {
  switch (refusal.reason) {
    case "not-found":
      return new ApiProblemError("not-found", "No approval has this id.");
    case "not-an-approver":
      return new ApiProblemError("forbidden", "This approval is not addressed to you.");
    case "self-approval":
      return new ApiProblemError(
        "forbidden",
        "You asked for this approval, so someone else must approve it. You may still reject it.",
      );
    case "already-decided":
      return new ApiProblemError("conflict", "You already decided this approval.", {
        extra: {
          decision: refusal.approval.decisions[refusal.approver],
          approvalStatus: refusal.approval.status,
        },
      });
    case "expired":
      return new ApiProblemError("conflict", "The approval's deadline has passed.", {
        extra: { approvalStatus: refusal.approval.status, deadline: refusal.approval.deadline },
      });
    case "not-pending":
      return new ApiProblemError("conflict", "The approval is no longer pending.", {
        extra: { approvalStatus: refusal.approval.status, outcome: refusal.approval.outcome },
      });
    case "idempotency-key-reused":
      return new ApiProblemError(
        "idempotency-key-reused",
        "This Idempotency-Key was used for a different decision or comment.",
        { extra: { decision: refusal.approval.decisions[refusal.approver] } },
      );
  }
}

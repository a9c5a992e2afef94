/**
 * How a refused API decision is answered: each of decide's reasons maps to one problem.
 */
import { type DecideResult, evaluatePolicy } from "@signoff/core";
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
    case "not-pending": {
      // Who settled it, as the policy replays the recorded decisions (none for a deadline or a
      // cancellation): the caller's decision arrived after the outcome was determined.
      const evaluation = evaluatePolicy(refusal.approval);
      const decidedBy =
        evaluation.settled && refusal.approval.outcome?.reason === evaluation.reason
          ? evaluation.decidedBy.map((decision) => decision.approver)
          : [];
      const status = refusal.approval.status.toLowerCase();
      const by = decidedBy.length > 0 ? ` by ${decidedBy.join(" and ")}` : "";
      return new ApiProblemError(
        "conflict",
        `The approval was already decided: ${status}${by}. Your decision was not recorded.`,
        {
          extra: {
            approvalStatus: refusal.approval.status,
            outcome: refusal.approval.outcome,
            decidedBy,
          },
        },
      );
    }
    case "invalid-response":
      // The same shape as a body that fails the schema: one issue per problem, by its path.
      return new ApiProblemError("invalid-request", "The response does not fit the form.", {
        extra: {
          issues: refusal.problems.map((problem) => ({
            path: problem.field === "response" ? "response" : `response.${problem.field}`,
            message: problem.message,
          })),
        },
      });
    case "idempotency-key-reused":
      return new ApiProblemError(
        "idempotency-key-reused",
        "This Idempotency-Key was used for a different decision or comment.",
        { extra: { decision: refusal.approval.decisions[refusal.approver] } },
      );
  }
}

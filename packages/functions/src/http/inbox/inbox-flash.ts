/**
 * What the inbox says after a redirect: a closed set of codes carried in the query string
 * (`/inbox?flash=…&id=…`), so no message text ever comes from a URL. The approval named by `id`
 * lends its subject and status to the message only when the caller is one of its approvers.
 */
import type {
  ApprovalView,
  DecideResult,
  DecisionKind,
  FormNonceVerification,
} from "@signoff/core";

export const FlashCode = {
  approved: "approved",
  rejected: "rejected",
  alreadyDecided: "already-decided",
  settled: "settled",
  expired: "expired",
  selfApproval: "self-approval",
  notYours: "not-yours",
  formExpired: "form-expired",
  invalidResponse: "invalid-response",
  invalidForm: "invalid-form",
  signedOut: "signed-out",
} as const;
export type FlashCode = (typeof FlashCode)[keyof typeof FlashCode];

const CODES = new Set<string>(Object.values(FlashCode));

/** A query value as a flash code, or undefined for anything else. */
export function parseFlashCode(value: string | undefined): FlashCode | undefined {
  return value !== undefined && CODES.has(value) ? (value as FlashCode) : undefined;
}

/** The flash for `decide`'s result. */
export function flashForDecision(result: DecideResult, decision: DecisionKind): FlashCode {
  if (result.ok) return decision === "approve" ? FlashCode.approved : FlashCode.rejected;
  switch (result.reason) {
    case "not-found":
    case "not-an-approver":
      return FlashCode.notYours;
    case "already-decided":
    // The inbox sends no idempotency key, so this only means a decision was already recorded.
    case "idempotency-key-reused":
      return FlashCode.alreadyDecided;
    case "not-pending":
      return FlashCode.settled;
    case "expired":
      return FlashCode.expired;
    case "self-approval":
      return FlashCode.selfApproval;
    // The routes show refused answers on the page itself; the code only says that they were.
    case "invalid-response":
      return FlashCode.invalidResponse;
  }
}

/** The flash for a form nonce that did not verify. */
export function flashForNonce(result: Exclude<FormNonceVerification, { ok: true }>): FlashCode {
  return result.reason === "expired" ? FlashCode.formExpired : FlashCode.invalidForm;
}

const STATUS_TEXT: Record<ApprovalView["status"], string> = {
  PENDING: "still waiting for more approvals",
  APPROVED: "approved",
  REJECTED: "rejected",
  EXPIRED: "expired",
  CANCELLED: "cancelled",
};

/** A flash's text and tone; `approval` is the one `id` named, if the caller may see it. */
export function describeFlash(
  code: FlashCode,
  approval: ApprovalView | undefined,
): { text: string; tone: "ok" | "problem" } {
  const subject = approval ? `“${approval.subject}”` : "the request";
  const status = approval ? ` It is now ${STATUS_TEXT[approval.status]}.` : "";
  switch (code) {
    case FlashCode.approved:
      return { tone: "ok", text: `You approved ${subject}.${status}` };
    case FlashCode.rejected:
      return { tone: "ok", text: `You rejected ${subject}.${status}` };
    case FlashCode.alreadyDecided:
      return { tone: "problem", text: `You already decided on ${subject}; nothing was changed.` };
    case FlashCode.settled:
      return {
        tone: "problem",
        text: `${approval ? subject : "That request"} was already settled; nothing was changed.${status}`,
      };
    case FlashCode.expired:
      return {
        tone: "problem",
        text: `The deadline for ${subject} has passed; nothing was changed.`,
      };
    case FlashCode.selfApproval:
      return {
        tone: "problem",
        text: `You asked for ${subject}, so someone else must approve it. You may still reject it.`,
      };
    case FlashCode.notYours:
      return {
        tone: "problem",
        text: "That request is not addressed to you, or no longer exists.",
      };
    case FlashCode.formExpired:
      return {
        tone: "problem",
        text: "This page was open too long; nothing was changed. Decide again below.",
      };
    case FlashCode.invalidForm:
      return {
        tone: "problem",
        text: "That form was not valid; nothing was changed. Try again below.",
      };
    case FlashCode.invalidResponse:
      return {
        tone: "problem",
        text: `Your answers for ${subject} were not accepted; nothing was changed. Try again below.`,
      };
    case FlashCode.signedOut:
      return { tone: "ok", text: "You are signed out." };
  }
}

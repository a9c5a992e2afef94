/**
 * `POST /a/{link}`: the confirmation page's form. The link says who and what; the form nonce
 * proves the POST came from a page we served for that very link; `decide` does the rest.
 */
import type { DecisionKind } from "../approval.ts";
import { toApprovalView } from "../approval-view.ts";
import { type DecideInput, type DecideResult, decide } from "./decide.ts";
import { type FlowDeps, log } from "./flow-deps.ts";

export interface DecideByLinkInput {
  linkToken: string;
  formNonce: string;
  decision: DecisionKind;
  comment?: string;
  /** The page's form field values by field name, as the browser sent them (text). */
  response?: Record<string, string>;
}

export type DecideByLinkResult =
  | DecideResult
  /** The link is not ours, was tampered with, or names nothing we hold. */
  | { ok: false; reason: "invalid-link" }
  /** The nonce is missing, forged, or from a page served for another link. */
  | { ok: false; reason: "invalid-form" }
  /** The page sat open too long; reloading the link gives a fresh form. */
  | { ok: false; reason: "form-expired" };

/** Verifies the link and the form nonce, then records the decision through `decide`. */
export async function decideByLink(
  deps: FlowDeps,
  input: DecideByLinkInput,
): Promise<DecideByLinkResult> {
  const now = deps.clock();

  // 1. The link: intact, ours, and not past the deadline.
  const link = await deps.links.verifyLink(input.linkToken, { now });
  if (!link.ok) {
    if (link.reason !== "expired") {
      log(deps, "info", "link refused", { reason: link.reason });
      return { ok: false, reason: "invalid-link" };
    }
    // Past the deadline nothing can be decided; say whether it ended some other way first.
    const approval = await deps.store.get(link.claims.aid);
    if (approval === undefined || !approval.approvers.includes(link.claims.sub)) {
      return { ok: false, reason: "invalid-link" };
    }
    const reason = approval.status === "PENDING" ? "expired" : "not-pending";
    return { ok: false, reason, approval: toApprovalView(approval), approver: link.claims.sub };
  }

  // 2. The form nonce: issued by us for this same link. The approval is read meanwhile (a read
  // changes nothing), and used only once the nonce has been checked.
  const read = deps.store.get(link.claims.aid);
  read.catch(() => undefined); // awaited below; a nonce refused first leaves it unobserved
  const nonce = await deps.links.verifyFormNonce(input.formNonce, link.claims, { now });
  if (!nonce.ok) {
    log(deps, "info", "form nonce refused", { approvalId: link.claims.aid, reason: nonce.reason });
    return { ok: false, reason: nonce.reason === "expired" ? "form-expired" : "invalid-form" };
  }

  // 3. Record the decision; whichever button was pressed counts, not the link's `act`.
  const decision: DecideInput = {
    approvalId: link.claims.aid,
    approver: link.claims.sub,
    decision: input.decision,
    channel: "link",
  };
  if (input.comment !== undefined) decision.comment = input.comment;
  if (input.response !== undefined) {
    decision.response = input.response;
    decision.responseFromPage = true;
  }
  return decide(deps, decision, read);
}

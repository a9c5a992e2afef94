/** The shape of an approval that may leave the domain: pages, emails, API responses. */
import type { Approval } from "./approval.ts";
import type { ApprovalView } from "./ports.ts";

/** Drops the encrypted task token and the audit chain's head; everything else may be shown. */
export function toApprovalView(approval: Approval): ApprovalView {
  const { tokenCiphertext: _omitted, audit: _head, ...view } = approval;
  return view;
}

/**
 * Emailing one approver: their two signed links and the email of the given kind. Shared by every
 * flow that writes to approvers (request, reminder, escalation, cancellation notice).
 */
import type { Approval, AuditEvent } from "../approval.ts";
import { toApprovalView } from "../approval-view.ts";
import type { ApprovalEmail, ApprovalEmailKind } from "../ports.ts";
import { buildLinkUrl, type FlowDeps } from "./flow-deps.ts";

/** What an email adds to the approval and its links, by kind. */
export type ApprovalEmailExtras = Omit<
  ApprovalEmail,
  "kind" | "to" | "approval" | "approveUrl" | "rejectUrl"
>;

/**
 * Signs `to`'s approve and reject links and sends the `kind` email. Links live exactly as long as
 * the approval can be decided; rounding up keeps them from expiring a fraction of a second early
 * (decide() still refuses after the deadline).
 */
export async function emailApprover(
  deps: FlowDeps,
  approval: Approval,
  to: string,
  kind: ApprovalEmailKind,
  now: Date,
  extras: ApprovalEmailExtras = {},
): Promise<void> {
  const exp = Math.ceil(Date.parse(approval.deadline) / 1000);
  const [approveToken, rejectToken] = await Promise.all([
    deps.links.signLink({ aid: approval.id, sub: to, act: "approve", exp }, { now }),
    deps.links.signLink({ aid: approval.id, sub: to, act: "reject", exp }, { now }),
  ]);
  await deps.mailer.sendApprovalEmail({
    ...extras,
    kind,
    to,
    approval: toApprovalView(approval),
    approveUrl: buildLinkUrl(deps.publicBaseUrl, approveToken),
    rejectUrl: buildLinkUrl(deps.publicBaseUrl, rejectToken),
  });
}

/** Appends the `emailed` event that records one email sent (its kind, when not the request). */
export async function recordEmailed(
  deps: FlowDeps,
  approvalId: string,
  to: string,
  kind: ApprovalEmailKind,
): Promise<void> {
  await deps.store.appendEvent(approvalId, {
    type: "emailed",
    at: deps.clock().toISOString(),
    actor: "signoff",
    data: kind === "request" ? { to } : { to, kind },
  });
}

/** Everyone the trail says was emailed anything about the approval, first email first. */
export function listEmailedApprovers(events: readonly AuditEvent[]): string[] {
  const emailed = new Set<string>();
  for (const event of events) {
    const to = event.data?.to;
    if (event.type === "emailed" && typeof to === "string") emailed.add(to);
  }
  return [...emailed];
}

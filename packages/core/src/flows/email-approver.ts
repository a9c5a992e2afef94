/**
 * Emailing one approver: the emails that ask for a decision carry their two signed links; the
 * "no longer needed" notice carries none. Shared by every flow that writes to approvers (request,
 * reminder, escalation, cancellation notice).
 */
import type { Approval, AuditEvent, ExecutionEndStatus } from "../approval.ts";
import { toApprovalView } from "../approval-view.ts";
import type { ApprovalEmailKind, DecisionEmail, DecisionEmailKind } from "../ports.ts";
import { buildLinkUrl, type FlowDeps } from "./flow-deps.ts";

/** What a decision email adds to the approval and its links. */
export type ApprovalEmailExtras = Omit<
  DecisionEmail,
  "kind" | "to" | "approval" | "approveUrl" | "rejectUrl"
>;

/**
 * Signs `to`'s approve and reject links and sends the `kind` email. Links live exactly as long as
 * the approval can be decided; rounding up keeps them from expiring a fraction of a second early
 * (decide() still refuses after the deadline).
 */
export async function emailApprover(
  deps: Pick<FlowDeps, "links" | "mailer" | "publicBaseUrl">,
  approval: Approval,
  to: string,
  kind: DecisionEmailKind,
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

/** Sends `to` the "no longer needed" notice of `approval` (settled CANCELLED): no links to sign. */
export async function sendCancelledNotice(
  deps: Pick<FlowDeps, "mailer">,
  approval: Approval,
  to: string,
  executionStatus?: ExecutionEndStatus,
): Promise<void> {
  await deps.mailer.sendApprovalEmail({
    kind: "cancelled",
    to,
    approval: toApprovalView(approval),
    ...(executionStatus === undefined ? {} : { executionStatus }),
  });
}

/** Appends the `emailed` event that records one email sent (its kind, when not the request). */
export async function recordEmailed(
  deps: Pick<FlowDeps, "store" | "clock">,
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

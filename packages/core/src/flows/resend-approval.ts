/**
 * Resend: an operator or approver asks signoff to email the approvers who have not decided
 * again, with fresh links. Earlier links stay valid until the deadline (links carry no state to
 * revoke), so a resend never strands someone who opens the first email.
 */
import type { Approval } from "../approval.ts";
import { emailApprover } from "./email-approver.ts";
import { describeError, type FlowDeps, log, metric } from "./flow-deps.ts";

export interface ResendInput {
  approvalId: string;
  /** Who asked (their email), for the audit trail. */
  actor: string;
}

export type ResendResult =
  | {
      ok: true;
      /** The approvers emailed, in approver order. */
      resent: string[];
      /** The approvers whose email SES did not take (they are not in `resent`). */
      failed: string[];
    }
  | { ok: false; reason: "not-found" }
  | { ok: false; reason: "not-pending" | "expired"; approval: Approval }
  /** The last resend was less than RESEND_COOLDOWN_SECONDS ago. */
  | { ok: false; reason: "too-soon"; retryAfterSeconds: number };

/**
 * How far apart resends of one approval must be: approvers are not to be flooded, nor the sender's
 * SES quota spent, by a caller repeating the request.
 */
export const RESEND_COOLDOWN_SECONDS = 300;

/** Emails each approver still to decide; the requester only when they could still reject. */
export async function resendApproval(deps: FlowDeps, input: ResendInput): Promise<ResendResult> {
  const now = deps.clock();
  // 1. Only a request that can still be decided is worth an email.
  const approval = await deps.store.get(input.approvalId);
  if (approval === undefined) return { ok: false, reason: "not-found" };
  if (approval.status !== "PENDING") return { ok: false, reason: "not-pending", approval };
  if (now.getTime() >= Date.parse(approval.deadline)) {
    return { ok: false, reason: "expired", approval };
  }

  // 2. Claim this resend with a conditional write: one per cooldown, however many callers race.
  const cooldownMs = RESEND_COOLDOWN_SECONDS * 1000;
  const notAfter = new Date(now.getTime() - cooldownMs).toISOString();
  const claimed = await deps.store.claimResend(approval.id, now.toISOString(), notAfter);
  if (claimed === undefined) {
    const latest = await deps.store.get(approval.id);
    if (latest === undefined) return { ok: false, reason: "not-found" };
    if (latest.status !== "PENDING") return { ok: false, reason: "not-pending", approval: latest };
    const last = Date.parse(latest.lastResentAt ?? now.toISOString());
    const retryAfterSeconds = Math.max(1, Math.ceil((last + cooldownMs - now.getTime()) / 1000));
    return { ok: false, reason: "too-soon", retryAfterSeconds };
  }

  // 3. Record the ask before sending, so the trail shows it even if the emails fail.
  const recipients = approval.approvers.filter(
    (email) => !Object.hasOwn(approval.decisions, email),
  );
  await deps.store.appendEvent(approval.id, {
    type: "resent",
    at: now.toISOString(),
    actor: input.actor,
    data: { to: recipients },
  });

  // 4. Fresh links in a reminder email to each; one refusal does not stop the others.
  const result = { ok: true as const, resent: [] as string[], failed: [] as string[] };
  const secondsLeft = Math.max(
    0,
    Math.floor((Date.parse(approval.deadline) - now.getTime()) / 1000),
  );
  for (const to of recipients) {
    try {
      await emailApprover(deps, approval, to, "reminder", now, { secondsLeft });
      result.resent.push(to);
    } catch (error) {
      result.failed.push(to);
      metric(deps, "EmailsFailed");
      log(deps, "error", "resend email failed", {
        approvalId: approval.id,
        to,
        error: describeError(error),
      });
    }
  }
  log(deps, "info", "approval resent", {
    approvalId: approval.id,
    actor: input.actor,
    emailed: result.resent.length,
    emailFailed: result.failed.length,
  });
  return result;
}

/**
 * Flow 1, Request: the waitForTaskToken Lambda's whole job. Idempotent under retries: the
 * approval id comes from the task token, the approval is written with a conditional put, and
 * every email sent is recorded as an `emailed` event, so a retried invocation emails only the
 * approvers the first one did not reach.
 */
import type { AuditEvent } from "../approval.ts";
import { EmailDeliveryError } from "../errors.ts";
import { buildApproval, type InvalidRequest, type NewApprovalInput } from "../request.ts";
import { emailApprover, listEmailedApprovers, recordEmailed } from "./email-approver.ts";
import { describeError, type FlowDeps, log } from "./flow-deps.ts";

export type RequestApprovalResult =
  | {
      ok: true;
      approvalId: string;
      /** False when a previous invocation with the same token had already stored it. */
      created: boolean;
      /** Approvers emailed by this invocation. */
      emailed: string[];
    }
  | InvalidRequest;

/**
 * Stores a new approval and emails every approver an approve and a reject link.
 *
 * Email failures: every approver is tried; each success is recorded; then, if any send failed,
 * it throws `EmailDeliveryError` so the invocation fails visibly (and a Task `Retry` re-runs it
 * with the same token, which sends only the missing emails). A crash between the mailer
 * accepting a message and its `emailed` event being written can repeat that one email on a
 * retry: we prefer a rare duplicate (harmless: decisions are recorded once per approver) to a
 * silently lost request.
 */
export async function requestApproval(
  deps: FlowDeps,
  input: NewApprovalInput,
): Promise<RequestApprovalResult> {
  const now = deps.clock();

  // 1. Validate and build the approval around the encrypted token.
  const tokenCiphertext = await deps.cipher.encrypt(input.taskToken);
  const built = buildApproval(input, { now, tokenCiphertext });
  if (!built.ok) return built;

  // 2. Conditional put: a retried invocation finds the approval it stored before.
  const created = await deps.store.create(built.approval);
  const approval = created.approval;
  const approvalId = approval.id;
  let events: AuditEvent[] = [];
  if (!created.ok) {
    if (approval.status !== "PENDING" || now.getTime() >= Date.parse(approval.deadline)) {
      return { ok: true, approvalId, created: false, emailed: [] };
    }
    events = await deps.store.listEvents(approvalId);
  }

  // 3. Record the request (also when a previous invocation stopped before doing so).
  if (!events.some((event) => event.type === "requested")) {
    await deps.store.appendEvent(approvalId, {
      type: "requested",
      at: now.toISOString(),
      actor: approval.requestedBy ?? "signoff",
      data: {
        approvers: approval.approvers,
        required: approval.policy.required,
        deadline: approval.deadline,
        onTimeout: approval.onTimeout,
      },
    });
  }

  // 4. Email whoever has not been emailed yet, recording each send.
  const alreadyEmailed = new Set(listEmailedApprovers(events));
  const emailed: string[] = [];
  const failed: string[] = [];
  let firstError: unknown;
  for (const to of approval.approvers.filter((email) => !alreadyEmailed.has(email))) {
    try {
      await emailApprover(deps, approval, to, "request", now);
    } catch (error) {
      failed.push(to);
      firstError ??= error;
      log(deps, "error", "approval email failed", { approvalId, to, error: describeError(error) });
      continue;
    }
    emailed.push(to);
    await recordEmailed(deps, approvalId, to, "request");
  }
  if (failed.length > 0) throw new EmailDeliveryError(approvalId, failed, { cause: firstError });

  log(deps, "info", "approval requested", { approvalId, created: created.ok, emailed });
  return { ok: true, approvalId, created: created.ok, emailed };
}

/**
 * Flow 1, Request: the waitForTaskToken Lambda's whole job. Idempotent under retries: the
 * approval id comes from the task token, the approval is written with a conditional put, and
 * every email sent is recorded as an `emailed` event, so a retried invocation emails only the
 * approvers the first one did not reach.
 */
import type { Approval, AuditEvent, AuditEventInput, Outcome } from "../approval.ts";
import { extendAuditHead } from "../audit.ts";
import { EmailDeliveryError, RequestUndeliverableError } from "../errors.ts";
import { buildApproval, type InvalidRequest, type NewApprovalInput } from "../request.ts";
import { resolveWebhookUrls } from "../webhooks.ts";
import { emailApprover, listEmailedApprovers } from "./email-approver.ts";
import {
  DEFAULT_REQUEST_MAX_ATTEMPTS,
  describeError,
  type FlowDeps,
  log,
  metric,
} from "./flow-deps.ts";
import { notifySettled, recordSettled, settlementFor } from "./settle.ts";
import { postSlackRequest, updateSlackAfterSettle } from "./slack-messages.ts";

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
 * it throws `EmailDeliveryError` so the invocation fails visibly (and Lambda's retry of an
 * asynchronous invocation, or a Task `Retry`, re-runs it with the same token, which sends only
 * the missing emails). The last attempt allowed (`requestMaxAttempts`) instead cancels the
 * approval, fails the task with `Approval.DeliveryFailed`, and throws `RequestUndeliverableError`. A crash between the mailer
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
  const built = buildApproval(input, {
    now,
    tokenCiphertext,
    ...(deps.minReminderIntervalSeconds !== undefined && {
      minReminderIntervalSeconds: deps.minReminderIntervalSeconds,
    }),
  });
  if (!built.ok) return built;
  const webhookUrls = resolveWebhookUrls({
    deploymentUrls: deps.webhooks?.urls,
    requested: input.webhooks,
    ...(deps.webhooks?.allowLoopbackHttp && { allowLoopbackHttp: true }),
  });
  if (!webhookUrls.ok) return webhookUrls;
  if (webhookUrls.urls.length > 0) {
    // Due at once: the sweeper's next run queues the "requested" message (webhooks.ts).
    built.approval.webhookUrls = webhookUrls.urls;
    built.approval.dueAt = now.getTime();
  }
  // Its audit chain starts in the same put: the head carries the "requested" event.
  const requested = requestedEvent(built.approval, now);
  built.approval.audit = extendAuditHead(undefined, built.approval.id, [requested]).head;

  // 2. Conditional put: a retried invocation finds the approval it stored before, and counts
  // itself (the last attempt allowed gives up on delivery, below).
  const created = await deps.store.create(built.approval);
  let approval = created.approval;
  const approvalId = approval.id;
  let events: AuditEvent[] = [];
  if (created.ok) {
    metric(deps, "ApprovalsRequested");
  } else {
    if (approval.status !== "PENDING" || now.getTime() >= Date.parse(approval.deadline)) {
      return { ok: true, approvalId, created: false, emailed: [] };
    }
    approval = (await deps.store.countRequestAttempt(approvalId)) ?? approval;
    events = await deps.store.listEvents(approvalId);
  }

  // 3. Record the request, when an approval stored before chains had heads lacks it.
  if (!created.ok && !events.some((event) => event.type === "requested")) {
    approval = await deps.store.appendEvents(approvalId, [requestedEvent(approval, now)], approval);
  }

  // 4. Email whoever has not been emailed yet, all at once, then record every send in one
  // conditional write onto the head we wrote (a crash between re-sends them on the retry).
  const alreadyEmailed = new Set(listEmailedApprovers(events));
  const emailed: string[] = [];
  const failed: string[] = [];
  let firstError: unknown;
  const pending = approval.approvers.filter((email) => !alreadyEmailed.has(email));
  // Slack (when asked) beside the emails; it never fails the request (see slack-messages.ts).
  const [sends, slack] = await Promise.all([
    Promise.allSettled(pending.map((to) => emailApprover(deps, approval, to, "request", now))),
    postSlackRequest(deps, approval),
  ]);
  for (const [index, send] of sends.entries()) {
    const to = pending[index]!;
    if (send.status === "fulfilled") {
      emailed.push(to);
      continue;
    }
    failed.push(to);
    firstError ??= send.reason;
    metric(deps, "EmailsFailed");
    log(deps, "error", "approval email failed", {
      approvalId,
      to,
      error: describeError(send.reason),
    });
  }
  if (emailed.length > 0 || slack.messages.length > 0) {
    const at = deps.clock().toISOString();
    const sent: AuditEventInput[] = emailed.map((to) => ({
      type: "emailed",
      at,
      actor: "signoff",
      data: { to },
    }));
    // The Slack messages ride on the write that records the emails: no write of their own.
    approval = await deps.store.appendEvents(
      approvalId,
      [...sent, ...slack.events],
      approval,
      slack.messages.length > 0 ? { slackMessages: slack.messages } : undefined,
    );
  }
  if (failed.length > 0) {
    const attempts = approval.requestAttempts ?? 1;
    if (attempts < (deps.requestMaxAttempts ?? DEFAULT_REQUEST_MAX_ATTEMPTS)) {
      throw new EmailDeliveryError(approvalId, failed, { cause: firstError });
    }
    await giveUpDelivery(deps, approvalId, failed, now);
    throw new RequestUndeliverableError(approvalId, failed, { cause: firstError });
  }

  log(deps, "info", "approval requested", { approvalId, created: created.ok, emailed });
  return { ok: true, approvalId, created: created.ok, emailed };
}

/**
 * The last attempt still could not reach everyone: the approval is CANCELLED ("undeliverable")
 * and its task is told `Approval.DeliveryFailed` (through the callback outbox, so the sweeper
 * retries the callback if Step Functions cannot take it now). An approval already settled by
 * someone who did get the email stays as they decided.
 */
async function giveUpDelivery(
  deps: FlowDeps,
  approvalId: string,
  undelivered: string[],
  now: Date,
): Promise<void> {
  const outcome: Outcome = {
    status: "CANCELLED",
    reason: "undeliverable",
    at: now.toISOString(),
    undelivered,
  };
  const settlement = settlementFor(deps, outcome);
  const settled = await deps.store.settle(approvalId, settlement);
  if (!settled.ok) return;
  log(deps, "error", "approval undeliverable; task failed", { approvalId, undelivered });
  const recorded = await recordSettled(deps, settled.approval);
  await updateSlackAfterSettle(deps, recorded, await notifySettled(deps, recorded, settlement));
}

/** The audit event of the request itself. */
function requestedEvent(approval: Approval, now: Date): AuditEventInput {
  return {
    type: "requested",
    at: now.toISOString(),
    actor: approval.requestedBy ?? "signoff",
    data: {
      approvers: approval.approvers,
      required: approval.policy.required,
      deadline: approval.deadline,
      onTimeout: approval.onTimeout,
    },
  };
}

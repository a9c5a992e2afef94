/**
 * Delivering one queued webhook message (webhooks.ts) to the URLs that have not yet answered 2xx.
 * The sweeper calls this for each due outbox item; nothing on a decision's path waits for it.
 *
 * Like a task callback, each attempt is claimed first (a conditional write that bumps `attempts`
 * and pushes `dueAt` to the retry time), so two sweepers never send the same attempt, and a
 * sender that dies is retried when its claim runs out, under the same `webhook-id`.
 */

import type { WebhookRetryPolicy } from "../webhooks.ts";
import {
  computeWebhookDelay,
  DEFAULT_WEBHOOK_RETRY,
  type WebhookDelivery,
  WebhookDeliveryState,
} from "../webhooks.ts";
import { describeError, type FlowDeps, log, metric } from "./flow-deps.ts";
import { appendAuditSafely } from "./settle.ts";

export type DeliverWebhookResult =
  | { status: "delivered"; attempt: number }
  | { status: "retry-scheduled"; attempt: number; retryAt: number; error: string }
  | { status: "gave-up"; attempt: number; error: string }
  | { status: "skipped"; reason: "not-pending" | "claimed-elsewhere" | "webhooks-off" };

/** The effective retry policy of `deps.webhooks`. */
export function resolveWebhookRetry(deps: Pick<FlowDeps, "webhooks">): WebhookRetryPolicy {
  const policy = { ...DEFAULT_WEBHOOK_RETRY, ...deps.webhooks?.retry };
  return { ...policy, maxAttempts: Math.max(1, Math.floor(policy.maxAttempts)) };
}

/**
 * Sends `delivery` (as read from the due index) once more:
 *
 * 1. Out of attempts (the last claim ran out unfinished): give up.
 * 2. Claim the next attempt; losing means another sweeper has it.
 * 3. POST to every URL not yet delivered, side by side (each attempt has its own timeout in the
 *    sender), and record which answered 2xx: all of them ends it DELIVERED; otherwise it stays
 *    due at the claimed retry time, or, after the last attempt, ends GAVE_UP (logged, counted
 *    and audited on the approval).
 */
export async function deliverWebhook(
  deps: FlowDeps,
  delivery: WebhookDelivery,
): Promise<DeliverWebhookResult> {
  const webhooks = deps.webhooks;
  if (webhooks === undefined) {
    log(deps, "warn", "webhook due but webhooks are off (no signing secret)", {
      approvalId: delivery.approvalId,
      webhookId: delivery.webhookId,
    });
    return { status: "skipped", reason: "webhooks-off" };
  }
  if (delivery.state !== "PENDING") return { status: "skipped", reason: "not-pending" };
  const policy = resolveWebhookRetry(deps);
  const key = { approvalId: delivery.approvalId, seq: delivery.seq };

  // 1. Out of attempts.
  if (delivery.attempts >= policy.maxAttempts) {
    const error = delivery.lastError ?? "no attempt finished";
    return giveUp(deps, delivery, delivery.attempts, delivery.delivered, error);
  }

  // 2. Claim.
  const now = deps.clock();
  const attempt = delivery.attempts + 1;
  const retryAt = now.getTime() + computeWebhookDelay(attempt, policy);
  const claimed = await webhooks.outbox.claimWebhook(key, attempt, retryAt);
  if (claimed === undefined) return { status: "skipped", reason: "claimed-elsewhere" };

  // 3. Send to whoever has not answered 2xx yet.
  const delivered = new Set(claimed.delivered);
  const errors: string[] = [];
  await Promise.all(
    claimed.urls.map(async (url, index) => {
      if (delivered.has(index)) return;
      try {
        const result = await webhooks.sender.send({
          url,
          webhookId: claimed.webhookId,
          body: claimed.body,
          at: now,
        });
        if (result.ok) delivered.add(index);
        else errors.push(`url ${index}: ${result.message}`);
      } catch (error) {
        errors.push(`url ${index}: ${describeError(error)}`);
      }
    }),
  );
  const deliveredList = [...delivered].sort((a, b) => a - b);
  const fields = { approvalId: claimed.approvalId, webhookId: claimed.webhookId, attempt };
  if (deliveredList.length === claimed.urls.length) {
    await webhooks.outbox.finishWebhook(key, attempt, {
      delivered: deliveredList,
      state: "DELIVERED",
    });
    metric(deps, "WebhooksDelivered");
    log(deps, "info", "webhook delivered", { ...fields, type: claimed.type });
    return { status: "delivered", attempt };
  }
  const error = errors.sort().join("; ").slice(0, 1_000);
  metric(deps, "WebhookAttemptsFailed");
  if (attempt >= policy.maxAttempts) return giveUp(deps, claimed, attempt, deliveredList, error);
  await webhooks.outbox.finishWebhook(key, attempt, {
    delivered: deliveredList,
    state: "PENDING",
    error,
  });
  log(deps, "warn", "webhook failed; will retry", { ...fields, retryAt, error });
  return { status: "retry-scheduled", attempt, retryAt, error };
}

async function giveUp(
  deps: FlowDeps,
  delivery: WebhookDelivery,
  attempt: number,
  delivered: number[],
  error: string,
): Promise<DeliverWebhookResult> {
  const key = { approvalId: delivery.approvalId, seq: delivery.seq };
  const finished = await deps.webhooks!.outbox.finishWebhook(key, attempt, {
    delivered,
    state: "GAVE_UP",
    error,
  });
  if (!finished) return { status: "skipped", reason: "claimed-elsewhere" };
  metric(deps, "WebhooksGaveUp");
  log(deps, "error", "webhook gave up", {
    approvalId: delivery.approvalId,
    webhookId: delivery.webhookId,
    type: delivery.type,
    attempt,
    error,
  });
  await appendAuditSafely(deps, delivery.approvalId, {
    type: "webhook-failed",
    at: deps.clock().toISOString(),
    actor: "signoff",
    data: {
      webhookId: delivery.webhookId,
      type: delivery.type,
      attempts: attempt,
      undelivered: delivery.urls.filter((_, index) => !delivered.includes(index)).length,
      error,
    },
  });
  return { status: "gave-up", attempt, error };
}

export type ReplayWebhooksResult =
  /** The `webhookId`s put back for a fresh round of attempts (none when nothing had given up). */
  { ok: true; requeued: string[] } | { ok: false; reason: "webhooks-off" };

/**
 * An operator's retry of an approval's given-up messages: each is put back in the due index for
 * a fresh round of attempts (same body, same `webhook-id`, to the URLs that never answered 2xx),
 * with a conditional write so a message is requeued once however often this runs; the sweeper
 * then delivers it as any other. Each one requeued is recorded on the approval's audit trail.
 */
export async function replayWebhooks(
  deps: FlowDeps,
  input: { approvalId: string; actor: string },
): Promise<ReplayWebhooksResult> {
  const webhooks = deps.webhooks;
  if (webhooks === undefined) return { ok: false, reason: "webhooks-off" };
  const now = deps.clock();
  const gaveUp = (await webhooks.outbox.listWebhooks(input.approvalId)).filter(
    (delivery) => delivery.state === WebhookDeliveryState.GaveUp,
  );
  const requeued: string[] = [];
  for (const delivery of gaveUp) {
    if (!(await webhooks.outbox.requeueWebhook(delivery, now.getTime()))) continue;
    requeued.push(delivery.webhookId);
    await appendAuditSafely(deps, input.approvalId, {
      type: "webhook-replayed",
      at: now.toISOString(),
      actor: input.actor,
      data: { webhookId: delivery.webhookId, type: delivery.type },
    });
  }
  if (requeued.length > 0) {
    log(deps, "info", "webhooks requeued", {
      approvalId: input.approvalId,
      actor: input.actor,
      webhookIds: requeued,
    });
  }
  return { ok: true, requeued };
}

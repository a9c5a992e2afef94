/**
 * Signed webhooks for dashboards: which audit events become webhook messages, what a message
 * says, which URLs may receive one, and how often a failed delivery is retried.
 *
 * A message is planned from an audit event that a write already recorded (requested, decided,
 * settled, expired, cancelled), so no flow makes a call of its own to queue it: the store writes
 * the planned deliveries as outbox items wherever it writes audit events out as event items
 * (`ApprovalStore.refreshListing`), and the sweeper delivers them (flows/deliver-webhook.ts).
 * Messages carry no task token, no ciphertext and no request context: only what a dashboard shows.
 */
import type { Approval, AuditEvent, AuditEventType } from "./approval.ts";
import type { InvalidRequest } from "./request.ts";

/** The message types, after the Standard Webhooks convention `<group>.<event>`. */
export const WebhookEventType = {
  Requested: "approval.requested",
  Decided: "approval.decided",
  Settled: "approval.settled",
  Cancelled: "approval.cancelled",
} as const;
export type WebhookEventType = (typeof WebhookEventType)[keyof typeof WebhookEventType];

/** Which audit events are sent, as which message type. */
const MESSAGE_TYPE_OF: Partial<Record<AuditEventType, WebhookEventType>> = {
  requested: WebhookEventType.Requested,
  decided: WebhookEventType.Decided,
  settled: WebhookEventType.Settled,
  expired: WebhookEventType.Settled,
  cancelled: WebhookEventType.Cancelled,
};

/** The most webhook URLs a request may name (the deployment's own come on top). */
export const MAX_REQUEST_WEBHOOK_URLS = 3;
/** The most URLs one approval sends to, the deployment's and the request's together. */
export const MAX_WEBHOOK_URLS = 10;
/** URLs longer than this are refused: they are stored on the approval and its outbox items. */
export const MAX_WEBHOOK_URL_LENGTH = 2_048;

export const WebhookDeliveryState = {
  Pending: "PENDING",
  Delivered: "DELIVERED",
  GaveUp: "GAVE_UP",
} as const;
export type WebhookDeliveryState = (typeof WebhookDeliveryState)[keyof typeof WebhookDeliveryState];

/**
 * One message to every URL the approval names, as its outbox item stores it. The body is fixed
 * when the message is planned, so every attempt sends the same bytes under the same `webhookId`
 * (receivers deduplicate by it: delivery is at least once).
 */
export interface WebhookDelivery {
  approvalId: string;
  /** The audit event's sequence number: one message per event. */
  seq: number;
  /** `webhook-id`: `msg_<approvalId>_<seq>`, the same on every attempt and every URL. */
  webhookId: string;
  type: WebhookEventType;
  /** The JSON body, exactly as sent. */
  body: string;
  urls: string[];
  /** Indexes into `urls` that answered 2xx; they are not sent to again. */
  delivered: number[];
  /** Attempts claimed so far (each attempt sends to every URL not yet delivered). */
  attempts: number;
  state: WebhookDeliveryState;
  /** Epoch ms of the next attempt while PENDING. */
  dueAt?: number;
  /** The last failure, per URL index, for operators. */
  lastError?: string;
  /** ISO-8601: when it was queued. */
  createdAt: string;
  /** How many times an operator put it back after it was given up. */
  replays?: number;
}

/** How deliveries are retried: attempt n+1 waits `delaysMs[n-1]` (the last repeats). */
export interface WebhookRetryPolicy {
  maxAttempts: number;
  delaysMs: readonly number[];
}

/** 5 s, 30 s, 2 min, 10 min, 1 h, 2 h, 4 h: eight attempts over about 7 h 15 min. */
export const DEFAULT_WEBHOOK_RETRY: WebhookRetryPolicy = {
  maxAttempts: 8,
  delaysMs: [5_000, 30_000, 120_000, 600_000, 3_600_000, 7_200_000, 14_400_000],
};

/** How long attempt `attempt` (1-based) is claimed before the next may be made. */
export function computeWebhookDelay(attempt: number, policy: WebhookRetryPolicy): number {
  const { delaysMs } = policy;
  if (delaysMs.length === 0) return 0;
  return delaysMs[Math.min(Math.max(attempt - 1, 0), delaysMs.length - 1)]!;
}

/** The `webhook-id` of the message about audit event `seq` of `approvalId`. */
export function webhookIdOf(approvalId: string, seq: number): string {
  return `msg_${approvalId}_${seq}`;
}

/**
 * The deliveries to queue for `events` of `approval` (normally its audit tail), one per event
 * that is a webhook message; none when the approval names no webhook URLs.
 */
export function planWebhookDeliveries(
  approval: Approval,
  events: readonly AuditEvent[],
  now: Date,
): WebhookDelivery[] {
  const urls = approval.webhookUrls;
  if (urls === undefined || urls.length === 0) return [];
  const deliveries: WebhookDelivery[] = [];
  for (const event of events) {
    const type = MESSAGE_TYPE_OF[event.type];
    if (type === undefined) continue;
    deliveries.push({
      approvalId: approval.id,
      seq: event.seq,
      webhookId: webhookIdOf(approval.id, event.seq),
      type,
      body: JSON.stringify({ type, timestamp: event.at, data: messageData(approval, event, type) }),
      urls: [...urls],
      delivered: [],
      attempts: 0,
      state: WebhookDeliveryState.Pending,
      dueAt: now.getTime(),
      createdAt: now.toISOString(),
    });
  }
  return deliveries;
}

/** What a dashboard needs about the event: ids, status, who decided what; never the token. */
function messageData(
  approval: Approval,
  event: AuditEvent,
  type: WebhookEventType,
): Record<string, unknown> {
  const data = event.data ?? {};
  const base = { approvalId: approval.id, subject: approval.subject };
  switch (type) {
    case WebhookEventType.Requested:
      return {
        ...base,
        status: "PENDING",
        approvers: data.approvers ?? approval.approvers,
        required: data.required ?? approval.policy.required,
        deadline: data.deadline ?? approval.deadline,
        ...(approval.requestedBy !== undefined && { requestedBy: approval.requestedBy }),
        ...(approval.tags !== undefined && { tags: approval.tags }),
      };
    case WebhookEventType.Decided:
      return {
        ...base,
        approver: event.actor,
        decision: data.decision,
        channel: data.channel,
        at: event.at,
        ...(data.seq !== undefined && { seq: data.seq }),
        ...(data.comment !== undefined && { comment: data.comment }),
        ...(data.response !== undefined && { response: data.response }),
      };
    case WebhookEventType.Settled:
    case WebhookEventType.Cancelled: {
      const status =
        (typeof data.status === "string" ? data.status : undefined) ??
        (type === WebhookEventType.Cancelled
          ? "CANCELLED"
          : event.type === "expired"
            ? "EXPIRED"
            : approval.outcome?.status);
      return {
        ...base,
        status,
        reason: data.reason ?? approval.outcome?.reason,
        at: event.at,
        decisions: Object.values(approval.decisions)
          .sort((a, b) => (a.seq ?? 0) - (b.seq ?? 0))
          .map((decision) => ({
            approver: decision.approver,
            decision: decision.decision,
            channel: decision.channel,
            at: decision.at,
            ...(decision.comment !== undefined && { comment: decision.comment }),
            ...(decision.response !== undefined && { response: decision.response }),
          })),
        ...(data.executionStatus !== undefined && { executionStatus: data.executionStatus }),
      };
    }
  }
}

/** Why a webhook URL is refused; undefined when it may be used. */
export function findWebhookUrlProblem(
  raw: string,
  options: { allowLoopbackHttp?: boolean } = {},
): string | undefined {
  if (raw.length > MAX_WEBHOOK_URL_LENGTH) {
    return `must be at most ${MAX_WEBHOOK_URL_LENGTH} characters`;
  }
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return "must be an absolute URL";
  }
  if (url.username !== "" || url.password !== "") return "must not carry credentials";
  if (url.hash !== "") return "must not have a #fragment";
  const host = url.hostname.toLowerCase().replace(/^\[|\]$/g, "");
  const loopback = isLoopbackHost(host);
  if (url.protocol === "http:" && options.allowLoopbackHttp && loopback) return undefined;
  if (url.protocol !== "https:") {
    return options.allowLoopbackHttp
      ? "must be https:// (or http:// to 127.0.0.1 or localhost on the local stack)"
      : "must be https://";
  }
  if (loopback && !options.allowLoopbackHttp) return "must not point at this host (loopback)";
  if (isInternalHost(host)) {
    return "must not point at a link-local, private or metadata address";
  }
  return undefined;
}

/** `localhost` (and its subdomains), 127.0.0.0/8 and ::1. */
export function isLoopbackHost(host: string): boolean {
  return (
    host === "localhost" ||
    host.endsWith(".localhost") ||
    /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host) ||
    host === "::1"
  );
}

/**
 * IP addresses a webhook must never reach from inside AWS: link-local (the instance metadata
 * service, 169.254.169.254 and fd00:ec2::254), private ranges, "this network", and unspecified.
 * A URL's IP literal is checked with this when it is accepted; the sender checks every address a
 * host name resolves to with it before connecting.
 */
export function isInternalHost(host: string): boolean {
  const v4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(host);
  if (v4) {
    const [a, b] = [Number(v4[1]), Number(v4[2])];
    return (
      a === 0 ||
      a === 10 ||
      (a === 100 && b >= 64 && b <= 127) ||
      (a === 169 && b === 254) ||
      (a === 172 && b >= 16 && b <= 31) ||
      (a === 192 && b === 168)
    );
  }
  if (!host.includes(":")) return host === "metadata.google.internal";
  return (
    host === "::" ||
    /^fe[89ab]/.test(host) ||
    /^f[cd]/.test(host) ||
    host.startsWith("::ffff:") ||
    host === "fd00:ec2::254"
  );
}

/**
 * The URLs an approval's messages go to: the deployment's, then the request's own (checked,
 * at most MAX_REQUEST_WEBHOOK_URLS), without repeats. A request naming URLs where webhooks are off
 * (no signing secret) is refused, so nobody believes their dashboard will hear of it.
 */
export function resolveWebhookUrls(options: {
  /** Undefined when the deployment has webhooks off. */
  deploymentUrls: readonly string[] | undefined;
  requested: readonly string[] | undefined;
  allowLoopbackHttp?: boolean;
}): { ok: true; urls: string[] } | InvalidRequest {
  const { deploymentUrls, requested = [] } = options;
  if (requested.length > 0 && deploymentUrls === undefined) {
    return invalidWebhooks("webhooks", "webhooks are not enabled on this deployment");
  }
  if (requested.length > MAX_REQUEST_WEBHOOK_URLS) {
    return invalidWebhooks(
      "webhooks",
      `webhooks must list at most ${MAX_REQUEST_WEBHOOK_URLS} URLs`,
    );
  }
  for (const [i, url] of requested.entries()) {
    const problem = findWebhookUrlProblem(url, {
      ...(options.allowLoopbackHttp !== undefined && {
        allowLoopbackHttp: options.allowLoopbackHttp,
      }),
    });
    if (problem !== undefined)
      return invalidWebhooks(`webhooks[${i}]`, `webhooks[${i}] ${problem}`);
  }
  const urls = [...new Set([...(deploymentUrls ?? []), ...requested])];
  if (urls.length > MAX_WEBHOOK_URLS) {
    return invalidWebhooks(
      "webhooks",
      `an approval may send to at most ${MAX_WEBHOOK_URLS} webhook URLs`,
    );
  }
  return { ok: true, urls };
}

function invalidWebhooks(field: string, message: string): InvalidRequest {
  return { ok: false, reason: "invalid-request", field, message };
}

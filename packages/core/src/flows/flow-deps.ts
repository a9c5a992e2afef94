/**
 * What every flow is given: the ports, the crypto, the clock, a logger and metrics. Handlers
 * build one `FlowDeps` at cold start and pass it to exactly one flow per request; a flow that
 * needs less says so in its signature (`StoreDeps`, `CancelDeps`), so a deployable that lacks
 * the keys or Step Functions cannot reach them.
 */
import type { LinkSigner } from "../links.ts";
import type {
  ApprovalStore,
  Mailer,
  SlackMessenger,
  TaskCallback,
  WebhookOutbox,
  WebhookSender,
} from "../ports.ts";
import type { TokenCipher } from "../token-cipher.ts";
import type { WebhookRetryPolicy } from "../webhooks.ts";

export type LogLevel = "debug" | "info" | "warn" | "error";

/** Structured logging; flows never pass the task token or its ciphertext in any field. */
export type FlowLog = (level: LogLevel, message: string, fields: Record<string, unknown>) => void;

/**
 * The figures flows report, each with its unit. Counts are per event; `DecisionLatency` is from
 * the request to the decision that settled it; the sweeper's two ages are measured once per run
 * (0 when it found nothing late).
 */
export const FlowMetricUnit = {
  /** A new approval stored (a retried request is not counted again). */
  ApprovalsRequested: "Count",
  /** Settled by people's decisions; dimension `outcome`: approved | rejected. */
  ApprovalsDecided: "Count",
  /** Settled by the deadline, whatever `onTimeout` made of it. */
  ApprovalsExpired: "Count",
  /** Settled CANCELLED: the execution ended, the task closed, or the request was undeliverable. */
  ApprovalsCancelled: "Count",
  /** From `createdAt` to the decision that settled the approval. */
  DecisionLatency: "Milliseconds",
  /** An email to an approver that could not be sent (any kind: request, reminder, notice, ...). */
  EmailsFailed: "Count",
  /** A callback still PENDING from an earlier attempt that the sweeper tried again. */
  CallbacksRetried: "Count",
  /** A webhook message every URL of its approval answered 2xx to. */
  WebhooksDelivered: "Count",
  /** An attempt at a webhook message that some URL did not answer 2xx (it is retried). */
  WebhookAttemptsFailed: "Count",
  /** A webhook message given up after its last attempt (also logged and audited). */
  WebhooksGaveUp: "Count",
  /** How overdue the oldest due item a sweeper run found was. */
  SweeperLag: "Seconds",
  /** How long the oldest settled outcome a sweeper run found has waited for its callback. */
  OldestPendingCallbackAge: "Seconds",
} as const;

export type FlowMetricName = keyof typeof FlowMetricUnit;

/** The one dimension beside the service a metric may carry, with its two values. */
export interface FlowMetricDimensions {
  outcome?: "approved" | "rejected";
}

/** Records one value of a metric; the adapter publishes them (CloudWatch EMF on Lambda). */
export type FlowMetrics = (
  name: FlowMetricName,
  value: number,
  dimensions?: FlowMetricDimensions,
) => void;

/** How callbacks are retried: attempt n waits `min(baseDelayMs * 2^(n-1), maxDelayMs)`. */
export interface CallbackRetryPolicy {
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

/** About 2 hours of retries (30 s, 1, 2, 4, 8, 16, 30, 30 min) before giving up. */
export const DEFAULT_CALLBACK_RETRY: CallbackRetryPolicy = {
  maxAttempts: 8,
  baseDelayMs: 30_000,
  maxDelayMs: 30 * 60_000,
};

export interface FlowDeps {
  store: ApprovalStore;
  mailer: Mailer;
  /** Slack, when the deployment has a bot token and signing secret; absent: Slack is off. */
  slack?: SlackMessenger;
  callback: TaskCallback;
  links: LinkSigner;
  cipher: TokenCipher;
  /** Where the approval pages are served, e.g. `https://approve.example.com` (no trailing path). */
  publicBaseUrl: string;
  clock: () => Date;
  log?: FlowLog;
  metrics?: FlowMetrics;
  /** Overrides for `DEFAULT_CALLBACK_RETRY`. */
  callbackRetry?: Partial<CallbackRetryPolicy>;
  /** The shortest `reminders.everySeconds` a request may ask for (see `buildApproval`). */
  minReminderIntervalSeconds?: number;
  /**
   * How many invocations of the request function may try to email every approver before it
   * gives up and fails the task with `Approval.DeliveryFailed` (default
   * `DEFAULT_REQUEST_MAX_ATTEMPTS`: Lambda's first try of an asynchronous invocation and its two
   * retries).
   */
  requestMaxAttempts?: number;
  /** Signed webhooks (webhooks.ts); absent when the deployment has no signing secret. */
  webhooks?: WebhookDeps;
}

/** What signed webhooks need: the deployment's URLs, a signing sender, the outbox. */
export interface WebhookDeps {
  /** Every approval's messages go here (the request may add its own). */
  urls: readonly string[];
  sender: WebhookSender;
  outbox: WebhookOutbox;
  /** Only on the local stack: request URLs may be http:// to loopback. */
  allowLoopbackHttp?: boolean;
  /** Overrides for `DEFAULT_WEBHOOK_RETRY`. */
  retry?: Partial<WebhookRetryPolicy>;
}

/** What a flow that only reads and writes approvals needs: no mail, no keys, no Step Functions. */
export type StoreDeps = Pick<FlowDeps, "store" | "clock" | "log" | "metrics">;

/** What cancelling needs: approvals and mail; it signs, decrypts and calls back nothing. */
export type CancelDeps = StoreDeps & Pick<FlowDeps, "mailer" | "slack">;

/** Lambda runs an asynchronous invocation at most three times. */
export const DEFAULT_REQUEST_MAX_ATTEMPTS = 3;

/** The URL of a link's page: `${publicBaseUrl}/a/${token}`. */
export function buildLinkUrl(publicBaseUrl: string, linkToken: string): string {
  return `${publicBaseUrl.replace(/\/+$/, "")}/a/${linkToken}`;
}

/** The effective retry policy of `deps`. */
export function resolveRetryPolicy(deps: Pick<FlowDeps, "callbackRetry">): CallbackRetryPolicy {
  const policy = { ...DEFAULT_CALLBACK_RETRY, ...deps.callbackRetry };
  // At least one attempt: attempt numbers start at 1 and a store rejects attempt 0.
  return { ...policy, maxAttempts: Math.max(1, Math.floor(policy.maxAttempts)) };
}

/** Logs through `deps.log` when there is one. */
export function log(
  deps: Pick<FlowDeps, "log">,
  level: LogLevel,
  message: string,
  fields: Record<string, unknown>,
): void {
  deps.log?.(level, message, fields);
}

/** Records a metric through `deps.metrics` when there is one. */
export function metric(
  deps: Pick<FlowDeps, "metrics">,
  name: FlowMetricName,
  value = 1,
  dimensions?: FlowMetricDimensions,
): void {
  deps.metrics?.(name, value, dimensions);
}

/** An unexpected error as a log field: its name and code only, since messages may carry input. */
export function describeError(error: unknown): string {
  if (!(error instanceof Error)) return typeof error;
  const code = (error as { code?: unknown }).code;
  return typeof code === "string" ? `${error.name} (${code})` : error.name;
}

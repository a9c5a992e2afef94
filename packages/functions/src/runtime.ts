/**
 * The composition root of the functions that sign links and decrypt task tokens
 * (request-approval, api, sweeper): config + AWS clients → the adapters and crypto every flow
 * needs. Each entry point builds one runtime at cold start and reuses it for every invocation.
 * cancel and ses-events build smaller ones (cancel-runtime.ts, store-runtime.ts).
 */
import {
  createLinkSigner,
  createTokenCipher,
  DEFAULT_DUE_SHARDS,
  type FlowDeps,
  type WebhookDeps,
} from "@signoff/core";
import { type AwsClients, createAwsClients } from "./adapters/clients.ts";
import { createDynamoWebhookOutbox } from "./adapters/dynamo-webhook-outbox.ts";
import { createSfnTaskCallback } from "./adapters/sfn-task-callback.ts";
import { loadConfig, type SignoffConfig } from "./config.ts";
import type { AppOptions } from "./http/app.ts";
import { createPowertoolsMetrics, type MetricsPublisher, NO_METRICS } from "./metrics.ts";
import type { RequestDefaults } from "./request/parse-request.ts";
import { createConfiguredMailer, createStoreDeps, type RuntimeOptions } from "./runtime-parts.ts";
import { createSlackApi } from "./slack/slack-messenger.ts";
import type { SlackInteractions } from "./slack/slack-routes.ts";
import type { WebhookConfig } from "./webhooks/webhook-config.ts";
import { createWebhookSender } from "./webhooks/webhook-sender.ts";

export { logToPowertools, type RuntimeOptions } from "./runtime-parts.ts";

export interface Runtime {
  config: SignoffConfig;
  deps: FlowDeps;
  /** What a request without approvers or a timeout gets. */
  requestDefaults: RequestDefaults;
  /** What `deps.metrics` records; the Lambda entry points publish it once per invocation. */
  metrics: MetricsPublisher;
  /** Slack's interactivity, when Slack is configured (`config.slack`). */
  slack?: SlackInteractions;
}

/** Wires the adapters for `config`; clients default to the SDK's own environment-driven setup. */
export function createRuntime(config: SignoffConfig, options: RuntimeOptions = {}): Runtime {
  const clients = options.clients ?? createAwsClients();
  const metrics = options.metrics ?? NO_METRICS;
  const slackApi = config.slack && createSlackApi({ config: config.slack });
  return {
    config,
    requestDefaults: {
      approvers: config.defaultApprovers,
      timeoutSeconds: config.defaultTimeoutSeconds,
      ...(config.defaultReminders && { reminders: config.defaultReminders }),
      slack: slackApi !== undefined,
    },
    metrics,
    ...(config.slack &&
      slackApi && { slack: { signingSecret: config.slack.signingSecret, api: slackApi } }),
    deps: {
      ...createStoreDeps(config, clients.dynamo, options),
      mailer: createConfiguredMailer(config, clients.ses),
      ...(slackApi && { slack: slackApi }),
      callback: createSfnTaskCallback({ client: clients.sfn }),
      links: createLinkSigner({ keys: config.linkKeys }),
      cipher: createTokenCipher({ keys: config.tokenKeys }),
      publicBaseUrl: config.publicUrl,
      ...(config.minReminderIntervalSeconds !== undefined && {
        minReminderIntervalSeconds: config.minReminderIntervalSeconds,
      }),
      ...(config.requestMaxAttempts !== undefined && {
        requestMaxAttempts: config.requestMaxAttempts,
      }),
      ...(config.webhooks && {
        webhooks: createWebhookDeps(config, config.webhooks, clients.dynamo),
      }),
    },
  };
}

/** What `createApp` needs from a runtime: `/v1` auth and Slack, when configured. */
export function appOptionsFor(runtime: Runtime): AppOptions {
  return {
    ...(runtime.config.apiAuth && { apiAuth: runtime.config.apiAuth }),
    ...(runtime.slack && { slack: runtime.slack }),
  };
}

/** Signed webhooks: the deployment's URLs, the signing sender, the outbox in the table. */
function createWebhookDeps(
  config: SignoffConfig,
  webhooks: WebhookConfig,
  dynamo: AwsClients["dynamo"],
): WebhookDeps {
  return {
    urls: webhooks.urls,
    sender: createWebhookSender({
      secret: webhooks.secret,
      ...(webhooks.allowLoopbackHttp && { allowLoopback: true }),
    }),
    outbox: createDynamoWebhookOutbox({
      client: dynamo,
      tableName: config.tableName,
      dueShards: config.dueShards ?? DEFAULT_DUE_SHARDS,
    }),
    ...(webhooks.allowLoopbackHttp && { allowLoopbackHttp: true }),
  };
}

/** The runtime for a Lambda container, from `process.env`, publishing metrics (EMF). */
export function createRuntimeFromEnv(): Runtime {
  return createRuntime(loadConfig(), { metrics: createPowertoolsMetrics() });
}

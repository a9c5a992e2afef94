/**
 * The cancel function's runtime: the store and the mailer, no keyring and no Step Functions.
 * Cancelling an approval settles it with nobody to call back and sends a notice without links,
 * so the function is given no key and no Step Functions client, and `CancelDeps` keeps its flow
 * from asking for either.
 */
import type { CancelDeps } from "@signoff/core";
import { type AwsClients, createDynamoClient, createSesClient } from "./adapters/clients.ts";
import { type CancelConfig, loadConfigFor } from "./config.ts";
import { createPowertoolsMetrics, type MetricsPublisher, NO_METRICS } from "./metrics.ts";
import { createConfiguredMailer, createStoreDeps, type RuntimeOptions } from "./runtime-parts.ts";
import { createSlackApi } from "./slack/slack-messenger.ts";

export interface CancelRuntime {
  config: CancelConfig;
  deps: CancelDeps;
  metrics: MetricsPublisher;
}

/** Wires the store and the mailer for `config`. */
export function createCancelRuntime(
  config: CancelConfig,
  options: RuntimeOptions<Pick<AwsClients, "dynamo" | "ses">> = {},
): CancelRuntime {
  const metrics = options.metrics ?? NO_METRICS;
  return {
    config,
    metrics,
    deps: {
      ...createStoreDeps(config, options.clients?.dynamo ?? createDynamoClient(), options),
      mailer: createConfiguredMailer(config, options.clients?.ses ?? createSesClient()),
      ...(config.slack && { slack: createSlackApi({ config: config.slack }) }),
    },
  };
}

/** The cancel function's runtime for a Lambda container, from `process.env`. */
export function createCancelRuntimeFromEnv(): CancelRuntime {
  return createCancelRuntime(loadConfigFor("cancel"), { metrics: createPowertoolsMetrics() });
}

/**
 * The runtime of a function that only reads and writes approvals (ses-events): the store, with
 * the clock, the log and metrics. No mail, no keyring, no Step Functions.
 */
import type { StoreDeps } from "@signoff/core";
import { type AwsClients, createDynamoClient } from "./adapters/clients.ts";
import { loadConfigFor, type StoreConfig } from "./config.ts";
import { createPowertoolsMetrics, type MetricsPublisher, NO_METRICS } from "./metrics.ts";
import { createStoreDeps, type RuntimeOptions } from "./runtime-parts.ts";

export interface StoreRuntime {
  config: StoreConfig;
  deps: StoreDeps;
  metrics: MetricsPublisher;
}

/** Wires the store for `config`. */
export function createStoreRuntime(
  config: StoreConfig,
  options: RuntimeOptions<Pick<AwsClients, "dynamo">> = {},
): StoreRuntime {
  const metrics = options.metrics ?? NO_METRICS;
  return {
    config,
    metrics,
    deps: createStoreDeps(config, options.clients?.dynamo ?? createDynamoClient(), options),
  };
}

/** The store-only runtime for a Lambda container, from `process.env`. */
export function createStoreRuntimeFromEnv(): StoreRuntime {
  return createStoreRuntime(loadConfigFor("sesEvents"), { metrics: createPowertoolsMetrics() });
}

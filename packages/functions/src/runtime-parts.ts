/**
 * What every runtime is built from, whatever its function needs: the options, the store over
 * DynamoDB with the clock, log and metrics, and the mailer over SES. runtime.ts composes the full
 * runtime; cancel-runtime.ts and store-runtime.ts the smaller ones, without keys or Step
 * Functions, so those functions' code cannot reach them.
 */
import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import type { FlowLog, Mailer, StoreDeps } from "@signoff/core";
import type { AwsClients } from "./adapters/clients.ts";
import { createDynamoApprovalStore } from "./adapters/dynamo-approval-store.ts";
import { createSesMailer } from "./adapters/ses-mailer.ts";
import type { CancelConfig, StoreConfig } from "./config.ts";
import { logger } from "./logger.ts";
import { type MetricsPublisher, NO_METRICS } from "./metrics.ts";

export interface RuntimeOptions<Clients = AwsClients> {
  /** Default: the SDK's own environment-driven clients. */
  clients?: Clients;
  clock?: () => Date;
  /** Default: the Powertools logger. */
  log?: FlowLog;
  /**
   * Default: nothing recorded (`NO_METRICS`), as on the local stack and in tools; the Lambda
   * entry points pass Powertools' and publish once per invocation.
   */
  metrics?: MetricsPublisher;
}

/** Flow log lines go to the Powertools logger, which redacts anything token-shaped. */
export const logToPowertools: FlowLog = (level, message, fields) => {
  logger[level](message, fields);
};

/** The store with the clock, the log and the metrics: what every function's flows need. */
export function createStoreDeps(
  config: StoreConfig,
  dynamo: DynamoDBDocumentClient,
  options: Omit<RuntimeOptions<unknown>, "clients">,
): StoreDeps {
  return {
    store: createDynamoApprovalStore({
      client: dynamo,
      tableName: config.tableName,
      ...(config.dueShards !== undefined && { dueShards: config.dueShards }),
      ...(options.clock && { clock: options.clock }),
    }),
    clock: options.clock ?? (() => new Date()),
    log: options.log ?? logToPowertools,
    metrics: (options.metrics ?? NO_METRICS).record,
  };
}

/** The SES mailer for `config`: through its configuration set, with tags, when it names one. */
export function createConfiguredMailer(config: CancelConfig, ses: AwsClients["ses"]): Mailer {
  return createSesMailer({
    client: ses,
    from: config.sender,
    ...(config.sesConfigurationSet && { configurationSetName: config.sesConfigurationSet }),
  });
}

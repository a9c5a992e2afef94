/**
 * The composition root: config + AWS clients → the adapters and crypto every flow needs.
 * Each entry point builds one runtime at cold start and reuses it for every invocation.
 */
import { createLinkSigner, createTokenCipher, type FlowDeps, type FlowLog } from "@signoff/core";
import { type AwsClients, createAwsClients } from "./adapters/clients.ts";
import { createDynamoApprovalStore } from "./adapters/dynamo-approval-store.ts";
import { createSesMailer } from "./adapters/ses-mailer.ts";
import { createSfnTaskCallback } from "./adapters/sfn-task-callback.ts";
import { loadConfig, type SignoffConfig } from "./config.ts";
import { logger } from "./logger.ts";
import type { RequestDefaults } from "./request/parse-request.ts";

export interface Runtime {
  config: SignoffConfig;
  deps: FlowDeps;
  /** What a request without approvers or a timeout gets. */
  requestDefaults: RequestDefaults;
}

export interface RuntimeOptions {
  clients?: AwsClients;
  clock?: () => Date;
  log?: FlowLog;
}

/** Flow log lines go to the Powertools logger, which redacts anything token-shaped. */
export const logToPowertools: FlowLog = (level, message, fields) => {
  logger[level](message, fields);
};

/** Wires the adapters for `config`; clients default to the SDK's own environment-driven setup. */
export function createRuntime(config: SignoffConfig, options: RuntimeOptions = {}): Runtime {
  const clients = options.clients ?? createAwsClients();
  return {
    config,
    requestDefaults: {
      approvers: config.defaultApprovers,
      timeoutSeconds: config.defaultTimeoutSeconds,
      ...(config.defaultReminders && { reminders: config.defaultReminders }),
    },
    deps: {
      store: createDynamoApprovalStore({ client: clients.dynamo, tableName: config.tableName }),
      mailer: createSesMailer({ client: clients.ses, from: config.sender }),
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
      clock: options.clock ?? (() => new Date()),
      log: options.log ?? logToPowertools,
    },
  };
}

/** The runtime for a Lambda container, from `process.env`. */
export function createRuntimeFromEnv(): Runtime {
  return createRuntime(loadConfig());
}

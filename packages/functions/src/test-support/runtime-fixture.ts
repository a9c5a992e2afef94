/**
 * A real runtime for tests: the production adapters over dynalite and the SES emulator, with
 * fresh random keys. Step Functions is whatever `sfnEndpoint` points at.
 */
import { randomBytes } from "node:crypto";
import { SFNClient } from "@aws-sdk/client-sfn";
import type { SecretKey } from "@signoff/core";
import type { MetricsPublisher } from "../metrics.ts";
import { createRuntime, type Runtime, type RuntimeOptions } from "../runtime.ts";
import type { WebhookConfig } from "../webhooks/webhook-config.ts";
import { type DynamoEmulator, type SesEmulator, type StoredEmail, TEST_AWS } from "./emulators.ts";

export const TEST_PUBLIC_URL = "http://127.0.0.1:3000";

function randomKey(kid: string): SecretKey {
  return { kid, secret: new Uint8Array(randomBytes(32)) };
}

export interface RuntimeFixtureOptions {
  dynamo: DynamoEmulator;
  ses: SesEmulator;
  tableName: string;
  /** Where SendTask* goes; defaults to a closed port, so callbacks fail as retryable. */
  sfnEndpoint?: string;
  /** The Step Functions client itself (e.g. one that counts its calls); wins over sfnEndpoint. */
  sfnClient?: SFNClient;
  /** Where the links point; defaults to TEST_PUBLIC_URL. */
  publicUrl?: string;
  defaultApprovers?: string[];
  /** Mail through this SES configuration set, tagged with the approval. */
  sesConfigurationSet?: string;
  clock?: RuntimeOptions["clock"];
  log?: RuntimeOptions["log"];
  /** Signed webhooks on, with this secret and these URLs. */
  webhooks?: WebhookConfig;
  /** Default: none recorded. */
  metrics?: MetricsPublisher;
}

/** Builds a runtime exactly as production does, over the test emulators. */
export function createTestRuntime(options: RuntimeFixtureOptions): Runtime {
  return createRuntime(
    {
      tableName: options.tableName,
      sender: "signoff@example.com",
      publicUrl: options.publicUrl ?? TEST_PUBLIC_URL,
      linkKeys: [randomKey("link-1")],
      tokenKeys: [randomKey("token-1")],
      defaultApprovers: options.defaultApprovers ?? [],
      defaultTimeoutSeconds: 3600,
      ...(options.sesConfigurationSet && { sesConfigurationSet: options.sesConfigurationSet }),
      ...(options.webhooks && { webhooks: options.webhooks }),
    },
    {
      clients: {
        dynamo: options.dynamo.documentClient,
        ses: options.ses.client,
        sfn:
          options.sfnClient ??
          new SFNClient({
            ...TEST_AWS,
            endpoint: options.sfnEndpoint ?? "http://127.0.0.1:9",
            maxAttempts: 1,
          }),
      },
      ...(options.clock && { clock: options.clock }),
      ...(options.metrics && { metrics: options.metrics }),
      log: options.log ?? (() => {}),
    },
  );
}

/** The approve and reject URLs in the mail sent to `to` about `subject`. */
export function findLinks(mail: StoredEmail[], to: string, subject: string) {
  const message = mail.find((m) => m.destination.to.includes(to) && m.subject.includes(subject));
  if (!message) throw new Error(`no mail to ${to} about ${subject}`);
  const text = message.body.text ?? "";
  const approve = /^Approve: (\S+)$/m.exec(text)?.[1];
  const reject = /^Reject: (\S+)$/m.exec(text)?.[1];
  if (!approve || !reject) throw new Error(`mail to ${to} lacks its two links`);
  return { approve, reject, message };
}

/**
 * Counting round trips on the wire: SDK clients for the test emulators with a middleware that
 * records every HTTP request they send (each retry too), by operation name. Tests assert on the
 * count, never on time.
 */
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { SESv2Client } from "@aws-sdk/client-sesv2";
import { SFNClient } from "@aws-sdk/client-sfn";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { type DynamoEmulator, type SesEmulator, TEST_AWS } from "./emulators.ts";

interface MiddlewareTarget {
  middlewareStack: {
    add(
      middleware: (
        next: (args: unknown) => Promise<unknown>,
        context: { commandName?: string },
      ) => (args: unknown) => Promise<unknown>,
      options: { step: "finalizeRequest"; priority: "low"; name: string },
    ): void;
  };
}

export interface WireCalls {
  /** Operation names (`GetItem`, `SendEmail`, ...) in the order their requests were sent. */
  calls: string[];
  dynamo: DynamoEmulator;
  ses: SesEmulator;
  sfn: SFNClient;
  destroy(): void;
}

/** Fresh clients for the emulators that record their requests in `calls`. */
export function createWireCallClients(
  dynamo: DynamoEmulator,
  ses: SesEmulator,
  sfnEndpoint: string,
): WireCalls {
  const calls: string[] = [];
  const dynamoClient = new DynamoDBClient({ ...TEST_AWS, endpoint: dynamo.endpoint });
  const sesClient = new SESv2Client({ ...TEST_AWS, endpoint: ses.endpoint });
  const sfn = new SFNClient({ ...TEST_AWS, endpoint: sfnEndpoint, maxAttempts: 1 });
  for (const client of [dynamoClient, sesClient, sfn] as unknown as MiddlewareTarget[]) {
    // After the retry middleware (finalizeRequest, high priority): one entry per request sent.
    client.middlewareStack.add(
      (next, context) => (args) => {
        calls.push((context.commandName ?? "unknown").replace(/Command$/, ""));
        return next(args);
      },
      { step: "finalizeRequest", priority: "low", name: "countWireCalls" },
    );
  }
  return {
    calls,
    dynamo: { ...dynamo, documentClient: DynamoDBDocumentClient.from(dynamoClient) },
    ses: { ...ses, client: sesClient },
    sfn,
    destroy() {
      dynamoClient.destroy();
      sesClient.destroy();
      sfn.destroy();
    },
  };
}

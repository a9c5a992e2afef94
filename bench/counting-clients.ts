/**
 * SDK clients pointed at the local emulators, with a middleware that records every command they
 * put on the wire. The benchmarks use it to give each floor exactly the calls the real path made.
 */
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { SESv2Client } from "@aws-sdk/client-sesv2";
import { SFNClient } from "@aws-sdk/client-sfn";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import type { AwsClients } from "@signoff/functions";
import { LOCAL_CREDENTIALS, type Stack } from "@signoff/local";

export interface CountingClients extends AwsClients {
  /** Command names in the order they were sent since the last `reset`. */
  calls: string[];
  /**
   * Beside `calls`: true where the command was sent while an earlier one was still in flight
   * (the path ran them concurrently), so a floor can overlap the same calls.
   */
  overlapped: boolean[];
  reset(): void;
  destroy(): void;
}

interface MiddlewareTarget {
  middlewareStack: {
    add(
      middleware: (
        next: (args: unknown) => Promise<unknown>,
        context: { commandName?: string },
      ) => (args: unknown) => Promise<unknown>,
      options: { step: "initialize"; name: string },
    ): void;
  };
}

/** Clients for `stack`'s emulators that record each command they send. */
export function createCountingClients(stack: Stack): CountingClients {
  const calls: string[] = [];
  const overlapped: boolean[] = [];
  let inFlight = 0;
  const config = { region: stack.region, credentials: LOCAL_CREDENTIALS };
  const dynamo = new DynamoDBClient({ ...config, endpoint: stack.endpoints.dynamodb });
  const ses = new SESv2Client({ ...config, endpoint: stack.endpoints.sesv2 });
  const sfn = new SFNClient({ ...config, endpoint: stack.endpoints.stepfunctions });
  for (const client of [dynamo, ses, sfn] as unknown as MiddlewareTarget[]) {
    client.middlewareStack.add(
      (next, context) => async (args) => {
        calls.push((context.commandName ?? "unknown").replace(/Command$/, ""));
        overlapped.push(inFlight > 0);
        inFlight++;
        try {
          return await next(args);
        } finally {
          inFlight--;
        }
      },
      { step: "initialize", name: "benchCountCalls" },
    );
  }
  return {
    dynamo: DynamoDBDocumentClient.from(dynamo),
    ses,
    sfn,
    calls,
    overlapped,
    reset: () => {
      calls.length = 0;
      overlapped.length = 0;
    },
    destroy: () => {
      dynamo.destroy();
      ses.destroy();
      sfn.destroy();
    },
  };
}

/** `["PutItem", "Query", "PutItem"]` → `"2 PutItem + 1 Query"`. */
export function describeCalls(calls: readonly string[]): string {
  const counts = new Map<string, number>();
  for (const call of calls) counts.set(call, (counts.get(call) ?? 0) + 1);
  return [...counts].map(([name, count]) => `${count} ${name}`).join(" + ");
}

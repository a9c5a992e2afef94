import { randomUUID } from "node:crypto";
import {
  CreateStateMachineCommand,
  DescribeExecutionCommand,
  type DescribeExecutionCommandOutput,
  GetExecutionHistoryCommand,
  type HistoryEvent,
  SFNClient,
  StartExecutionCommand,
} from "@aws-sdk/client-sfn";
import { afterAll, beforeAll } from "vitest";
import type { BackendInternals } from "./api/backend.ts";
import { startSfnLocalWith } from "./server.ts";
import type { SfnLocal, SfnLocalOptions } from "./types.ts";

/** A role ARN for CreateStateMachine; sfn-local only stores it. */
export const ROLE_ARN = "arn:aws:iam::123456789012:role/sfn-local-tests";

/** A running sfn-local on a random port with a real SDK client pointed at it. */
export interface TestServer {
  sfn: SfnLocal;
  client: SFNClient;
  close(): Promise<void>;
}

/** Starts sfn-local on port 0 and an SFNClient for it; always `close()` it. */
export async function startTestServer(
  options: SfnLocalOptions = {},
  internals: BackendInternals = {},
): Promise<TestServer> {
  const sfn = await startSfnLocalWith({ port: 0, ...options }, internals);
  const client = new SFNClient({
    endpoint: sfn.url,
    region: "us-east-1",
    credentials: { accessKeyId: "local", secretAccessKey: "local" },
    maxAttempts: 1,
  });
  return {
    sfn,
    client,
    close: async () => {
      client.destroy();
      await sfn.close();
    },
  };
}

/**
 * Starts a test server before the calling file's tests and closes it after them; the returned
 * object is filled in before the tests run.
 */
export function useTestServer(
  options: SfnLocalOptions = {},
  internals: BackendInternals = {},
): TestServer {
  const server = {} as TestServer;
  beforeAll(async () => {
    Object.assign(server, await startTestServer(options, internals));
  });
  afterAll(async () => {
    await server.close?.();
  });
  return server;
}

/** Creates a state machine under a unique name and returns its ARN. */
export async function createStateMachine(
  client: SFNClient,
  definition: unknown,
  prefix = "test",
): Promise<string> {
  const { stateMachineArn } = await client.send(
    new CreateStateMachineCommand({
      name: `${prefix}-${randomUUID().slice(0, 8)}`,
      definition: JSON.stringify(definition),
      roleArn: ROLE_ARN,
    }),
  );
  if (!stateMachineArn) throw new Error("CreateStateMachine returned no ARN");
  return stateMachineArn;
}

/** Starts an execution and returns its ARN. */
export async function startExecution(
  client: SFNClient,
  stateMachineArn: string,
  input: unknown = {},
  name?: string,
): Promise<string> {
  const { executionArn } = await client.send(
    new StartExecutionCommand({ stateMachineArn, input: JSON.stringify(input), name }),
  );
  if (!executionArn) throw new Error("StartExecution returned no ARN");
  return executionArn;
}

/** Polls until `probe` returns a value other than undefined, or fails after `timeoutMs`. */
export async function waitFor<T>(
  probe: () => Promise<T | undefined> | T | undefined,
  timeoutMs = 5000,
  what = "condition",
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Waits until the execution has left RUNNING and returns its description. */
export function waitForEnd(
  client: SFNClient,
  executionArn: string,
  timeoutMs = 5000,
): Promise<DescribeExecutionCommandOutput> {
  return waitFor(
    async () => {
      const described = await client.send(new DescribeExecutionCommand({ executionArn }));
      return described.status === "RUNNING" ? undefined : described;
    },
    timeoutMs,
    `execution ${executionArn} to end`,
  );
}

/** The full history of an execution, oldest first. */
export async function historyOf(client: SFNClient, executionArn: string): Promise<HistoryEvent[]> {
  const { events } = await client.send(new GetExecutionHistoryCommand({ executionArn }));
  return events ?? [];
}

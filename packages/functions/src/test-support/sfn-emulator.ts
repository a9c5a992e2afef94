/**
 * sfn-local for flow tests: one state machine whose only state is a waitForTaskToken Task, so a
 * test gets a real task token that a real execution is waiting on, and can read back what the
 * callback did to that execution.
 */
import { randomBytes } from "node:crypto";
import {
  CreateStateMachineCommand,
  DescribeExecutionCommand,
  type DescribeExecutionCommandOutput,
  GetExecutionHistoryCommand,
  type HistoryEvent,
  SFNClient,
  StartExecutionCommand,
  StopExecutionCommand,
} from "@aws-sdk/client-sfn";
import { startSfnLocal } from "@signoff/sfn-local";
import { TEST_AWS } from "./emulators.ts";

const CAPTURE_FUNCTION = "capture-task-token";
const WAIT_MS = 5_000;

/** An execution paused in its waitForTaskToken Task, and that task's token. */
export interface WaitingTask {
  executionArn: string;
  token: string;
}

export interface SfnEmulator {
  endpoint: string;
  client: SFNClient;
  /** Starts an execution and resolves once its Task has handed out a token. */
  startWaitingTask(): Promise<WaitingTask>;
  /** Ends the execution as StopExecution does (ABORTED); its token then answers TaskTimedOut. */
  stopExecution(executionArn: string): Promise<void>;
  describeExecution(executionArn: string): Promise<DescribeExecutionCommandOutput>;
  /** Waits for the execution to leave RUNNING (a callback completes it asynchronously). */
  waitForEnd(executionArn: string): Promise<DescribeExecutionCommandOutput>;
  history(executionArn: string): Promise<HistoryEvent[]>;
  stop(): Promise<void>;
}

/** Starts sfn-local on a free port with the token-capturing state machine. */
export async function startSfn(): Promise<SfnEmulator> {
  // The Task may call the function before StartExecution has answered, so both sides meet here.
  const tokens = new Map<string, Deferred<string>>();
  const tokenFor = (executionArn: string) => {
    let deferred = tokens.get(executionArn);
    if (!deferred) {
      deferred = createDeferred<string>();
      tokens.set(executionArn, deferred);
    }
    return deferred;
  };
  const sfn = await startSfnLocal({
    port: 0,
    functions: {
      [CAPTURE_FUNCTION]: (payload) => {
        const { executionArn, token } = payload as WaitingTask;
        tokenFor(executionArn).resolve(token);
      },
    },
  });
  const client = new SFNClient({ ...TEST_AWS, endpoint: sfn.url, maxAttempts: 1 });
  const { stateMachineArn } = await client.send(
    new CreateStateMachineCommand({
      name: "signoff-flows",
      roleArn: "arn:aws:iam::123456789012:role/signoff-flows",
      definition: JSON.stringify({
        StartAt: "AwaitApproval",
        States: {
          AwaitApproval: {
            Type: "Task",
            Resource: "arn:aws:states:::lambda:invoke.waitForTaskToken",
            Parameters: {
              FunctionName: CAPTURE_FUNCTION,
              Payload: { "executionArn.$": "$$.Execution.Id", "token.$": "$$.Task.Token" },
            },
            End: true,
          },
        },
      }),
    }),
  );

  async function describeExecution(executionArn: string) {
    return client.send(new DescribeExecutionCommand({ executionArn }));
  }

  return {
    endpoint: sfn.url,
    client,
    async startWaitingTask() {
      const { executionArn } = await client.send(
        new StartExecutionCommand({ stateMachineArn, input: "{}" }),
      );
      if (!executionArn) throw new Error("StartExecution returned no ARN");
      const token = await within(
        tokenFor(executionArn).promise,
        `a task token for ${executionArn}`,
      );
      return { executionArn, token };
    },
    async stopExecution(executionArn) {
      await client.send(new StopExecutionCommand({ executionArn, error: "Ops.Stopped" }));
    },
    describeExecution,
    async waitForEnd(executionArn) {
      const deadline = Date.now() + WAIT_MS;
      for (;;) {
        const described = await describeExecution(executionArn);
        if (described.status !== "RUNNING") return described;
        if (Date.now() > deadline) throw new Error(`${executionArn} is still RUNNING`);
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    },
    async history(executionArn) {
      const { events } = await client.send(new GetExecutionHistoryCommand({ executionArn }));
      return events ?? [];
    },
    async stop() {
      client.destroy();
      await sfn.close();
    },
  };
}

/**
 * A token in sfn-local's format (3-byte header + 189 random bytes, base64; see
 * packages/sfn-local/src/runtime/task-tokens.ts) that no task was ever given: TaskDoesNotExist.
 */
export function unknownTaskToken(): string {
  return Buffer.concat([Buffer.from([0x01, 0x53, 0x46]), randomBytes(189)]).toString("base64");
}

interface Deferred<T> {
  promise: Promise<T>;
  resolve(value: T): void;
}

function createDeferred<T>(): Deferred<T> {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((done) => {
    resolve = done;
  });
  return { promise, resolve };
}

async function within<T>(promise: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), WAIT_MS);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

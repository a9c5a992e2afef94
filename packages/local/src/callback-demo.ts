import { SendTaskSuccessCommand, SFNClient, StartExecutionCommand } from "@aws-sdk/client-sfn";
import type { LocalFunction } from "@signoff/sfn-local";
import { type ExecutionEnd, waitForExecution } from "./wait-for-execution.ts";

// The stand-in demo until the approval flow exists: infra/workflows/callback-demo.asl.json hands
// one step to a local function, which calls back with SendTaskSuccess a moment later. It exercises
// the same path an approval will: waitForTaskToken, a task token, an SDK call that completes it.

/** The name of the demo workflow (its file's basename) and of its local function. */
export const CALLBACK_DEMO = "callback-demo";

/** How the demo function is called by the workflow's Task state. */
interface CallbackDemoPayload {
  taskToken: string;
  message?: string;
}

/**
 * The demo's local function. Like a Lambda behind `.waitForTaskToken` it returns at once and
 * completes the task later, through a real SFN client configured only by the environment
 * (AWS_ENDPOINT_URL_SFN). It never logs the token.
 */
export function createCallbackDemoFunction(options: { delayMs?: number } = {}): LocalFunction {
  const delayMs = options.delayMs ?? 1_000;
  return (payload) => {
    const { taskToken, message } = payload as CallbackDemoPayload;
    if (typeof taskToken !== "string") throw new Error("callback-demo: payload has no taskToken");
    const timer = setTimeout(() => {
      void completeTask(taskToken, message).catch((error: Error) => {
        console.error(`callback-demo: SendTaskSuccess failed: ${error.name}: ${error.message}`);
      });
    }, delayMs);
    // A pending callback must not keep a stopping process alive.
    timer.unref();
    return { accepted: true };
  };
}

async function completeTask(taskToken: string, message: string | undefined): Promise<void> {
  const client = new SFNClient({});
  try {
    await client.send(
      new SendTaskSuccessCommand({
        taskToken,
        output: JSON.stringify({
          message: message ?? null,
          completedBy: CALLBACK_DEMO,
          completedAt: new Date().toISOString(),
        }),
      }),
    );
  } finally {
    client.destroy();
  }
}

/** How a demo run ended. */
export interface CallbackDemoResult extends ExecutionEnd {
  elapsedMs: number;
}

/**
 * Starts one execution of the callback demo and polls DescribeExecution until it leaves RUNNING.
 * Uses an SFN client configured only by the environment, as application code does.
 */
export async function runCallbackDemo(options: {
  stateMachineArn: string;
  log?: (line: string) => void;
  signal?: AbortSignal;
  timeoutMs?: number;
}): Promise<CallbackDemoResult> {
  const log = options.log ?? (() => {});
  const started = Date.now();
  const timeoutMs = options.timeoutMs ?? 30_000;
  const client = new SFNClient({});
  try {
    const { executionArn } = await client.send(
      new StartExecutionCommand({
        stateMachineArn: options.stateMachineArn,
        input: JSON.stringify({ message: "Hello from the signoff local stack" }),
      }),
    );
    log(`demo: started ${CALLBACK_DEMO}; its Task waits for a callback (SendTaskSuccess)…`);
    const end = await waitForExecution(client, executionArn!, {
      intervalMs: 100,
      timeoutMs,
      ...(options.signal && { signal: options.signal }),
    });
    const result: CallbackDemoResult = { ...end, elapsedMs: Date.now() - started };
    log(describeResult(result));
    return result;
  } finally {
    client.destroy();
  }
}

function describeResult(result: CallbackDemoResult): string {
  const seconds = (result.elapsedMs / 1000).toFixed(1);
  if (result.status === "SUCCEEDED") {
    return `demo: ${result.status} in ${seconds} s, output ${JSON.stringify(result.output)}`;
  }
  return `demo: ${result.status} in ${seconds} s${result.error ? `: ${result.error}` : ""}${result.cause ? ` (${result.cause})` : ""}`;
}

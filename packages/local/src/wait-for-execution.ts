/**
 * Waiting for an execution to end, as the demos and tests do: DescribeExecution until it leaves
 * RUNNING. The client is whatever the caller configured (the environment, for application code).
 */
import {
  DescribeExecutionCommand,
  type DescribeExecutionCommandOutput,
  type SFNClient,
} from "@aws-sdk/client-sfn";

export interface ExecutionEnd {
  executionArn: string;
  status: string;
  output?: unknown;
  error?: string;
  cause?: string;
}

/** Polls DescribeExecution until the execution leaves RUNNING, `signal` aborts, or `timeoutMs` passes. */
export async function waitForExecution(
  client: SFNClient,
  executionArn: string,
  options: { signal?: AbortSignal; intervalMs?: number; timeoutMs?: number } = {},
): Promise<ExecutionEnd> {
  const started = Date.now();
  let execution: DescribeExecutionCommandOutput;
  for (;;) {
    execution = await client.send(new DescribeExecutionCommand({ executionArn }));
    if (execution.status !== "RUNNING") break;
    if (options.timeoutMs !== undefined && Date.now() - started > options.timeoutMs) {
      throw new Error(`the execution is still RUNNING after ${options.timeoutMs} ms`);
    }
    await sleep(options.intervalMs ?? 250, options.signal);
  }
  return {
    executionArn,
    status: execution.status ?? "UNKNOWN",
    ...(execution.output !== undefined && { output: JSON.parse(execution.output) }),
    ...(execution.error && { error: execution.error }),
    ...(execution.cause && { cause: execution.cause }),
  };
}

// Resolves after `ms`, or rejects as soon as `signal` aborts (Ctrl-C while the demo waits).
function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

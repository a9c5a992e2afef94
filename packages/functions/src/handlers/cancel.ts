/**
 * The cancel function: EventBridge delivers every "Step Functions Execution Status Change" event
 * the rule matches (on the local stack, sfn-local calls it directly with the same event). When an
 * execution ended without succeeding, the approvals it was waiting on are no longer needed.
 * It runs on the cancel runtime: the table and SES, no keyring, no Step Functions.
 */
import {
  type CancelForExecutionResult,
  cancelForExecution,
  ExecutionEndStatus,
} from "@signoff/core";
import type { EventBridgeEvent } from "aws-lambda";
import { type CancelRuntime, createCancelRuntimeFromEnv } from "../cancel-runtime.ts";
import { publishingMetrics } from "../metrics.ts";

/** The `detail-type` of the events this function handles. */
export const EXECUTION_STATUS_CHANGE = "Step Functions Execution Status Change";

/** The fields of the event's `detail` this function reads (AWS sends more). */
export interface ExecutionStatusChangeDetail {
  executionArn: string;
  stateMachineArn?: string;
  status: string;
}

export type ExecutionStatusChangeEvent = EventBridgeEvent<
  typeof EXECUTION_STATUS_CHANGE,
  ExecutionStatusChangeDetail
>;

export type CancelResponse =
  | ({ executionArn: string; status: ExecutionEndStatus } & CancelForExecutionResult)
  /** Not an execution that ended without succeeding (RUNNING, SUCCEEDED, another event). */
  | { ignored: true; status?: string };

const END_STATUSES: ReadonlySet<string> = new Set(Object.values(ExecutionEndStatus));

function isEndStatus(status: unknown): status is ExecutionEndStatus {
  return typeof status === "string" && END_STATUSES.has(status);
}

/**
 * Builds the handler around a runtime (the cancel runtime on Lambda; any runtime will do). It
 * acts on ABORTED, TIMED_OUT and FAILED only; the rule already filters on them, and this check
 * keeps a broader rule (or the local stack, which sends every change) harmless. What an
 * invocation records is published as it ends.
 */
export function createCancelHandler(runtime: Pick<CancelRuntime, "deps" | "metrics">) {
  return (event: ExecutionStatusChangeEvent): Promise<CancelResponse> =>
    publishingMetrics(runtime.metrics, () => cancelOnce(runtime, event));
}

async function cancelOnce(
  runtime: Pick<CancelRuntime, "deps">,
  event: ExecutionStatusChangeEvent,
): Promise<CancelResponse> {
  const detail = event?.detail;
  if (event?.["detail-type"] !== EXECUTION_STATUS_CHANGE || !isEndStatus(detail?.status)) {
    return {
      ignored: true,
      ...(typeof detail?.status === "string" && { status: detail.status }),
    };
  }
  if (typeof detail.executionArn !== "string" || !detail.executionArn.startsWith("arn:")) {
    return { ignored: true, status: detail.status };
  }
  const result = await cancelForExecution(runtime.deps, detail.executionArn, {
    status: detail.status,
  });
  return { executionArn: detail.executionArn, status: detail.status, ...result };
}

let runtime: CancelRuntime | undefined;

/** The Lambda entry point; the runtime is built from the environment on first use. */
export async function handler(event: ExecutionStatusChangeEvent): Promise<CancelResponse> {
  runtime ??= createCancelRuntimeFromEnv();
  return createCancelHandler(runtime)(event);
}

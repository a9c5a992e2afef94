/**
 * The waitForTaskToken Lambda: a state machine's Task hands it the task token and context; it
 * stores the approval, emails the approvers and returns. The execution waits until someone
 * decides and SendTaskSuccess/Failure is called.
 */
import { ApprovalErrors, failRequestTasks, requestApproval } from "@signoff/core";
import { publishingMetrics } from "../metrics.ts";
import {
  findTaskTokens,
  InvalidRequestError,
  parseApprovalRequest,
} from "../request/parse-request.ts";
import { createRuntimeFromEnv, type Runtime } from "../runtime.ts";

export interface RequestApprovalResponse {
  approvalId: string;
  /** False when a retried invocation found the approval already stored. */
  created: boolean;
  /** How many approvers this invocation emailed (0 on a retry that had nothing left to send). */
  emailed: number;
}

/**
 * Builds the handler around a runtime; what an invocation records is published as it ends.
 * @throws InvalidRequestError (`Approval.InvalidRequest`) for a payload it cannot accept, after
 * failing the task the payload names with that error, so an asynchronous invocation (whose
 * thrown error nobody sees) does not leave the task waiting for its timeout.
 */
export function createRequestApprovalHandler(runtime: Runtime) {
  return (event: unknown): Promise<RequestApprovalResponse> =>
    publishingMetrics(runtime.metrics, () => requestOnce(runtime, event));
}

async function requestOnce(runtime: Runtime, event: unknown): Promise<RequestApprovalResponse> {
  try {
    const input = parseApprovalRequest(event, runtime.requestDefaults);
    const result = await requestApproval(runtime.deps, input);
    if (!result.ok) throw new InvalidRequestError(result.field, result.message);
    return {
      approvalId: result.approvalId,
      created: result.created,
      emailed: result.emailed.length,
    };
  } catch (error) {
    if (error instanceof InvalidRequestError) {
      await failRequestTasks(runtime.deps, findTaskTokens(event), {
        error: ApprovalErrors.InvalidRequest,
        message: error.message,
        field: error.field,
      });
    }
    throw error;
  }
}

let runtime: Runtime | undefined;

/** The Lambda entry point; the runtime is built from the environment on first use. */
export async function handler(event: unknown): Promise<RequestApprovalResponse> {
  runtime ??= createRuntimeFromEnv();
  return createRequestApprovalHandler(runtime)(event);
}

/**
 * A request signoff cannot take on still has a task waiting for it. Invoked asynchronously
 * (`"InvocationType": "Event"`, as AWS's own callback examples do), a thrown error reaches no
 * one: the task would wait out its whole timeout. So whenever the payload carried a task token,
 * the request function tells that task itself, with the error a state machine Catches, before it
 * throws.
 */
import type { ApprovalErrorName } from "../approval-errors.ts";
import { redactTokenText } from "../token-redaction.ts";
import { describeError, type FlowDeps, log } from "./flow-deps.ts";

export interface RequestFailure {
  error: ApprovalErrorName;
  /** What went wrong, in words (a field and its problem); never the token. */
  message: string;
  /** The payload field at fault, when one is. */
  field?: string;
}

/**
 * The `cause` a failed request hands the task: shaped like the cause Step Functions records for
 * a Lambda function's own error (`errorType`, `errorMessage`), plus the field at fault.
 */
export function buildRequestFailureCause(failure: RequestFailure): string {
  return JSON.stringify({
    errorType: failure.error,
    errorMessage: failure.message,
    ...(failure.field === undefined ? {} : { field: failure.field }),
  });
}

/**
 * Sends SendTaskFailure with `failure` to every distinct token in `taskTokens` (a payload may
 * carry the token under more than one name). Returns how many tasks accepted it. Never throws
 * for the callback's sake: the caller throws its own error next.
 */
export async function failRequestTasks(
  deps: FlowDeps,
  taskTokens: readonly string[],
  failure: RequestFailure,
): Promise<number> {
  let told = 0;
  for (const token of new Set(taskTokens)) {
    const cause = redactTokenText(buildRequestFailureCause(failure), token);
    try {
      const result = await deps.callback.sendFailure(token, failure.error, cause);
      if (result.ok) {
        told += 1;
        log(deps, "info", "request refused; task failed", { error: failure.error });
      } else {
        log(deps, "warn", "request refused; the task could not be told", {
          error: failure.error,
          reason: result.reason,
        });
      }
    } catch (error) {
      log(deps, "error", "request refused; the task could not be told", {
        error: failure.error,
        reason: describeError(error),
      });
    }
  }
  return told;
}

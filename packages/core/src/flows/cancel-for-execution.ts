/**
 * Flow 4, Cancel: an execution ended (EventBridge "Step Functions Execution Status Change" with
 * ABORTED, TIMED_OUT or FAILED) while approvals it asked for were still PENDING. Nobody will ever
 * read their outcome, so they become CANCELLED and their approvers are told.
 */
import type { ExecutionEndStatus } from "../approval.ts";
import { cancelApproval } from "./cancel-approval.ts";
import { type CancelDeps, describeError, log } from "./flow-deps.ts";

export interface CancelForExecutionOptions {
  /** How the execution ended. */
  status: ExecutionEndStatus;
}

export interface CancelForExecutionResult {
  /** Approvals this call cancelled. */
  cancelled: string[];
  /** Notices sent, over all cancelled approvals. */
  notified: number;
  /** Notices that could not be sent (logged, not retried). */
  notifyFailed: number;
  /** Approvals settled by someone else between the lookup and our write. */
  skipped: number;
}

/**
 * Cancels every PENDING approval of `executionArn` (found through the execution index). One
 * approval's failure is logged and rethrown after the others were tried, so the event is
 * delivered again and finishes the rest; those already cancelled are then skipped.
 */
export async function cancelForExecution(
  deps: CancelDeps,
  executionArn: string,
  options: CancelForExecutionOptions,
): Promise<CancelForExecutionResult> {
  const result: CancelForExecutionResult = {
    cancelled: [],
    notified: 0,
    notifyFailed: 0,
    skipped: 0,
  };
  let firstError: unknown;
  for (const approval of await deps.store.listPendingForExecution(executionArn)) {
    try {
      const cancelled = await cancelApproval(deps, approval.id, {
        reason: "execution-ended",
        executionStatus: options.status,
      });
      if (!cancelled.cancelled) {
        result.skipped += 1;
        continue;
      }
      result.cancelled.push(approval.id);
      result.notified += cancelled.notified.length;
      result.notifyFailed += cancelled.notifyFailed.length;
    } catch (error) {
      firstError ??= error;
      log(deps, "error", "cancel failed", { approvalId: approval.id, error: describeError(error) });
    }
  }
  if (firstError !== undefined) throw firstError;
  if (result.cancelled.length > 0 || result.skipped > 0) {
    log(deps, "info", "execution ended; approvals cancelled", {
      executionArn,
      status: options.status,
      ...result,
    });
  }
  return result;
}

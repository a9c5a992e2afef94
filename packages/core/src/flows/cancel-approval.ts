/**
 * Ending a PENDING approval that nobody waits for any more: its execution ended, or its task
 * answered TaskTimedOut / TaskDoesNotExist. Shared by the cancel function and the sweeper.
 */
import type { Approval, ExecutionEndStatus } from "../approval.ts";
import { listEmailedApprovers, recordEmailed, sendCancelledNotice } from "./email-approver.ts";
import { type CancelDeps, describeError, log, metric } from "./flow-deps.ts";
import { countSettlement } from "./settle.ts";
import { updateSlackAfterSettle } from "./slack-messages.ts";

export interface CancelApprovalInput {
  /** "execution-ended": an EventBridge status change said so; "task-closed": SendTask* did. */
  reason: "execution-ended" | "task-closed";
  /** How the execution ended, when an execution status change is the reason. */
  executionStatus?: ExecutionEndStatus;
}

export type CancelApprovalResult =
  | {
      cancelled: true;
      approval: Approval;
      /** Approvers sent the "no longer needed" notice. */
      notified: string[];
      /** Approvers whose notice could not be sent (logged; not retried). */
      notifyFailed: string[];
    }
  /** Someone else settled it first (a decision, the deadline, another cancel): nothing to do. */
  | { cancelled: false; approval: Approval | undefined };

/**
 * Settles `approvalId` as CANCELLED with callback NONE (nobody is waiting, so nobody is called
 * back), records a `cancelled` event, and sends one short notice to every approver who was
 * emailed about it.
 *
 * 1. The settle is a conditional write (only while PENDING), so of any number of concurrent or
 *    repeated cancels (EventBridge delivers at least once) exactly one goes on to notify.
 * 2. Notices are best effort and sent once: a failed one is logged, not retried, because a
 *    retried cancel finds the approval settled and stops at step 1.
 */
export async function cancelApproval(
  deps: CancelDeps,
  approvalId: string,
  input: CancelApprovalInput,
): Promise<CancelApprovalResult> {
  const at = deps.clock().toISOString();

  // 1. Settle; no dueAt, so the approval leaves the due index.
  const settled = await deps.store.settle(approvalId, {
    outcome: { status: "CANCELLED", reason: input.reason, at },
  });
  if (!settled.ok) {
    return {
      cancelled: false,
      approval: settled.reason === "not-found" ? undefined : settled.approval,
    };
  }
  const approval = settled.approval;
  // Chained onto the head the settle left (no read), and returned with it in the tail, so the
  // listing batch below writes it out and queues its webhook message.
  const recorded = await deps.store.appendEvents(
    approvalId,
    [
      {
        type: "cancelled",
        at,
        actor: "signoff",
        data: {
          reason: input.reason,
          ...(input.executionStatus === undefined
            ? {}
            : { executionStatus: input.executionStatus }),
        },
      },
    ],
    approval,
  );
  log(deps, "info", "approval cancelled", { approvalId, ...input });
  countSettlement(deps, approval);
  await deps.store.refreshListing(recorded);
  await updateSlackAfterSettle(deps, approval);

  // 2. One notice to each approver who heard about it.
  const recipients = listEmailedApprovers(await deps.store.listEvents(approvalId));
  const notified: string[] = [];
  const notifyFailed: string[] = [];
  for (const to of recipients) {
    try {
      await sendCancelledNotice(deps, approval, to, input.executionStatus);
    } catch (error) {
      notifyFailed.push(to);
      metric(deps, "EmailsFailed");
      log(deps, "error", "cancellation notice failed", {
        approvalId,
        to,
        error: describeError(error),
      });
      continue;
    }
    notified.push(to);
    await recordEmailed(deps, approvalId, to, "cancelled");
  }
  return { cancelled: true, approval, notified, notifyFailed };
}

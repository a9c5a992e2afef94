/**
 * Asking for approvals the way a state machine does, and checking that nothing was decided:
 * shared by the end-to-end test files.
 */
import { randomUUID } from "node:crypto";
import { expect } from "vitest";
import { sleep } from "./poll.ts";
import type { SignoffStack } from "./signoff-stack.ts";

/** The sweeper interval the test stacks run with. */
export const SWEEP_INTERVAL_MS = 200;

/** Long enough for the API and a few sweeper runs to act on anything they (wrongly) would. */
export const QUIET_MS = 3 * SWEEP_INTERVAL_MS;

/** A subject no other test uses, so its mail is found in the shared inbox. */
export function uniqueSubject(what: string): string {
  return `${what} ${randomUUID().slice(0, 8)}`;
}

export interface ApprovalInput {
  approvers: string[];
  subject: string;
  details: unknown;
  requestedBy: string;
  timeoutSeconds: number;
}

/** An execution input for the demo workflow (and the fixtures): every field its Payload reads. */
export function approvalInput(
  fields: Partial<ApprovalInput> & Pick<ApprovalInput, "approvers" | "subject">,
): ApprovalInput {
  return {
    details: { service: "checkout-service", version: "2.3.0" },
    requestedBy: "dev@example.com",
    timeoutSeconds: 600,
    ...fields,
  };
}

/** Starts an execution and waits until request-approval has stored and emailed its approval. */
export async function requestApproval(
  signoff: SignoffStack,
  stateMachineArn: string,
  input: ApprovalInput,
) {
  const executionArn = await signoff.startExecution(stateMachineArn, input);
  const request = await signoff.requestFor(input.subject);
  return { executionArn, approvalId: request.result.approvalId, request };
}

/**
 * Asserts, after a quiet moment, that the execution still waits, no SendTask* reached it, and
 * its approval is still PENDING.
 */
export async function expectStillWaiting(
  signoff: SignoffStack,
  executionArn: string,
  approvalId: string,
): Promise<void> {
  await sleep(QUIET_MS);
  expect(await signoff.statusOf(executionArn)).toBe("RUNNING");
  expect(await signoff.taskCallbacks(executionArn)).toEqual([]);
  expect((await signoff.approval(approvalId))?.status).toBe("PENDING");
}

/**
 * Many approvals at once, the way the reliability tests need them: start a batch of executions
 * of a workflow, wait until request-approval has stored every one, and read every approver's
 * links from the inbox in one pass (the inbox is one JSON document, so reading it once per
 * approval would cost O(n²) at a thousand approvals).
 */
import { randomUUID } from "node:crypto";
import { approvalInput } from "../../support/approval-requests.ts";
import { linksIn } from "../../support/inbox.ts";
import { pollUntil } from "../../support/poll.ts";
import type { SignoffStack } from "../../support/signoff-stack.ts";
import { mapPool } from "./load-stats.ts";

/** One execution waiting on its approval. */
export interface BatchApproval {
  subject: string;
  executionArn: string;
  approvalId: string;
}

export interface RequestBatchOptions {
  /** Everyone asked; default one approver. */
  approvers?: string[];
  /** Words the subjects start with; each subject also gets its index and a random suffix. */
  what: string;
  /** Default the demo workflow. */
  stateMachineArn?: string;
  /** Executions started at once; default 8. */
  concurrency?: number;
  /** The deadline; default a day, so no deadline passes while a test runs. */
  timeoutSeconds?: number;
  /** How long to wait for every approval to be stored; default 5 minutes. */
  waitMs?: number;
}

/** Starts `count` executions and resolves once request-approval has stored all of them. */
export async function requestBatch(
  signoff: SignoffStack,
  count: number,
  options: RequestBatchOptions,
): Promise<BatchApproval[]> {
  const approvers = options.approvers ?? ["approver@example.com"];
  const batch = randomUUID().slice(0, 8);
  const subjects = Array.from({ length: count }, (_, i) => `${options.what} ${batch}-${i}`);
  const arns = await mapPool(subjects, options.concurrency ?? 8, (subject) =>
    signoff.startExecution(
      options.stateMachineArn ?? signoff.demoArn,
      approvalInput({ approvers, subject, timeoutSeconds: options.timeoutSeconds ?? 86_400 }),
    ),
  );
  const wanted = new Set(subjects);
  const ids = await pollUntil(
    `request-approval to store ${count} approvals of batch ${batch}`,
    async () => {
      const found = new Map<string, string>();
      for (const request of signoff.requests) {
        const subject = request.payload.subject;
        if (typeof subject === "string" && wanted.has(subject) && request.result) {
          found.set(subject, request.result.approvalId);
        }
        if (typeof subject === "string" && wanted.has(subject) && request.error) {
          throw new Error(`request-approval failed for "${subject}"`);
        }
      }
      return found.size === count ? found : undefined;
    },
    { timeoutMs: options.waitMs ?? 300_000, intervalMs: 100 },
  );
  return subjects.map((subject, i) => ({
    subject,
    executionArn: arns[i]!,
    approvalId: ids.get(subject)!,
  }));
}

/** An approver's two links for one approval. */
export interface ApproverLinks {
  approver: string;
  approve: string;
  reject: string;
}

/**
 * Every approver's links for every approval of `batch`, keyed by approval id, once the request
 * mail to each of them has arrived.
 */
export async function linksForBatch(
  signoff: SignoffStack,
  batch: readonly BatchApproval[],
  approvers: readonly string[],
  waitMs = 120_000,
): Promise<Map<string, ApproverLinks[]>> {
  const bySubject = new Map(batch.map((b) => [`Approval requested: ${b.subject}`, b]));
  return pollUntil(
    `request mail for ${batch.length} approvals`,
    async () => {
      const links = new Map<string, ApproverLinks[]>();
      for (const mail of await signoff.readInbox()) {
        const approval = bySubject.get(mail.subject);
        const approver = mail.destination.to[0];
        if (approval === undefined || approver === undefined) continue;
        const list = links.get(approval.approvalId) ?? [];
        if (!list.some((l) => l.approver === approver)) list.push({ approver, ...linksIn(mail) });
        links.set(approval.approvalId, list);
      }
      const complete = batch.every((b) => links.get(b.approvalId)?.length === approvers.length);
      return complete ? links : undefined;
    },
    { timeoutMs: waitMs, intervalMs: 250 },
  );
}

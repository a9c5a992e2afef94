/**
 * Runs one parsed command against the API and returns what to print: the API's JSON with
 * `--json`, a readable view otherwise.
 */
import type { Approval, ListApprovalsQuery, SignoffClient } from "@signoff/client";
import type { Command, ListFilters } from "./args.ts";
import {
  formatApproval,
  formatApprovalList,
  formatDecisionCreated,
  formatResend,
  formatWebhookReplay,
  formatWebhooks,
} from "./format.ts";

function toQuery(filters: ListFilters): ListApprovalsQuery {
  return {
    approver: filters.approver,
    ...(filters.status !== undefined && { status: filters.status }),
    ...(filters.execution !== undefined && { execution: filters.execution }),
    ...(filters.tag !== undefined && { tag: filters.tag }),
    ...(filters.limit !== undefined && { limit: filters.limit }),
    ...(filters.cursor !== undefined && { cursor: filters.cursor }),
  };
}

function toJson(value: unknown): string {
  return JSON.stringify(value, null, 2);
}

/** The command's output, without a trailing newline. API refusals throw SignoffApiError. */
export async function runCommand(
  client: SignoffClient,
  command: Command,
  json: boolean,
): Promise<string> {
  switch (command.action) {
    case "list": {
      const query = toQuery(command.filters);
      if (command.all) {
        const approvals: Approval[] = [];
        for await (const approval of client.listAllApprovals(query)) approvals.push(approval);
        return json ? toJson({ approvals }) : formatApprovalList(approvals);
      }
      const page = await client.listApprovals(query);
      return json ? toJson(page) : formatApprovalList(page.approvals, page.nextCursor);
    }
    case "show": {
      const approval = await client.getApproval(command.id);
      return json ? toJson(approval) : formatApproval(approval);
    }
    case "approve":
    case "reject": {
      const created = await client.decide(command.id, {
        decision: command.action,
        ...(command.comment !== undefined && { comment: command.comment }),
        ...(command.response !== undefined && { response: command.response }),
      });
      return json ? toJson(created) : formatDecisionCreated(created);
    }
    case "resend": {
      const result = await client.resend(command.id);
      return json ? toJson(result) : formatResend(command.id, result);
    }
    case "webhooks": {
      const result = await client.webhooks(command.id);
      return json ? toJson(result) : formatWebhooks(command.id, result);
    }
    case "replay-webhooks": {
      const result = await client.replayWebhooks(command.id);
      return json ? toJson(result) : formatWebhookReplay(command.id, result);
    }
  }
}

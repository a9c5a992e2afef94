/**
 * Human-readable output: tables for lists and decisions, a key/value view of one approval.
 * Requesters and approvers write subjects and comments, so control characters are shown
 * escaped rather than sent to the terminal (where they could move the cursor or recolour text).
 */
import type { Approval, DecisionCreated, Resend, WebhookReplay, Webhooks } from "@signoff/client";
import Table from "cli-table3";

/** No colours: output is read in terminals, logs and tests alike. */
const PLAIN: Table.TableConstructorOptions = { style: { head: [], border: [] } };

/** `text` with C0/C1 control characters (ANSI escapes included) shown as `\u001b`-style escapes. */
export function printable(text: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are the point.
  return text.replace(/[\u0000-\u001f\u007f-\u009f]/g, (char) => {
    return `\\u${char.charCodeAt(0).toString(16).padStart(4, "0")}`;
  });
}

/** `printable` line by line: the line breaks a table or a field list needs are kept. */
export function printableLines(text: string): string {
  return text.split("\n").map(printable).join("\n");
}

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/** An ISO instant as `2026-11-21 14:05 UTC`: minutes are what people act on. */
export function formatInstant(iso: string | undefined): string {
  if (iso === undefined) return "";
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return printable(iso);
  return `${date.toISOString().slice(0, 16).replace("T", " ")} UTC`;
}

/** How many approvers have decided, of how many, e.g. `1/3`. */
export function decidedCount(approval: Approval): string {
  return `${Object.keys(approval.decisions).length}/${approval.approvers.length}`;
}

/** The list view: one row per approval. */
export function formatApprovalList(approvals: readonly Approval[], nextCursor?: string): string {
  if (approvals.length === 0) return "No approvals match.";
  const table = new Table({ ...PLAIN, head: ["ID", "STATUS", "SUBJECT", "DECIDED", "DEADLINE"] });
  for (const approval of approvals) {
    table.push([
      approval.id,
      approval.status,
      truncate(printable(approval.subject), 48),
      decidedCount(approval),
      formatInstant(approval.deadline),
    ]);
  }
  const more = nextCursor === undefined ? "" : `\nMore: --cursor ${nextCursor} (or --all)`;
  return `${table.toString()}${more}`;
}

function describeOutcome(approval: Approval): string {
  if (approval.outcome === undefined) return approval.status;
  return `${approval.status} (${approval.outcome.reason}, ${formatInstant(approval.outcome.at)})`;
}

/** Details as text (objects as indented JSON), newlines kept and other controls escaped. */
function describeDetails(details: unknown): string | undefined {
  if (details === undefined) return undefined;
  const text = typeof details === "string" ? details : JSON.stringify(details, null, 2);
  return printableLines(text.replace(/\r\n/g, "\n"));
}

/** `name  value` lines, aligned; later lines of a multi-line value are indented to match. */
function formatFields(fields: readonly [string, string | undefined][]): string {
  const shown = fields.filter((field): field is [string, string] => Boolean(field[1]));
  const width = Math.max(...shown.map(([name]) => name.length)) + 2;
  return shown
    .flatMap(([name, value]) => {
      const [first, ...rest] = value.split("\n");
      return [
        `${name.padEnd(width)}${first}`,
        ...rest.map((line) => `${" ".repeat(width)}${line}`),
      ];
    })
    .join("\n");
}

/** The show view: the approval's fields, then its decisions. */
export function formatApproval(approval: Approval): string {
  return `${formatFields([
    ["ID", approval.id],
    ["Status", describeOutcome(approval)],
    ["Subject", printable(approval.subject)],
    ["Requested by", approval.requestedBy && printable(approval.requestedBy)],
    ["Approvers", approval.approvers.map(printable).join(", ")],
    ["Policy", `${approval.policy.required} of ${approval.approvers.length} must approve`],
    ["Decided", decidedCount(approval)],
    ["Created", formatInstant(approval.createdAt)],
    ["Deadline", `${formatInstant(approval.deadline)}, then ${approval.onTimeout}`],
    ["Execution", approval.executionArn && printable(approval.executionArn)],
    ["Callback", approval.callback],
    ["Details", describeDetails(approval.details)],
  ])}\n\n${formatDecisions(Object.values(approval.decisions))}`;
}

type Decision = DecisionCreated["decision"];

function formatDecisions(decisions: readonly Decision[]): string {
  if (decisions.length === 0) return "No decisions yet.";
  const table = new Table({ ...PLAIN, head: ["APPROVER", "DECISION", "COMMENT", "AT", "CHANNEL"] });
  for (const decision of decisions) {
    table.push([
      printable(decision.approver),
      decision.decision,
      truncate(printable(decision.comment ?? ""), 60),
      formatInstant(decision.at),
      decision.channel,
    ]);
  }
  return table.toString();
}

/** After approve or reject: what was recorded and where the approval stands. */
export function formatDecisionCreated(created: DecisionCreated): string {
  const { decision, approval } = created;
  const verb = decision.decision === "approve" ? "Approved" : "Rejected";
  const comment = decision.comment === undefined ? "" : ` with "${printable(decision.comment)}"`;
  return `${verb} ${approval.id} as ${printable(decision.approver)}${comment}.\nIt is now ${describeOutcome(approval)}.`;
}

/** After resend: who was emailed again, and whose mail failed. */
export function formatResend(id: string, result: Resend): string {
  const lines = [
    result.resent.length === 0
      ? `Nobody left to email about ${id}.`
      : `Emailed ${id} again to ${result.resent.map(printable).join(", ")}.`,
  ];
  if (result.failed.length > 0) {
    lines.push(`Could not email ${result.failed.map(printable).join(", ")}.`);
  }
  return lines.join("\n");
}

/** The approval's webhook messages, one line each, oldest first. */
export function formatWebhooks(id: string, result: Webhooks): string {
  if (result.webhooks.length === 0) return `No webhook messages for ${id}.`;
  return result.webhooks
    .map((message) => {
      const delivered = message.urls.filter((u) => u.delivered).length;
      const when =
        message.nextAttemptAt === undefined ? "" : `, next attempt ${message.nextAttemptAt}`;
      const error =
        message.lastError === undefined ? "" : ` (last error: ${printable(message.lastError)})`;
      return `${message.webhookId} ${message.type}: ${message.state}, ${delivered}/${message.urls.length} URLs, ${message.attempts} attempt(s)${message.replays > 0 ? `, replayed ${message.replays}×` : ""}${when}${error}`;
    })
    .join("\n");
}

/** After replay-webhooks: what was put back for another round. */
export function formatWebhookReplay(id: string, result: WebhookReplay): string {
  return result.requeued.length === 0
    ? `No given-up webhook messages for ${id}.`
    : `Sending again: ${result.requeued.join(", ")} (the sweeper delivers them within a minute).`;
}

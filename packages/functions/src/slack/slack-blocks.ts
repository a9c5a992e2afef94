/**
 * The Block Kit of an approval's Slack messages: the request (subject, details, deadline, what
 * the deadline does, Approve / Reject buttons each behind a confirm dialog), the same message once
 * settled (outcome, who, when; no buttons), and threaded notices. Text from a request is escaped
 * for mrkdwn as Slack documents (`&`, `<`, `>`), so it can neither mention (`<!channel>`) nor
 * link; the buttons carry the approval id and the decision, never the task token.
 */
import {
  type ApprovalView,
  type Decision,
  type DecisionKind,
  listDecisionsInOrder,
  type OnTimeout,
  type SlackNotice,
} from "@signoff/core";
import type { ChatPostMessageArguments } from "@slack/web-api";
import { formatDuration, formatUtc } from "../email/email-format.ts";

/** The `block_id` of the buttons' block and the `action_id`s of the two buttons. */
export const SLACK_ACTIONS_BLOCK = "signoff_decide";
export const SlackActionId = { approve: "signoff_approve", reject: "signoff_reject" } as const;

/** What a button's `value` holds. */
export interface SlackButtonValue {
  approvalId: string;
  decision: DecisionKind;
}

/** Block Kit blocks, as the Web API client types them. */
export type SlackBlocks = Extract<ChatPostMessageArguments, { blocks: unknown }>["blocks"];
type SlackBlock = SlackBlocks[number];

export interface SlackMessageContent {
  /** The notification text (also what clients without blocks show); escaped. */
  text: string;
  blocks: SlackBlocks;
}

// Slack's limits: header text 150 characters, section text 3,000, button value 2,000.
const MAX_HEADER = 150;
const MAX_SECTION = 3_000;

const ON_TIMEOUT_TEXT: Record<OnTimeout, string> = {
  fail: "the request fails as timed out",
  reject: "the request is rejected",
  approve: "the request is approved",
};

const STATUS_TEXT: Record<ApprovalView["status"], string> = {
  PENDING: "Waiting for a decision",
  APPROVED: "Approved",
  REJECTED: "Rejected",
  EXPIRED: "Expired: nobody decided by the deadline",
  CANCELLED: "Cancelled: no longer needed",
};

const STATUS_EMOJI: Record<ApprovalView["status"], string> = {
  PENDING: ":hourglass_flowing_sand:",
  APPROVED: ":white_check_mark:",
  REJECTED: ":x:",
  EXPIRED: ":alarm_clock:",
  CANCELLED: ":no_entry_sign:",
};

/** Escapes text for mrkdwn, exactly the three characters Slack's formatting docs name. */
export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

/**
 * The message for `approval`: while PENDING the request with its buttons (and the decisions so
 * far); once settled the outcome, who decided and when, with no buttons.
 */
export function renderApprovalMessage(approval: ApprovalView): SlackMessageContent {
  const subject = oneLine(approval.subject);
  const settled = approval.status !== "PENDING";
  const text = settled
    ? `${STATUS_TEXT[approval.status]}: ${escapeMrkdwn(subject)}`
    : `Approval requested: ${escapeMrkdwn(subject)}`;
  const blocks: SlackBlocks = [
    { type: "header", text: { type: "plain_text", text: cap(subject, MAX_HEADER), emoji: false } },
    { type: "section", text: { type: "mrkdwn", text: cap(renderFacts(approval), MAX_SECTION) } },
  ];
  const details = renderDetails(approval);
  if (details !== undefined) {
    blocks.push({ type: "section", text: { type: "mrkdwn", text: details } });
  }
  const decisions = listDecisionsInOrder(approval);
  if (settled) {
    blocks.push({
      type: "section",
      text: { type: "mrkdwn", text: cap(renderOutcome(approval, decisions), MAX_SECTION) },
    });
  } else {
    if (decisions.length > 0) {
      blocks.push({
        type: "context",
        elements: [{ type: "mrkdwn", text: cap(renderDecisions(decisions), MAX_SECTION) }],
      });
    }
    blocks.push(renderButtons(approval));
  }
  blocks.push({
    type: "context",
    elements: [{ type: "mrkdwn", text: `signoff · approval \`${approval.id}\`` }],
  });
  return { text, blocks };
}

/** A threaded reply: a reminder with the time left, or who the request escalated to. */
export function renderNotice(approval: ApprovalView, notice: SlackNotice): SlackMessageContent {
  const left = formatDuration(notice.secondsLeft);
  const text =
    notice.kind === "reminder"
      ? `:bell: Reminder: still waiting for a decision${notice.waitingOn.length > 0 ? ` from ${escapeMrkdwn(notice.waitingOn.join(", "))}` : ""}. ${left} left until the deadline (${formatUtc(approval.deadline)}).`
      : `:arrow_double_up: Escalated: ${escapeMrkdwn(notice.added.join(", "))} can now decide too. ${left} left until the deadline (${formatUtc(approval.deadline)}).`;
  return {
    text,
    blocks: [{ type: "section", text: { type: "mrkdwn", text: cap(text, MAX_SECTION) } }],
  };
}

/** Reads a button's value back; undefined for anything signoff did not put there. */
export function parseButtonValue(value: string | undefined): SlackButtonValue | undefined {
  if (value === undefined || value.length > 2_000) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    return undefined;
  }
  if (typeof parsed !== "object" || parsed === null) return undefined;
  const { approvalId, decision } = parsed as Record<string, unknown>;
  if (typeof approvalId !== "string" || !/^[a-z2-7]{26}$/.test(approvalId)) return undefined;
  if (decision !== "approve" && decision !== "reject") return undefined;
  return { approvalId, decision };
}

function renderFacts(approval: ApprovalView): string {
  const lines: string[] = [];
  if (approval.requestedBy !== undefined) {
    lines.push(`*Requested by:* ${escapeMrkdwn(approval.requestedBy)}`);
  }
  const required = approval.policy.required;
  lines.push(
    `*Approvers:* ${escapeMrkdwn(approval.approvers.join(", "))}${required > 1 ? ` (${required} must approve)` : ""}`,
  );
  lines.push(
    `*Deadline:* ${formatUtc(approval.deadline)}; if undecided by then, ${ON_TIMEOUT_TEXT[approval.onTimeout]}`,
  );
  return lines.join("\n");
}

/** Details and context as `key: value` lines, each value escaped; capped to one section. */
function renderDetails(approval: ApprovalView): string | undefined {
  const lines: string[] = [];
  const add = (value: unknown) => {
    if (value === undefined || value === null) return;
    if (typeof value === "string") {
      lines.push(escapeMrkdwn(value));
      return;
    }
    if (typeof value !== "object" || Array.isArray(value)) {
      lines.push(escapeMrkdwn(JSON.stringify(value)));
      return;
    }
    for (const [key, field] of Object.entries(value as Record<string, unknown>)) {
      const shown = typeof field === "string" ? field : JSON.stringify(field);
      lines.push(`*${escapeMrkdwn(oneLine(key))}:* ${escapeMrkdwn(shown ?? "")}`);
    }
  };
  add(approval.details);
  add(approval.context);
  if (lines.length === 0) return undefined;
  return cap(lines.join("\n"), MAX_SECTION);
}

function renderDecisions(decisions: readonly Decision[]): string {
  return decisions
    .map(
      (decision) =>
        `${decision.decision === "approve" ? "Approved" : "Rejected"} by ${escapeMrkdwn(decision.approver)} (${decision.channel}, ${formatUtc(decision.at)})${decision.comment ? `: ${escapeMrkdwn(oneLine(decision.comment))}` : ""}`,
    )
    .join("\n");
}

function renderOutcome(approval: ApprovalView, decisions: readonly Decision[]): string {
  const at = approval.outcome?.at;
  const head = `${STATUS_EMOJI[approval.status]} *${STATUS_TEXT[approval.status]}*${at ? ` at ${formatUtc(at)}` : ""}`;
  if (decisions.length === 0) return head;
  return `${head}\n${renderDecisions(decisions)}`;
}

function renderButtons(approval: ApprovalView): SlackBlock {
  const subject = cap(oneLine(approval.subject), 200);
  const value = (decision: DecisionKind) =>
    JSON.stringify({ approvalId: approval.id, decision } satisfies SlackButtonValue);
  return {
    type: "actions",
    block_id: SLACK_ACTIONS_BLOCK,
    elements: [
      {
        type: "button",
        action_id: SlackActionId.approve,
        style: "primary",
        text: { type: "plain_text", text: "Approve" },
        value: value("approve"),
        confirm: {
          title: { type: "plain_text", text: "Approve this request?" },
          text: { type: "plain_text", text: subject },
          confirm: { type: "plain_text", text: "Approve" },
          deny: { type: "plain_text", text: "Cancel" },
          style: "primary",
        },
      },
      {
        type: "button",
        action_id: SlackActionId.reject,
        style: "danger",
        text: { type: "plain_text", text: "Reject" },
        value: value("reject"),
        confirm: {
          title: { type: "plain_text", text: "Reject this request?" },
          text: { type: "plain_text", text: subject },
          confirm: { type: "plain_text", text: "Reject" },
          deny: { type: "plain_text", text: "Cancel" },
          style: "danger",
        },
      },
    ],
  };
}

/** Text on one line: runs of whitespace (line breaks included) become one space. */
export function oneLine(text: string): string {
  return text.replace(/\s+/g, " ").trim();
}

/** `text`, cut to `max` characters with an ellipsis when longer. */
export function cap(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

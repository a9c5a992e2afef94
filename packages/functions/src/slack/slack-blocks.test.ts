import type { ApprovalView } from "@signoff/core";
import { describe, expect, it } from "vitest";
import {
  escapeMrkdwn,
  parseButtonValue,
  renderApprovalMessage,
  renderNotice,
  SLACK_ACTIONS_BLOCK,
  SlackActionId,
} from "./slack-blocks.ts";

const ID = "abcdefghijklmnopqrstuvwxyz";

function approval(overrides: Partial<ApprovalView> = {}): ApprovalView {
  return {
    id: ID,
    status: "PENDING",
    callback: "NONE",
    approvers: ["ann@example.com", "bob@example.com"],
    requestedBy: "dev@example.com",
    subject: "Deploy <billing> & friends",
    details: { service: "<!channel> billing", note: "a > b & c < d" },
    context: { ticket: "<https://evil.example|click me>" },
    policy: { required: 1 },
    onTimeout: "reject",
    rejectAs: "failure",
    createdAt: "2026-03-02T09:00:00.000Z",
    deadline: "2026-03-02T10:00:00.000Z",
    decisions: {},
    version: 0,
    callbackAttempts: 0,
    ...overrides,
  };
}

/** Every mrkdwn text in a message: section texts, context elements, the notification text. */
function mrkdwnTexts(message: ReturnType<typeof renderApprovalMessage>): string[] {
  const texts = [message.text];
  for (const block of message.blocks as unknown as Array<Record<string, unknown>>) {
    const text = block.text as { type: string; text: string } | undefined;
    if (text?.type === "mrkdwn") texts.push(text.text);
    for (const element of (block.elements as Array<Record<string, unknown>>) ?? []) {
      if (element.type === "mrkdwn") texts.push(element.text as string);
    }
  }
  return texts;
}

describe("the Slack message of an approval", () => {
  it("escapes &, < and > exactly as Slack's formatting docs say", () => {
    expect(escapeMrkdwn("a & b < c > d &amp;")).toBe("a &amp; b &lt; c &gt; d &amp;amp;");
  });

  it("never lets request text mention, link or format past its escaping", () => {
    const message = renderApprovalMessage(approval());
    const all = mrkdwnTexts(message).join("\n");
    expect(all).toContain("&lt;!channel&gt; billing");
    expect(all).toContain("a &gt; b &amp; c &lt; d");
    expect(all).toContain("&lt;https://evil.example|click me&gt;");
    // No raw angle bracket from the request survives anywhere in mrkdwn.
    for (const text of mrkdwnTexts(message)) {
      expect(text).not.toMatch(/<!channel>|<https:\/\/evil/);
    }
  });

  it("says the deadline and what it does, and offers Approve and Reject behind confirm dialogs", () => {
    const message = renderApprovalMessage(approval());
    const all = mrkdwnTexts(message).join("\n");
    expect(all).toContain("Monday 2 March 2026, 10:00 UTC");
    expect(all).toContain("the request is rejected");
    const actions = message.blocks.find((block) => block.type === "actions") as {
      block_id: string;
      elements: Array<{ action_id: string; value: string; confirm?: object; style?: string }>;
    };
    expect(actions.block_id).toBe(SLACK_ACTIONS_BLOCK);
    expect(actions.elements.map((e) => e.action_id)).toEqual([
      SlackActionId.approve,
      SlackActionId.reject,
    ]);
    for (const element of actions.elements) expect(element.confirm).toBeDefined();
    expect(actions.elements.map((e) => parseButtonValue(e.value))).toEqual([
      { approvalId: ID, decision: "approve" },
      { approvalId: ID, decision: "reject" },
    ]);
  });

  it("shows a settled approval's outcome, who and when, with no buttons", () => {
    const message = renderApprovalMessage(
      approval({
        status: "APPROVED",
        outcome: { status: "APPROVED", reason: "quorum", at: "2026-03-02T09:30:00.000Z" },
        decisions: {
          "ann@example.com": {
            approver: "ann@example.com",
            decision: "approve",
            at: "2026-03-02T09:30:00.000Z",
            channel: "slack",
            seq: 1,
          },
        },
      }),
    );
    expect(message.blocks.some((block) => block.type === "actions")).toBe(false);
    const all = mrkdwnTexts(message).join("\n");
    expect(all).toContain("*Approved* at Monday 2 March 2026, 09:30 UTC");
    expect(all).toContain("Approved by ann@example.com (slack");
  });

  it("keeps within Slack's limits however long the request is", () => {
    const message = renderApprovalMessage(
      approval({ subject: "s".repeat(500), details: "d".repeat(70_000) }),
    );
    const header = message.blocks[0] as { text: { text: string } };
    expect(header.text.text.length).toBeLessThanOrEqual(150);
    for (const text of mrkdwnTexts(message)) expect(text.length).toBeLessThanOrEqual(3000);
  });

  it("threads reminders and escalations with the time left, escaped", () => {
    const reminder = renderNotice(approval(), {
      kind: "reminder",
      secondsLeft: 3600,
      waitingOn: ["<!here>@example.com"],
    });
    expect(reminder.text).toContain("1 hour left");
    expect(reminder.text).toContain("&lt;!here&gt;");
    const escalation = renderNotice(approval(), {
      kind: "escalation",
      secondsLeft: 120,
      added: ["carol@example.com"],
    });
    expect(escalation.text).toContain("carol@example.com can now decide too");
  });
});

describe("reading a button's value back", () => {
  it("accepts only what signoff put there", () => {
    expect(parseButtonValue(JSON.stringify({ approvalId: ID, decision: "reject" }))).toEqual({
      approvalId: ID,
      decision: "reject",
    });
    for (const value of [
      undefined,
      "",
      "not json",
      "null",
      JSON.stringify({ approvalId: ID, decision: "maybe" }),
      JSON.stringify({ approvalId: "../../etc", decision: "approve" }),
      JSON.stringify({ approvalId: ID.toUpperCase(), decision: "approve" }),
      "x".repeat(3000),
    ]) {
      expect(parseButtonValue(value)).toBeUndefined();
    }
  });
});

/**
 * Slack, end to end on the local stack: a request asking for Slack is posted to the stand-in
 * (a channel and direct messages), a signed button press decides through the same path as links
 * (the execution on sfn-local succeeds, the audit says "slack"), every message then shows the
 * outcome with its buttons gone; a non-approver's press is refused to them alone and changes
 * nothing; a settlement by email link updates the Slack messages too; and requests that are
 * unsigned, forged or stale are answered 401 and change nothing.
 */
import { randomUUID } from "node:crypto";
import type { Approval } from "@signoff/core";
import { SlackActionId, signSlackRequest } from "@signoff/functions";
import type { StoredMessage } from "@signoff/slack-local";
import { describe, expect, it } from "vitest";
import { pollUntil } from "./support/poll.ts";
import { useSignoffStack } from "./support/signoff-stack.ts";
import { approvalWorkflow } from "./support/workflows.ts";

const signoff = useSignoffStack({ slack: true });

const CHANNEL = "C0APPROVALS";
const ALICE = "alice@example.com";
const BOB = "bob@example.com";
const OUTSIDER = "admin@example.com";

function subjectOf(what: string): string {
  return `${what} ${randomUUID().slice(0, 8)}`;
}

let machine: Promise<string> | undefined;

/** A state machine passing `slack` through, as an author asking for Slack would write it. */
function slackMachine(): Promise<string> {
  machine ??= signoff.createStateMachine(
    `slack-${randomUUID().slice(0, 8)}`,
    approvalWorkflow({ fields: ["details", "requestedBy", "slack"], catchErrors: false }),
  );
  return machine;
}

/** Starts an execution asking for Slack (on `stateMachine`); waits for its channel message. */
async function requestInSlack(
  subject: string,
  extra: Record<string, unknown> = {},
  stateMachine?: string,
) {
  const executionArn = await signoff.startExecution(stateMachine ?? (await slackMachine()), {
    approvers: [ALICE, BOB],
    subject,
    details: { service: "billing <!channel>", change: "a & b" },
    requestedBy: "dev@example.com",
    timeoutSeconds: 600,
    slack: { channel: CHANNEL, directMessages: true },
    ...extra,
  });
  const approvalId = await signoff.approvalIdFor(subject);
  const message = await messageFor(CHANNEL, approvalId);
  return { executionArn, approvalId, message };
}

/** The top-level message in `channel` about `approvalId`, once posted. */
function messageFor(channel: string, approvalId: string): Promise<StoredMessage> {
  return pollUntil(`a Slack message in ${channel} for ${approvalId}`, async () =>
    signoff
      .slack()
      .messages(channel)
      .find((m) => m.threadTs === undefined && JSON.stringify(m.blocks).includes(approvalId)),
  );
}

function hasButtons(message: StoredMessage): boolean {
  return message.blocks.some((block) => block.type === "actions");
}

function textOf(message: StoredMessage): string {
  return JSON.stringify(message.blocks);
}

/** The approval as stored, minus what moves on its own (nothing should, here). */
async function snapshot(approvalId: string): Promise<Approval> {
  const approval = await signoff.approval(approvalId);
  if (approval === undefined) throw new Error(`no approval ${approvalId}`);
  return approval;
}

describe("approving in Slack", () => {
  it("posts the request, approves on a signed press by an approver, and updates every message with the outcome", async () => {
    const slack = signoff.slack();
    const subject = subjectOf("Deploy billing <4.2> & co");
    const { executionArn, approvalId, message } = await requestInSlack(subject);
    const request = await signoff.requestFor(subject);

    // 1. What approvers see: subject, escaped details, deadline, what it does, two buttons.
    expect(hasButtons(message)).toBe(true);
    expect(textOf(message)).toContain("billing &lt;!channel&gt;");
    expect(textOf(message)).toContain("a &amp; b");
    expect(textOf(message)).toContain("if undecided by then, the request fails as timed out");
    // Each approver also got a direct message; both are recorded on the approval.
    const aliceId = slack.userByEmail(ALICE)!.id;
    const bobId = slack.userByEmail(BOB)!.id;
    await messageFor(slack.dmChannelFor(aliceId), approvalId);
    await messageFor(slack.dmChannelFor(bobId), approvalId);
    const stored = await snapshot(approvalId);
    expect(stored.slackMessages).toHaveLength(3);
    expect(stored.slackMessages).toContainEqual({ channel: CHANNEL, ts: message.ts });

    // 2. Alice presses Approve; Slack gets its answer well inside 3 seconds.
    const press = await slack.pressButton({
      user: ALICE,
      channel: CHANNEL,
      ts: message.ts,
      actionId: SlackActionId.approve,
    });
    expect(press.status).toBe(200);
    expect(press.elapsedMs).toBeLessThan(3_000);

    // 3. The execution succeeds with her decision, made in Slack.
    const end = await signoff.waitForExecution(executionArn);
    expect(end.status).toBe("SUCCEEDED");
    expect(end.output).toMatchObject({
      approvalId,
      outcome: "approved",
      decisions: [{ approver: ALICE, decision: "approve", channel: "slack" }],
    });
    const events = await signoff.runtime().deps.store.listEvents(approvalId);
    expect(events.find((e) => e.type === "decided")?.data).toMatchObject({
      decision: "approve",
      channel: "slack",
    });
    expect(events.filter((e) => e.type === "slack-posted")).toHaveLength(3);

    // 4. Every message shows the outcome, who and when; no buttons are left.
    for (const ref of stored.slackMessages!) {
      const updated = await pollUntil(`message ${ref.ts} updated`, async () =>
        slack.messages(ref.channel).find((m) => m.ts === ref.ts && !hasButtons(m)),
      );
      expect(textOf(updated)).toContain("*Approved* at");
      expect(textOf(updated)).toContain(`Approved by ${ALICE} (slack`);
    }
    // Alice was told, privately, that it counted.
    expect(slack.ephemerals(aliceId).map((e) => e.text)).toContainEqual(
      expect.stringContaining("is recorded"),
    );

    // 5. The task token went nowhere near Slack, and every call matched Slack's spec.
    expect(JSON.stringify(slack.calls())).not.toContain(request.token);
    expect(JSON.stringify(slack.messages(CHANNEL))).not.toContain(request.token);
    expect(slack.contractViolations()).toEqual([]);
  });

  it("refuses a non-approver's press to them alone and records nothing; an email link then settles it and Slack shows that", async () => {
    const slack = signoff.slack();
    const subject = subjectOf("Rotate keys");
    const { executionArn, approvalId, message } = await requestInSlack(subject);
    const before = await snapshot(approvalId);
    const eventsBefore = await signoff.runtime().deps.store.listEvents(approvalId);

    // 1. Someone in the workspace who is not an approver presses Approve.
    const outsiderId = slack.userByEmail(OUTSIDER)!.id;
    const press = await slack.pressButton({
      user: OUTSIDER,
      channel: CHANNEL,
      ts: message.ts,
      actionId: SlackActionId.approve,
    });
    expect(press.status).toBe(200);
    const refusal = await pollUntil("the outsider's ephemeral refusal", async () =>
      slack.ephemerals(outsiderId).find((e) => e.text.includes("not an approver")),
    );
    expect(refusal.channel).toBe(CHANNEL);
    // Only they saw it, and the channel message is untouched.
    expect(
      slack
        .ephemerals()
        .filter((e) => e.text.includes("not an approver"))
        .map((e) => e.user),
    ).toEqual([outsiderId]);
    expect(await snapshot(approvalId)).toEqual(before);
    expect(await signoff.runtime().deps.store.listEvents(approvalId)).toEqual(eventsBefore);
    expect(await signoff.statusOf(executionArn)).toBe("RUNNING");
    expect(hasButtons(slack.messages(CHANNEL).find((m) => m.ts === message.ts)!)).toBe(true);

    // 2. Bob rejects by email link: every Slack message follows.
    const links = await signoff.linksFor(BOB, subject);
    const page = await signoff.decide(links.reject, "reject", "Not this week");
    expect(page.status).toBe(200);
    const end = await signoff.waitForExecution(executionArn);
    expect(end).toMatchObject({ status: "FAILED", error: "Approval.Rejected" });
    const settled = await snapshot(approvalId);
    for (const ref of settled.slackMessages!) {
      const updated = await pollUntil(`message ${ref.ts} updated`, async () =>
        slack.messages(ref.channel).find((m) => m.ts === ref.ts && !hasButtons(m)),
      );
      expect(textOf(updated)).toContain("*Rejected* at");
      expect(textOf(updated)).toContain(`Rejected by ${BOB} (link`);
      expect(textOf(updated)).toContain("Not this week");
    }

    // 3. A late press on a message is refused and records nothing.
    const late = await slack
      .pressButton({
        user: ALICE,
        channel: slack.dmChannelFor(slack.userByEmail(ALICE)!.id),
        ts: settled.slackMessages!.find((m) => m.to === ALICE)!.ts,
        actionId: SlackActionId.approve,
      })
      .catch((error: Error) => error);
    // The stand-in has no button left to press there: the update removed it.
    expect(late).toBeInstanceOf(Error);
    expect((await snapshot(approvalId)).decisions[ALICE]).toBeUndefined();
  });

  it("answers 401 to unsigned, forged and stale requests, and changes nothing", async () => {
    const slack = signoff.slack();
    const subject = subjectOf("Forged clicks");
    const { executionArn, approvalId, message } = await requestInSlack(subject);
    const before = await snapshot(approvalId);
    const url = `${signoff.apiUrl}/slack/interactions`;

    // A payload exactly like a real press by an approver.
    const payload = {
      type: "block_actions",
      user: { id: slack.userByEmail(ALICE)!.id },
      channel: { id: CHANNEL },
      container: { type: "message", channel_id: CHANNEL, message_ts: message.ts },
      actions: [
        {
          action_id: SlackActionId.approve,
          value: JSON.stringify({ approvalId, decision: "approve" }),
          type: "button",
        },
      ],
    };
    const body = new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
    const now = String(Math.floor(Date.now() / 1000));
    const post = (headers: Record<string, string>, sent = body) =>
      fetch(url, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded", ...headers },
        body: sent,
      });

    const attempts: Array<[string, Response]> = [
      ["unsigned", await post({})],
      [
        "signed with another secret",
        await post({
          "x-slack-request-timestamp": now,
          "x-slack-signature": signSlackRequest("guessed-secret", now, body),
        }),
      ],
      [
        "stale (6 minutes old)",
        await post({
          "x-slack-request-timestamp": String(Number(now) - 360),
          "x-slack-signature": signSlackRequest(
            slack.signingSecret,
            String(Number(now) - 360),
            body,
          ),
        }),
      ],
      [
        "from the future (6 minutes ahead)",
        await post({
          "x-slack-request-timestamp": String(Number(now) + 360),
          "x-slack-signature": signSlackRequest(
            slack.signingSecret,
            String(Number(now) + 360),
            body,
          ),
        }),
      ],
      [
        "body changed after signing",
        await post(
          {
            "x-slack-request-timestamp": now,
            "x-slack-signature": signSlackRequest(slack.signingSecret, now, body),
          },
          body.replace("approve", "reject"),
        ),
      ],
    ];
    for (const [what, response] of attempts) {
      expect(response.status, what).toBe(401);
      expect(await response.text(), what).toBe("");
    }
    expect(await snapshot(approvalId)).toEqual(before);
    expect(await signoff.statusOf(executionArn)).toBe("RUNNING");

    // The same body, properly signed, is what decides: the 401s were the signature's doing.
    const signed = await post({
      "x-slack-request-timestamp": now,
      "x-slack-signature": signSlackRequest(slack.signingSecret, now, body),
    });
    expect(signed.status).toBe(200);
    expect((await signoff.waitForExecution(executionArn)).status).toBe("SUCCEEDED");
  });

  it("threads a reminder under the message, and shows a deadline's outcome and a cancellation", async () => {
    const slack = signoff.slack();
    const machine = await signoff.createStateMachine(
      `slack-deadline-${randomUUID().slice(0, 8)}`,
      approvalWorkflow({ fields: ["slack", "onTimeout", "reminders"], catchErrors: false }),
    );

    // 1. Four seconds to decide, a reminder halfway, and the deadline rejects.
    const late = await signoff.startExecution(machine, {
      approvers: [ALICE, BOB],
      subject: subjectOf("Nobody answers"),
      timeoutSeconds: 4,
      onTimeout: "reject",
      reminders: { at: [0.5] },
      slack: { channel: CHANNEL },
    });
    const lateId = (
      await pollUntil("the request", async () =>
        signoff.requests.find((r) => r.payload.executionArn === late && r.result),
      )
    ).result!.approvalId;
    const message = await messageFor(CHANNEL, lateId);
    const reminder = await pollUntil("a threaded reminder", async () =>
      slack.messages(CHANNEL).find((m) => m.threadTs === message.ts),
    );
    expect(reminder.text).toContain("Reminder: still waiting for a decision from");
    expect(reminder.text).toContain(ALICE);
    expect(await signoff.waitForExecution(late, 20_000)).toMatchObject({
      status: "FAILED",
      error: "Approval.Rejected",
    });
    const expired = await pollUntil("the message updated by the deadline", async () =>
      slack.messages(CHANNEL).find((m) => m.ts === message.ts && !hasButtons(m)),
    );
    expect(textOf(expired)).toContain("*Rejected* at");

    // 2. An execution stopped while waiting: its message says it is no longer needed.
    const stopped = await signoff.startExecution(machine, {
      approvers: [ALICE],
      subject: subjectOf("Stopped midway"),
      timeoutSeconds: 600,
      onTimeout: "fail",
      reminders: { at: [] },
      slack: { channel: CHANNEL },
    });
    const stoppedId = (
      await pollUntil("the request", async () =>
        signoff.requests.find((r) => r.payload.executionArn === stopped && r.result),
      )
    ).result!.approvalId;
    const waiting = await messageFor(CHANNEL, stoppedId);
    await signoff.stopExecution(stopped);
    const cancelled = await pollUntil("the message updated by the cancellation", async () =>
      slack.messages(CHANNEL).find((m) => m.ts === waiting.ts && !hasButtons(m)),
    );
    expect(textOf(cancelled)).toContain("Cancelled: no longer needed");
    expect(slack.contractViolations()).toEqual([]);
  });
  it("a press on a message the approval has not recorded yet (pressed before the request's write) is brought up to date too", async () => {
    const slack = signoff.slack();
    const subject = subjectOf("Early press");
    const { executionArn, approvalId, message } = await requestInSlack(subject);
    // The same message posted where the approval has no record of it: as if pressed before the
    // request function's write recorded (channel, ts).
    const response = await fetch(`${slack.apiUrl}chat.postMessage`, {
      method: "POST",
      headers: {
        authorization: `Bearer ${slack.botToken}`,
        "content-type": "application/json; charset=utf-8",
      },
      body: JSON.stringify({ channel: CHANNEL, text: "copy", blocks: message.blocks }),
    });
    const copy = (await response.json()) as { ok: boolean; ts: string };
    expect(copy.ok).toBe(true);
    expect((await snapshot(approvalId)).slackMessages).not.toContainEqual(
      expect.objectContaining({ ts: copy.ts }),
    );
    const press = await slack.pressButton({
      user: ALICE,
      channel: CHANNEL,
      ts: copy.ts,
      actionId: SlackActionId.approve,
    });
    expect(press.status).toBe(200);
    expect((await signoff.waitForExecution(executionArn)).status).toBe("SUCCEEDED");
    const updated = await pollUntil("the pressed copy updated", async () =>
      slack.messages(CHANNEL).find((m) => m.ts === copy.ts && !hasButtons(m)),
    );
    expect(textOf(updated)).toContain(`Approved by ${ALICE}`);
  });

  it("a decision that asks for answers opens a modal; problems come back under its inputs, and a valid submission decides with the response", async () => {
    const slack = signoff.slack();
    const { executionArn, approvalId, message } = await requestFormInSlack(
      subjectOf("Form in Slack"),
    );
    const aliceId = slack.userByEmail(ALICE)!.id;
    const before = await snapshot(approvalId);

    // Pressing Approve opens the approve fields in a modal, and records nothing yet.
    const press = await slack.pressButton({
      user: ALICE,
      channel: CHANNEL,
      ts: message.ts,
      actionId: SlackActionId.approve,
    });
    expect(press.status).toBe(200);
    const opened = slack.views().filter((v) => v.user === aliceId);
    expect(opened).toHaveLength(1);
    const modal = opened[0]!;
    expect(modal.view).toMatchObject({ type: "modal", title: { text: "Approve request" } });
    expect(inputsOf(modal.view)).toEqual([
      { block: "amount", type: "number_input", optional: false },
      { block: "tier", type: "static_select", optional: true },
      { block: "checked", type: "checkboxes", optional: false },
    ]);
    expect(await snapshot(approvalId)).toEqual(before);

    // A modified client sends what Slack's own would not: signoff refuses it under the inputs.
    const refused = await slack.submitView({
      user: ALICE,
      values: { amount: "500", tier: "standard", checked: false },
      skipClientChecks: true,
    });
    expect(refused.delivery.status).toBe(200);
    expect(refused.outcome).toEqual({
      action: "errors",
      errors: { amount: "This must be at most 100.", checked: "This must be checked." },
    });
    expect(await snapshot(approvalId)).toEqual(before);
    expect(await signoff.statusOf(executionArn)).toBe("RUNNING");

    // Slack's client checks these too, so the stand-in will not even send them.
    await expect(
      slack.submitView({ user: ALICE, values: { amount: "500", checked: true } }),
    ).rejects.toThrow(/amount: above 100/);

    const submitted = await slack.submitView({
      user: ALICE,
      values: { amount: "42", tier: "priority", checked: true },
    });
    expect(submitted.outcome).toEqual({ action: "closed" });
    const end = await signoff.waitForExecution(executionArn);
    expect(end.status).toBe("SUCCEEDED");
    expect(end.output).toMatchObject({
      approvalId,
      outcome: "approved",
      decisions: [
        {
          approver: ALICE,
          decision: "approve",
          channel: "slack",
          response: { amount: 42, tier: "priority", checked: true },
        },
      ],
    });
    await pollUntil("Alice told her approval is recorded", async () =>
      slack.ephemerals(aliceId).find((e) => e.text.startsWith("Your approval is recorded")),
    );
    const updated = await pollUntil("the message without buttons", async () =>
      slack.messages(CHANNEL).find((m) => m.ts === message.ts && !hasButtons(m)),
    );
    expect(textOf(updated)).toContain(`Approved by ${ALICE}`);
    expect(slack.contractViolations()).toEqual([]);
  });

  it("a non-approver's press opens no modal; a modal submitted after the request settled says so and records nothing", async () => {
    const slack = signoff.slack();
    const { executionArn, approvalId, message } = await requestFormInSlack(
      subjectOf("Form refusals"),
    );
    const outsiderId = slack.userByEmail(OUTSIDER)!.id;
    const bobId = slack.userByEmail(BOB)!.id;

    await slack.pressButton({
      user: OUTSIDER,
      channel: CHANNEL,
      ts: message.ts,
      actionId: SlackActionId.approve,
    });
    const refusal = await pollUntil("the outsider's private refusal", async () =>
      slack.ephemerals(outsiderId).find((e) => e.text.includes("not an approver")),
    );
    expect(refusal.text).toContain("was not recorded");
    expect(slack.views().filter((v) => v.user === outsiderId)).toEqual([]);

    // Bob opens the reject form (its own field), then Alice approves first from hers.
    await slack.pressButton({
      user: BOB,
      channel: CHANNEL,
      ts: message.ts,
      actionId: SlackActionId.reject,
    });
    const bobs = slack.views().find((v) => v.user === bobId)!;
    expect(inputsOf(bobs.view).map((input) => input.block)).toEqual(["reason"]);
    await slack.pressButton({
      user: ALICE,
      channel: CHANNEL,
      ts: message.ts,
      actionId: SlackActionId.approve,
    });
    await slack.submitView({ user: ALICE, values: { amount: 7, checked: true } });
    expect((await signoff.waitForExecution(executionArn)).status).toBe("SUCCEEDED");
    const settled = await snapshot(approvalId);

    const late = await slack.submitView({ user: BOB, values: { reason: "too expensive" } });
    expect(late.outcome).toEqual({ action: "update" });
    expect(JSON.stringify(late.view.view)).toContain("already settled");
    expect(late.view.view.submit).toBeUndefined();
    expect(await snapshot(approvalId)).toEqual(settled);
  });
});

/** A request asking for Slack with a form: approve asks three fields, reject one. */
async function requestFormInSlack(subject: string) {
  formMachine ??= signoff.createStateMachine(
    `slack-form-${randomUUID().slice(0, 8)}`,
    approvalWorkflow({ fields: ["details", "requestedBy", "slack", "form"], catchErrors: false }),
  );
  return requestInSlack(
    subject,
    {
      details: { change: "raise the limit" },
      slack: { channel: CHANNEL },
      form: [
        { name: "amount", type: "number", required: true, min: 1, max: 100, integer: true },
        { name: "tier", type: "select", options: ["standard", "priority"] },
        { name: "checked", type: "boolean", label: "I checked the budget", required: true },
        { name: "reason", type: "text", required: true, for: ["reject"] },
      ],
    },
    await formMachine,
  );
}

let formMachine: Promise<string> | undefined;

/** A modal's inputs: block id, element type, and whether Slack lets it be left empty. */
function inputsOf(view: Record<string, unknown>) {
  return (
    view.blocks as {
      type: string;
      block_id?: string;
      optional?: boolean;
      element?: { type: string };
    }[]
  )
    .filter((block) => block.type === "input")
    .map((block) => ({
      block: block.block_id,
      type: block.element?.type,
      optional: block.optional === true,
    }));
}

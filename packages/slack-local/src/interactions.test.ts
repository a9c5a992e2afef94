import { createHmac, timingSafeEqual } from "node:crypto";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startReceiver } from "./receiver.test-support.ts";
import { type SlackStandIn, startSlackStandIn } from "./stand-in.ts";
import { APPROVAL_BLOCKS, callApi, openModalAfterPress } from "./test-helpers.ts";

let now = Date.parse("2026-12-05T12:00:00Z");
let slack: SlackStandIn;
let receiver: Awaited<ReturnType<typeof startReceiver>>;
beforeAll(async () => {
  receiver = await startReceiver({ status: 200, body: "acknowledged" });
  slack = await startSlackStandIn({ interactivityUrl: receiver.url, clock: () => new Date(now) });
});
afterAll(async () => {
  await slack.close();
  await receiver.close();
});
beforeEach(() => {
  slack.reset();
  receiver.received.length = 0;
});

async function postApproval(channel = "C0APPROVALS") {
  const { body } = await callApi(slack, "chat.postMessage", {
    channel,
    text: "Deploy?",
    blocks: JSON.stringify(APPROVAL_BLOCKS),
  });
  return { channel: body.channel as string, ts: body.ts as string };
}

/**
 * Slack's documented check, written out here independently of the stand-in's signer:
 * HMAC-SHA256 of `v0:{timestamp}:{raw body}` with the signing secret, hex, after `v0=`.
 */
function verifiesAsSlackDocuments(
  secret: string,
  timestamp: string,
  body: string,
  signature: string,
) {
  const expected = Buffer.from(
    `v0=${createHmac("sha256", secret).update(`v0:${timestamp}:${body}`).digest("hex")}`,
  );
  const given = Buffer.from(signature);
  return expected.length === given.length && timingSafeEqual(expected, given);
}

describe("pressButton", () => {
  it("delivers a block_actions payload, form-encoded and signed exactly as Slack documents", async () => {
    const message = await postApproval();
    const delivery = await slack.pressButton({
      user: "bob@example.com",
      ...message,
      actionId: "approve",
    });
    expect(delivery).toMatchObject({ status: 200, body: "acknowledged" });

    expect(receiver.received).toHaveLength(1);
    const [request] = receiver.received;
    expect(request!.method).toBe("POST");
    expect(request!.headers["content-type"]).toBe("application/x-www-form-urlencoded");
    const timestamp = request!.headers["x-slack-request-timestamp"] as string;
    expect(timestamp).toBe(String(Math.floor(now / 1000)));
    const signature = request!.headers["x-slack-signature"] as string;
    expect(signature).toMatch(/^v0=[0-9a-f]{64}$/);
    expect(verifiesAsSlackDocuments(slack.signingSecret, timestamp, request!.body, signature)).toBe(
      true,
    );
    // The signature covers the body: one changed byte, or another secret, and it no longer verifies.
    expect(
      verifiesAsSlackDocuments(slack.signingSecret, timestamp, `${request!.body} `, signature),
    ).toBe(false);
    expect(verifiesAsSlackDocuments("another-secret", timestamp, request!.body, signature)).toBe(
      false,
    );

    const form = new URLSearchParams(request!.body);
    expect([...form.keys()]).toEqual(["payload"]);
    const payload = JSON.parse(form.get("payload")!);
    expect(payload).toEqual(delivery.payload);
    expect(payload).toMatchObject({
      type: "block_actions",
      user: { id: "U0BOB00000", username: "bob", name: "bob", team_id: slack.teamId },
      api_app_id: slack.appId,
      team: { id: slack.teamId, domain: expect.any(String) },
      container: {
        type: "message",
        message_ts: message.ts,
        channel_id: "C0APPROVALS",
        is_ephemeral: false,
      },
      channel: { id: "C0APPROVALS", name: "approvals" },
      message: {
        type: "message",
        ts: message.ts,
        text: "Deploy?",
        bot_id: expect.stringMatching(/^B/),
      },
      actions: [
        {
          action_id: "approve",
          block_id: "decide",
          value: "approval-1",
          type: "button",
          style: "primary",
          text: { type: "plain_text", text: "Approve" },
          action_ts: expect.stringMatching(/^\d{10}\.\d{6}$/),
        },
      ],
    });
    expect(payload.trigger_id).toEqual(expect.any(String));
    expect(payload.response_url).toMatch(new RegExp(`^${slack.url}/actions/`));
    // As in Slack, the payload carries no email: the app asks users.info.
    expect(JSON.stringify(payload)).not.toContain("@example.com");
  });

  it("presses buttons of a DM, named by the user's ID", async () => {
    const message = await postApproval("U0ALICE000");
    const delivery = await slack.pressButton({
      user: "U0ALICE000",
      channel: "U0ALICE000",
      ts: message.ts,
      actionId: "reject",
    });
    expect(delivery.payload).toMatchObject({
      channel: { id: "D0ALICE000", name: "directmessage" },
      actions: [{ action_id: "reject" }],
    });
  });

  it("returns the app's status and body, and status 0 when nothing answers", async () => {
    const refusing = await startReceiver({ status: 401, body: "bad signature" });
    const message = await postApproval();
    slack.setInteractivityUrl(refusing.url);
    try {
      const refused = await slack.pressButton({
        user: "U0BOB00000",
        ...message,
        actionId: "approve",
      });
      expect(refused).toMatchObject({ status: 401, body: "bad signature" });
      await refusing.close();
      const unanswered = await slack.pressButton({
        user: "U0BOB00000",
        ...message,
        actionId: "approve",
      });
      expect(unanswered.status).toBe(0);
    } finally {
      slack.setInteractivityUrl(receiver.url);
    }
    expect(slack.deliveries().map((d) => d.status)).toEqual([401, 0]);
  });

  it("throws for a button, message or person that does not exist, delivering nothing", async () => {
    const message = await postApproval();
    await expect(
      slack.pressButton({ user: "U0BOB00000", ...message, actionId: "nope" }),
    ).rejects.toThrow(/no button/);
    await expect(
      slack.pressButton({
        user: "U0BOB00000",
        channel: "C0APPROVALS",
        ts: "1700000000.000000",
        actionId: "approve",
      }),
    ).rejects.toThrow(/no button/);
    await expect(
      slack.pressButton({ user: "eve@example.com", ...message, actionId: "approve" }),
    ).rejects.toThrow(/no user/);
    expect(receiver.received).toEqual([]);
  });
});

describe("after a press", () => {
  it("lets the app replace the message through response_url", async () => {
    const message = await postApproval();
    const delivery = await slack.pressButton({
      user: "U0BOB00000",
      ...message,
      actionId: "approve",
    });
    const response = await fetch(delivery.payload.response_url as string, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ replace_original: true, text: "Approved by bob" }),
    });
    expect(response.status).toBe(200);
    expect(slack.messages("C0APPROVALS")).toMatchObject([
      { ts: message.ts, text: "Approved by bob", updates: 1 },
    ]);
    // An ephemeral answer reaches only the person who pressed.
    await fetch(delivery.payload.response_url as string, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ text: "Only you see this" }),
    });
    expect(slack.ephemerals("U0BOB00000")).toMatchObject([{ text: "Only you see this" }]);
    expect(slack.ephemerals("U0ALICE000")).toEqual([]);
  });

  it("exchanges the trigger_id for a modal once, within Slack's 3 seconds", async () => {
    const message = await postApproval();
    const view = JSON.stringify({
      type: "modal",
      title: { type: "plain_text", text: "Why?" },
      blocks: [],
    });
    const first = await slack.pressButton({ user: "U0BOB00000", ...message, actionId: "approve" });
    const trigger = first.payload.trigger_id as string;
    expect((await callApi(slack, "views.open", { trigger_id: trigger, view })).body).toMatchObject({
      ok: true,
      view: { type: "modal", title: { text: "Why?" } },
    });
    expect((await callApi(slack, "views.open", { trigger_id: trigger, view })).body.error).toBe(
      "exchanged_trigger_id",
    );
    expect(slack.views()).toMatchObject([
      { user: "U0BOB00000", view: { title: { text: "Why?" } } },
    ]);

    const second = await slack.pressButton({ user: "U0BOB00000", ...message, actionId: "approve" });
    now += 3_001;
    const late = await callApi(slack, "views.open", {
      trigger_id: second.payload.trigger_id as string,
      view,
    });
    expect(late.body.error).toBe("expired_trigger_id");
    expect((await callApi(slack, "views.open", { trigger_id: "made-up", view })).body.error).toBe(
      "invalid_trigger_id",
    );
    expect(slack.views()).toHaveLength(1);
    expect(slack.contractViolations()).toEqual([]);
  });
});

describe("submitView", () => {
  // An empty 200 is how an app closes a modal it accepted.
  beforeEach(() => {
    receiver.answer.body = "";
  });
  afterEach(() => {
    receiver.answer.status = 200;
    receiver.answer.body = "acknowledged";
  });
  const FORM_VIEW = {
    type: "modal",
    callback_id: "decide",
    private_metadata: '{"a":"x"}',
    title: { type: "plain_text", text: "Approve request" },
    submit: { type: "plain_text", text: "Approve" },
    blocks: [
      { type: "section", text: { type: "mrkdwn", text: "*Deploy?*" } },
      {
        type: "input",
        block_id: "amount",
        label: { type: "plain_text", text: "Amount" },
        element: {
          type: "number_input",
          action_id: "value",
          is_decimal_allowed: false,
          min_value: "1",
          max_value: "100",
        },
      },
      {
        type: "input",
        block_id: "note",
        optional: true,
        label: { type: "plain_text", text: "Note" },
        element: { type: "plain_text_input", action_id: "value", max_length: 5 },
      },
      {
        type: "input",
        block_id: "tier",
        optional: true,
        label: { type: "plain_text", text: "Tier" },
        element: {
          type: "static_select",
          action_id: "value",
          options: [
            { text: { type: "plain_text", text: "Standard" }, value: "standard" },
            { text: { type: "plain_text", text: "Priority" }, value: "priority" },
          ],
        },
      },
      {
        type: "input",
        block_id: "ok",
        label: { type: "plain_text", text: "Checked" },
        element: {
          type: "checkboxes",
          action_id: "value",
          options: [{ text: { type: "plain_text", text: "Checked" }, value: "true" }],
        },
      },
    ],
  };

  async function openFormView() {
    const message = await postApproval();
    const press = { user: "U0BOB00000", ...message, actionId: "approve" };
    const viewId = await openModalAfterPress(slack, press, FORM_VIEW);
    receiver.received.length = 0;
    return viewId;
  }

  it("delivers a view_submission with the state Slack's client builds, signed as a press is", async () => {
    const viewId = await openFormView();
    const submitted = await slack.submitView({
      user: "bob@example.com",
      values: { amount: 42, tier: "Priority", ok: true },
    });
    expect(submitted.outcome).toEqual({ action: "closed" });
    expect(receiver.received).toHaveLength(1);
    const [delivered] = receiver.received;
    const timestamp = delivered!.headers["x-slack-request-timestamp"] as string;
    expect(
      verifiesAsSlackDocuments(
        slack.signingSecret,
        timestamp,
        delivered!.body,
        delivered!.headers["x-slack-signature"] as string,
      ),
    ).toBe(true);
    const payload = JSON.parse(new URLSearchParams(delivered!.body).get("payload")!);
    expect(payload).toMatchObject({
      type: "view_submission",
      user: { id: "U0BOB00000" },
      view: {
        id: viewId,
        callback_id: "decide",
        private_metadata: '{"a":"x"}',
        state: {
          values: {
            amount: { value: { type: "number_input", value: "42" } },
            note: { value: { type: "plain_text_input", value: null } },
            tier: {
              value: {
                type: "static_select",
                selected_option: { value: "priority", text: { text: "Priority" } },
              },
            },
            ok: { value: { type: "checkboxes", selected_options: [{ value: "true" }] } },
          },
        },
      },
    });
    expect(slack.views()[0]).toMatchObject({ id: viewId, closed: true });
    await expect(slack.submitView({ user: "U0BOB00000", values: {} })).rejects.toThrow(
      /no open modal/,
    );
  });

  it("refuses to send what Slack's client would not, unless told to skip its checks", async () => {
    await openFormView();
    await expect(
      slack.submitView({
        user: "U0BOB00000",
        values: { amount: "1.5", note: "too long", ok: false },
      }),
    ).rejects.toThrow(/amount: not a whole number; note: longer than 5 characters; ok: required/);
    await expect(
      slack.submitView({ user: "U0BOB00000", values: { amount: 3, ok: true, tier: "gold" } }),
    ).rejects.toThrow(/tier: not one of the options/);
    await expect(
      slack.submitView({ user: "U0BOB00000", values: { amount: 3, ok: true, extra: "x" } }),
    ).rejects.toThrow(/extra: the modal has no such input/);
    await expect(
      slack.submitView({ user: "U0ALICE000", values: { amount: 3, ok: true } }),
    ).rejects.toThrow(/no open modal/);
    expect(receiver.received).toEqual([]);

    const forced = await slack.submitView({
      user: "U0BOB00000",
      values: { amount: "500" },
      skipClientChecks: true,
    });
    expect(forced.delivery.status).toBe(200);
    const payload = JSON.parse(new URLSearchParams(receiver.received[0]!.body).get("payload")!);
    expect(payload.view.state.values.amount.value.value).toBe("500");
    expect(payload.view.state.values.ok.value.selected_options).toEqual([]);
  });

  it("applies the app's answer: errors keep the modal open, update replaces it, a failure keeps it", async () => {
    const viewId = await openFormView();
    receiver.answer.body = JSON.stringify({
      response_action: "errors",
      errors: { amount: "Too much." },
    });
    const errors = await slack.submitView({
      user: "U0BOB00000",
      values: { amount: 9, ok: true },
    });
    expect(errors.outcome).toEqual({ action: "errors", errors: { amount: "Too much." } });
    expect(errors.view).toMatchObject({
      id: viewId,
      closed: false,
      errors: { amount: "Too much." },
    });

    receiver.answer.status = 500;
    const failed = await slack.submitView({
      user: "U0BOB00000",
      values: { amount: 9, ok: true },
    });
    expect(failed.outcome).toEqual({ action: "failed" });
    expect(failed.view.closed).toBe(false);

    receiver.answer.status = 200;
    receiver.answer.body = "acknowledged"; // a 200 that is neither empty nor JSON
    const unreadable = await slack.submitView({
      user: "U0BOB00000",
      values: { amount: 9, ok: true },
    });
    expect(unreadable.outcome).toEqual({ action: "failed" });
    receiver.answer.body = JSON.stringify({
      response_action: "update",
      view: { type: "modal", title: { type: "plain_text", text: "Not recorded" }, blocks: [] },
    });
    const updated = await slack.submitView({
      user: "U0BOB00000",
      values: { amount: 9, ok: true },
    });
    expect(updated.outcome).toEqual({ action: "update" });
    expect(updated.view).toMatchObject({
      closed: false,
      errors: {},
      view: { title: { text: "Not recorded" } },
    });
  });
});

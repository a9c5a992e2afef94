import { ErrorCode, WebClient } from "@slack/web-api";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startReceiver } from "./receiver.test-support.ts";
import { type SlackStandIn, startSlackStandIn } from "./stand-in.ts";
import { APPROVAL_BLOCKS } from "./test-helpers.ts";

// Slack's own Node client (@slack/web-api, the one signoff uses) against the stand-in: every
// method works through it, its errors come out as Slack platform errors, and what it sends keeps
// to Slack's spec.

let slack: SlackStandIn;
let receiver: Awaited<ReturnType<typeof startReceiver>>;
let client: WebClient;
beforeAll(async () => {
  receiver = await startReceiver();
  slack = await startSlackStandIn({ interactivityUrl: receiver.url });
  client = new WebClient(slack.botToken, {
    slackApiUrl: slack.apiUrl,
    retryConfig: { retries: 0 },
  });
});
afterAll(async () => {
  await slack.close();
  await receiver.close();
});

describe("@slack/web-api against the stand-in", () => {
  it("posts, updates, finds people, opens a DM and a modal", async () => {
    expect(await client.auth.test()).toMatchObject({ ok: true, user_id: slack.botUserId });
    const bob = await client.users.lookupByEmail({ email: "bob@example.com" });
    expect(bob.user?.id).toBe("U0BOB00000");
    expect((await client.users.info({ user: "U0BOB00000" })).user?.profile?.email).toBe(
      "bob@example.com",
    );
    const dm = await client.conversations.open({ users: "U0BOB00000" });
    expect(dm.channel?.id).toBe(slack.dmChannelFor("U0BOB00000"));

    const posted = await client.chat.postMessage({
      channel: dm.channel!.id!,
      text: "Deploy?",
      blocks: APPROVAL_BLOCKS as never,
    });
    expect(posted).toMatchObject({ ok: true, channel: dm.channel!.id });
    const updated = await client.chat.update({
      channel: posted.channel!,
      ts: posted.ts!,
      text: "Approved",
    });
    expect(updated).toMatchObject({ ok: true, ts: posted.ts, text: "Approved" });
    expect(
      await client.chat.postEphemeral({ channel: "C0APPROVALS", user: "U0BOB00000", text: "hi" }),
    ).toMatchObject({
      ok: true,
    });

    const press = await slack.pressButton({
      user: "U0BOB00000",
      channel: "U0BOB00000",
      ts: posted.ts!,
      actionId: "approve",
    });
    const opened = await client.views.open({
      trigger_id: press.payload.trigger_id as string,
      view: { type: "modal", title: { type: "plain_text", text: "Why?" }, blocks: [] },
    });
    expect(opened.view?.id).toMatch(/^V/);
    expect(slack.contractViolations()).toEqual([]);
  });

  it("turns ok:false into the client's platform error with Slack's code", async () => {
    const failure = await client.chat.postMessage({ channel: "C0NOTHERE00", text: "x" }).then(
      () => undefined,
      (error: unknown) => error as { code?: string; data?: { error?: string } },
    );
    expect(failure?.code).toBe(ErrorCode.PlatformError);
    expect(failure?.data?.error).toBe("channel_not_found");

    const wrongToken = new WebClient("xoxb-wrong", {
      slackApiUrl: slack.apiUrl,
      retryConfig: { retries: 0 },
    });
    const refused = await wrongToken.auth.test().then(
      () => undefined,
      (error: unknown) => error as { data?: { error?: string } },
    );
    expect(refused?.data?.error).toBe("invalid_auth");
  });
});

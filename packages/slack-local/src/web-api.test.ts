import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type SlackStandIn, startSlackStandIn } from "./stand-in.ts";
import { APPROVAL_BLOCKS, callApi } from "./test-helpers.ts";

let slack: SlackStandIn;
beforeAll(async () => {
  slack = await startSlackStandIn();
});
afterAll(() => slack.close());
beforeEach(() => slack.reset());

// Invariant for every test: the stand-in kept to Slack's published contract on every call.
const expectNoViolations = () => expect(slack.contractViolations()).toEqual([]);

describe("authentication", () => {
  it("refuses a call without a token as not_authed and a wrong token as invalid_auth, HTTP 200 like Slack", async () => {
    const missing = await callApi(slack, "auth.test", {}, null);
    expect(missing).toEqual({ status: 200, body: { ok: false, error: "not_authed" } });
    const wrong = await callApi(
      slack,
      "chat.postMessage",
      { channel: "C0APPROVALS", text: "x" },
      "xoxb-wrong",
    );
    expect(wrong).toEqual({ status: 200, body: { ok: false, error: "invalid_auth" } });
    expect(slack.messages()).toEqual([]);
    expectNoViolations();
  });

  it("accepts the token as a form argument too, as Slack does", async () => {
    const response = await callApi(slack, "auth.test", { token: slack.botToken }, null);
    expect(response.body).toMatchObject({
      ok: true,
      user_id: slack.botUserId,
      team_id: slack.teamId,
    });
  });

  it("answers unknown methods with unknown_method", async () => {
    expect((await callApi(slack, "chat.delete", {})).body).toEqual({
      ok: false,
      error: "unknown_method",
    });
  });
});

describe("chat.postMessage and chat.update", () => {
  it("posts to a channel with form-encoded blocks and returns channel, ts and the message", async () => {
    const { body } = await callApi(slack, "chat.postMessage", {
      channel: "C0APPROVALS",
      text: "Deploy?",
      blocks: JSON.stringify(APPROVAL_BLOCKS),
    });
    expect(body).toMatchObject({ ok: true, channel: "C0APPROVALS", message: { text: "Deploy?" } });
    expect(body.ts).toMatch(/^\d{10}\.\d{6}$/);
    const [stored] = slack.messages("C0APPROVALS");
    expect(stored).toMatchObject({ ts: body.ts, text: "Deploy?", updates: 0 });
    // Blocks without a block_id get one, as Slack assigns them.
    expect(stored!.blocks.every((block) => typeof block.block_id === "string")).toBe(true);
    expectNoViolations();
  });

  it("takes a JSON body with blocks as an array", async () => {
    const response = await fetch(`${slack.apiUrl}chat.postMessage`, {
      method: "POST",
      headers: {
        "content-type": "application/json; charset=utf-8",
        authorization: `Bearer ${slack.botToken}`,
      },
      body: JSON.stringify({ channel: "C0APPROVALS", text: "json", blocks: APPROVAL_BLOCKS }),
    });
    expect(await response.json()).toMatchObject({ ok: true, channel: "C0APPROVALS" });
    expect(slack.messages("C0APPROVALS")[0]!.blocks).toHaveLength(APPROVAL_BLOCKS.length);
  });

  it("posts to a user ID in the user's DM and answers with the D… channel", async () => {
    const alice = slack.userByEmail("alice@example.com")!;
    const { body } = await callApi(slack, "chat.postMessage", { channel: alice.id, text: "hi" });
    expect(body.channel).toBe(slack.dmChannelFor(alice.id));
    expect(body.channel).toMatch(/^D[A-Z0-9]{8,}$/);
    expect(slack.messages(alice.id)).toHaveLength(1);
    expect(slack.messages(slack.dmChannelFor(alice.id))).toHaveLength(1);
    expectNoViolations();
  });

  it("takes a channel's name, with or without #, and answers with its ID", async () => {
    for (const channel of ["#approvals", "approvals"]) {
      const { body } = await callApi(slack, "chat.postMessage", { channel, text: "named" });
      expect(body).toMatchObject({ ok: true, channel: "C0APPROVALS" });
    }
    expect(slack.messages("C0APPROVALS")).toHaveLength(2);
    // Only chat.postMessage does: chat.update wants the ID.
    const ts = slack.messages("C0APPROVALS")[0]!.ts;
    expect(
      (await callApi(slack, "chat.update", { channel: "#approvals", ts, text: "x" })).body.error,
    ).toBe("channel_not_found");
    expectNoViolations();
  });

  it("refuses unknown channels, empty messages and malformed blocks, storing nothing", async () => {
    const refusals = await Promise.all([
      callApi(slack, "chat.postMessage", { channel: "C0NOTHERE00", text: "x" }),
      callApi(slack, "chat.postMessage", { channel: "C0APPROVALS" }),
      callApi(slack, "chat.postMessage", { channel: "C0APPROVALS", blocks: "not json" }),
      callApi(slack, "chat.postMessage", {
        channel: "C0APPROVALS",
        blocks: '[{"text":"no type"}]',
      }),
    ]);
    expect(refusals.map((r) => r.body.error)).toEqual([
      "channel_not_found",
      "no_text",
      "invalid_blocks",
      "invalid_blocks",
    ]);
    expect(slack.messages()).toEqual([]);
    expectNoViolations();
  });

  it("updates a message in place by channel and ts, keeping blocks when only text is given", async () => {
    const posted = await callApi(slack, "chat.postMessage", {
      channel: "C0APPROVALS",
      text: "pending",
      blocks: JSON.stringify(APPROVAL_BLOCKS),
    });
    const ts = posted.body.ts as string;
    const settled = [{ type: "section", text: { type: "mrkdwn", text: "Approved by alice" } }];
    const update = await callApi(slack, "chat.update", {
      channel: "C0APPROVALS",
      ts,
      text: "approved",
      blocks: JSON.stringify(settled),
    });
    expect(update.body).toMatchObject({ ok: true, channel: "C0APPROVALS", ts, text: "approved" });
    const textOnly = await callApi(slack, "chat.update", {
      channel: "C0APPROVALS",
      ts,
      text: "approved!",
    });
    expect(textOnly.body.ok).toBe(true);
    const messages = slack.messages("C0APPROVALS");
    expect(messages).toHaveLength(1);
    expect(messages[0]).toMatchObject({ ts, text: "approved!", updates: 2 });
    expect(messages[0]!.blocks).toMatchObject(settled);
    expectNoViolations();
  });

  it("answers message_not_found for an unknown ts and changes nothing", async () => {
    const posted = await callApi(slack, "chat.postMessage", { channel: "C0APPROVALS", text: "a" });
    const before = structuredClone(slack.messages());
    const update = await callApi(slack, "chat.update", {
      channel: "C0APPROVALS",
      ts: "1700000000.000001",
      text: "b",
    });
    expect(update.body).toEqual({ ok: false, error: "message_not_found" });
    const elsewhere = await callApi(slack, "chat.update", {
      channel: slack.dmChannelFor("U0ALICE000"),
      ts: posted.body.ts as string,
      text: "b",
    });
    expect(elsewhere.body.error).toBe("message_not_found");
    // A DM's message is updated by the DM's ID, not by the user's, as Slack documents.
    const dm = await callApi(slack, "chat.postMessage", { channel: "U0ALICE000", text: "dm" });
    const byUser = await callApi(slack, "chat.update", {
      channel: "U0ALICE000",
      ts: dm.body.ts as string,
      text: "b",
    });
    expect(byUser.body.error).toBe("channel_not_found");
    const byDm = await callApi(slack, "chat.update", {
      channel: dm.body.channel as string,
      ts: dm.body.ts as string,
      text: "b",
    });
    expect(byDm.body.ok).toBe(true);
    expect(slack.messages().filter((m) => m.channel === "C0APPROVALS")).toEqual(before);
    expectNoViolations();
  });

  it("gives every message a distinct, increasing ts", async () => {
    const results = [];
    for (let i = 0; i < 20; i++) {
      results.push(
        (await callApi(slack, "chat.postMessage", { channel: "C0APPROVALS", text: `m${i}` })).body
          .ts as string,
      );
    }
    expect(new Set(results).size).toBe(results.length);
    expect([...results].sort()).toEqual(results);
  });
});

describe("chat.postEphemeral", () => {
  it("keeps the message for its user only, and refuses users outside a DM", async () => {
    const ok = await callApi(slack, "chat.postEphemeral", {
      channel: "C0APPROVALS",
      user: "U0BOB00000",
      text: "only bob",
    });
    expect(ok.body).toMatchObject({ ok: true });
    expect(ok.body.message_ts).toMatch(/^\d{10}\.\d{6}$/);
    expect(slack.ephemerals("U0BOB00000")).toMatchObject([
      { text: "only bob", channel: "C0APPROVALS" },
    ]);
    expect(slack.ephemerals("U0ALICE000")).toEqual([]);
    const notInDm = await callApi(slack, "chat.postEphemeral", {
      channel: slack.dmChannelFor("U0ALICE000"),
      user: "U0BOB00000",
      text: "x",
    });
    expect(notInDm.body).toEqual({ ok: false, error: "user_not_in_channel" });
    expect(slack.messages()).toEqual([]);
    expectNoViolations();
  });
});

describe("users and conversations", () => {
  it("finds a user by email, case-insensitively, with the email in the profile", async () => {
    const { body } = await callApi(slack, "users.lookupByEmail", { email: "Alice@Example.com" });
    expect(body).toMatchObject({
      ok: true,
      user: { id: "U0ALICE000", profile: { email: "alice@example.com" } },
    });
    expect(
      (await callApi(slack, "users.lookupByEmail", { email: "nobody@example.com" })).body,
    ).toEqual({
      ok: false,
      error: "users_not_found",
    });
    expectNoViolations();
  });

  it("describes a user by ID with users.info", async () => {
    const { body } = await callApi(slack, "users.info", { user: "U0BOB00000" });
    expect(body).toMatchObject({
      ok: true,
      user: { id: "U0BOB00000", name: "bob", profile: { email: "bob@example.com" } },
    });
    expect((await callApi(slack, "users.info", { user: "U0NOBODY00" })).body.error).toBe(
      "user_not_found",
    );
    expectNoViolations();
  });

  it("opens a DM once and says so the second time", async () => {
    const first = await callApi(slack, "conversations.open", { users: "U0ALICE000" });
    expect(first.body).toEqual({ ok: true, channel: { id: "D0ALICE000" } });
    const second = await callApi(slack, "conversations.open", {
      users: "U0ALICE000",
      return_im: "true",
    });
    expect(second.body).toMatchObject({
      ok: true,
      already_open: true,
      channel: { id: "D0ALICE000", is_im: true, user: "U0ALICE000" },
    });
    expect((await callApi(slack, "conversations.open", { users: "U0NOBODY00" })).body.error).toBe(
      "user_not_found",
    );
    expect((await callApi(slack, "conversations.open", {})).body.error).toBe(
      "users_list_not_supplied",
    );
    expectNoViolations();
  });
});

describe("contract violations", () => {
  it("lists arguments Slack's spec does not know, so a client's drift shows", async () => {
    await callApi(slack, "chat.postMessage", { channel: "C0APPROVALS", text: "x", colour: "red" });
    expect(slack.contractViolations()).toEqual([
      'chat.postMessage was given "colour", which Slack\'s spec does not list',
    ]);
  });
});

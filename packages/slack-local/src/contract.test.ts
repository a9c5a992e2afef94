import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { contractFor, SPEC_PATH } from "./contract.ts";
import { IMPLEMENTED_METHODS, type SlackMethod } from "./methods.ts";
import { startReceiver } from "./receiver.test-support.ts";
import { type SlackStandIn, startSlackStandIn } from "./stand-in.ts";
import { APPROVAL_BLOCKS, callApi } from "./test-helpers.ts";

// The stand-in against Slack's published spec (spec/slack-web-api.json): every method's answers
// must match the spec's response schemas, and a call missing an argument the spec requires must
// be refused with one of the error codes the spec lists for that method.

let slack: SlackStandIn;
let receiver: Awaited<ReturnType<typeof startReceiver>>;
beforeAll(async () => {
  receiver = await startReceiver();
  slack = await startSlackStandIn({ interactivityUrl: receiver.url });
});
afterAll(async () => {
  await slack.close();
  await receiver.close();
});

/** A fresh trigger_id, as an interaction hands one out. */
async function freshTrigger(): Promise<string> {
  const { body } = await callApi(slack, "chat.postMessage", {
    channel: "C0APPROVALS",
    text: "t",
    blocks: JSON.stringify(APPROVAL_BLOCKS),
  });
  const delivery = await slack.pressButton({
    user: "U0ALICE000",
    channel: "C0APPROVALS",
    ts: body.ts as string,
    actionId: "approve",
  });
  return delivery.payload.trigger_id as string;
}

/** A valid call of each method, built only from argument names the spec lists. */
async function validArgs(method: SlackMethod): Promise<Record<string, string>> {
  switch (method) {
    case "auth.test":
      return {};
    case "chat.postMessage":
      return { channel: "C0APPROVALS", text: "Deploy?", blocks: JSON.stringify(APPROVAL_BLOCKS) };
    case "chat.update": {
      const { body } = await callApi(slack, "chat.postMessage", {
        channel: "U0BOB00000",
        text: "a",
      });
      return {
        channel: body.channel as string,
        ts: body.ts as string,
        text: "b",
        blocks: JSON.stringify(APPROVAL_BLOCKS),
      };
    }
    case "chat.postEphemeral":
      return { channel: "C0APPROVALS", user: "U0BOB00000", text: "only you" };
    case "conversations.open":
      return { users: "U0ALICE000", return_im: "true" };
    case "users.info":
      return { user: "U0ALICE000" };
    case "users.lookupByEmail":
      return { email: "bob@example.com" };
    case "views.open":
      return {
        trigger_id: await freshTrigger(),
        view: JSON.stringify({
          type: "modal",
          title: { type: "plain_text", text: "Approve" },
          blocks: [{ type: "section", text: { type: "mrkdwn", text: "Amount?" } }],
        }),
      };
  }
}

describe("the vendored spec", () => {
  it("says where it came from and covers exactly the implemented methods", () => {
    const spec = JSON.parse(readFileSync(SPEC_PATH, "utf8"));
    expect(spec["x-vendored"]).toMatchObject({
      repository: "https://github.com/slackapi/slack-api-specs",
      commit: expect.stringMatching(/^[0-9a-f]{40}$/),
      methods: [...IMPLEMENTED_METHODS],
    });
    expect(Object.keys(spec.paths).sort()).toEqual(IMPLEMENTED_METHODS.map((m) => `/${m}`).sort());
  });

  it("has teeth: a response that breaks the schema is reported", () => {
    const postMessage = contractFor("chat.postMessage");
    expect(postMessage.checkResponse({ ok: true, channel: "C0APPROVALS", ts: "1.2" })).not.toEqual(
      [],
    );
    expect(postMessage.checkResponse({ ok: false, error: "made_up_error" })).not.toEqual([]);
    // objs_user is written as `items: [...]`; read as "one of", a user without a profile fails.
    expect(
      contractFor("users.info").checkResponse({ ok: true, user: { id: "U0ALICE000" } }),
    ).not.toEqual([]);
  });
});

describe.each(IMPLEMENTED_METHODS)("%s", (method) => {
  const contract = contractFor(method);

  it("answers a valid call with a response matching the spec's success schema", async () => {
    slack.reset();
    const args = await validArgs(method);
    for (const name of Object.keys(args)) expect(contract.arguments).toContain(name);
    const { status, body } = await callApi(slack, method, args);
    expect(status).toBe(200);
    expect(body.ok).toBe(true);
    expect(contract.checkResponse(body)).toEqual([]);
    expect(slack.contractViolations()).toEqual([]);
  });

  it("refuses a call without a token with an error the spec lists", async () => {
    const { body } = await callApi(slack, method, await validArgs(method), null);
    expect(body).toEqual({ ok: false, error: "not_authed" });
    if (contract.errors) expect(contract.errors).toContain("not_authed");
    expect(contract.checkResponse(body)).toEqual([]);
  });

  it.each(contract.required.length > 0 ? contract.required : ["(none required)"])(
    "refuses a call missing %s, as Slack does, with an error the spec lists",
    async (missing) => {
      if (missing === "(none required)") {
        // The spec requires no argument here beyond the token; an empty call must still be
        // answered within the contract.
        const { body } = await callApi(slack, method, {});
        expect(contract.checkResponse(body)).toEqual([]);
        return;
      }
      slack.reset();
      const { [missing]: _dropped, ...args } = await validArgs(method);
      const before = { messages: slack.messages().length, views: slack.views().length };
      const { status, body } = await callApi(slack, method, args);
      expect(status).toBe(200);
      expect(body.ok).toBe(false);
      if (contract.errors) expect(contract.errors).toContain(body.error);
      expect(contract.checkResponse(body)).toEqual([]);
      // A refused call changes nothing.
      expect({ messages: slack.messages().length, views: slack.views().length }).toEqual(before);
    },
  );
});

import { request } from "node:http";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startReceiver } from "./receiver.test-support.ts";
import { type SlackStandIn, startSlackStandIn } from "./stand-in.ts";
import { APPROVAL_BLOCKS, callApi, openModalAfterPress } from "./test-helpers.ts";

let slack: SlackStandIn;
let receiver: Awaited<ReturnType<typeof startReceiver>>;
beforeAll(async () => {
  receiver = await startReceiver({ status: 200, body: "" });
  slack = await startSlackStandIn({ interactivityUrl: receiver.url });
});
afterAll(async () => {
  await slack.close();
  await receiver.close();
});
beforeEach(() => {
  slack.reset();
  receiver.received.length = 0;
});

async function postApproval(text = "Deploy?") {
  const { body } = await callApi(slack, "chat.postMessage", {
    channel: "C0APPROVALS",
    text,
    blocks: JSON.stringify(APPROVAL_BLOCKS),
  });
  return body.ts as string;
}

const page = (query = "") => fetch(`${slack.url}/${query}`);

function press(
  fields: Record<string, string>,
  headers: Record<string, string> = { origin: slack.url },
) {
  return fetch(`${slack.url}/press`, {
    method: "POST",
    redirect: "manual",
    headers: { "content-type": "application/x-www-form-urlencoded", ...headers },
    body: new URLSearchParams(fields),
  });
}

describe("the page", () => {
  it("sends a strict CSP, no-store and no-referrer, and carries no script", async () => {
    await postApproval();
    const response = await page("?as=U0ALICE000");
    expect(response.status).toBe(200);
    const csp = response.headers.get("content-security-policy")!;
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("form-action 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toContain("unsafe");
    expect(response.headers.get("cache-control")).toBe("no-store");
    expect(response.headers.get("referrer-policy")).toBe("no-referrer");
    expect((await response.text()).toLowerCase()).not.toContain("<script");
  });

  it("shows Block Kit text as text: mrkdwn entities decoded, then escaped, never markup", async () => {
    await postApproval("<img src=x onerror=alert(1)>");
    const html = await (await page("?as=U0ALICE000")).text();
    expect(html).toContain("Deploy checkout-service");
    expect(html).toContain("&lt;script&gt;alert(1)&lt;/script&gt;");
    expect(html).not.toContain("<script>alert(1)");
    expect(html).toContain("Approve</button>");
    expect(html).toContain("Reject</button>");
  });

  it("shows plain-text messages escaped, ephemerals only to their person, and updates in place", async () => {
    // Slack's senders escape <, > and &; the page shows the characters, escaped for HTML.
    const posted = await callApi(slack, "chat.postMessage", {
      channel: "C0APPROVALS",
      text: "&lt;b&gt;bold?&lt;/b&gt; & <https://example.com|a link>",
    });
    await callApi(slack, "chat.postEphemeral", {
      channel: "C0APPROVALS",
      user: "U0BOB00000",
      text: "for bob only",
    });
    const asAlice = await (await page("?channel=C0APPROVALS&as=U0ALICE000")).text();
    expect(asAlice).toContain("&lt;b&gt;bold?&lt;/b&gt; &amp; a link (https://example.com)");
    expect(asAlice).not.toContain("for bob only");
    expect(await (await page("?channel=C0APPROVALS&as=U0BOB00000")).text()).toContain(
      "for bob only",
    );

    await callApi(slack, "chat.update", {
      channel: "C0APPROVALS",
      ts: posted.body.ts as string,
      text: "settled",
    });
    const after = await (await page("?channel=C0APPROVALS&as=U0ALICE000")).text();
    expect(after).toContain("settled");
    expect(after).toContain("edited 1×");
    expect(after).not.toContain("bold?");
  });

  it("refuses requests for another host name (DNS rebinding)", async () => {
    // fetch may not set Host, so a raw request does.
    const status = await new Promise<number>((resolve, reject) => {
      const url = new URL(slack.url);
      request(
        { host: url.hostname, port: url.port, path: "/", headers: { host: "attacker.example" } },
        (response) => {
          response.resume();
          resolve(response.statusCode ?? 0);
        },
      )
        .on("error", reject)
        .end();
    });
    expect(status).toBe(421);
  });
});

describe("pressing a button on the page", () => {
  it("delivers the press as the chosen person and returns to the conversation", async () => {
    const ts = await postApproval();
    const response = await press({
      channel: "C0APPROVALS",
      ts,
      block_id: "decide",
      action_id: "approve",
      as: "U0ALICE000",
    });
    expect(response.status).toBe(303);
    expect(response.headers.get("location")).toBe("/?channel=C0APPROVALS&as=U0ALICE000");
    expect(receiver.received).toHaveLength(1);
    const payload = JSON.parse(new URLSearchParams(receiver.received[0]!.body).get("payload")!);
    expect(payload).toMatchObject({
      user: { id: "U0ALICE000" },
      actions: [{ action_id: "approve" }],
    });
    expect(await (await page("?as=U0ALICE000")).text()).toContain("approve by alice");
  });

  it("shows the button's confirm dialog first, and delivers only once confirmed", async () => {
    const ts = await postApproval();
    const fields = {
      channel: "C0APPROVALS",
      ts,
      block_id: "decide",
      action_id: "reject",
      as: "U0BOB00000",
    };
    const dialog = await press(fields);
    expect(dialog.status).toBe(200);
    const html = await dialog.text();
    expect(html).toContain("Reject this?");
    expect(html).toContain("The &lt;b&gt;deploy&lt;/b&gt; stops.");
    expect(html).toContain("Keep it");
    expect(receiver.received).toEqual([]);

    expect((await press({ ...fields, confirmed: "1" })).status).toBe(303);
    expect(receiver.received).toHaveLength(1);
  });

  it("refuses a press from another origin or with no origin, delivering nothing", async () => {
    const ts = await postApproval();
    const fields = {
      channel: "C0APPROVALS",
      ts,
      block_id: "decide",
      action_id: "approve",
      as: "U0ALICE000",
    };
    expect((await press(fields, { origin: "http://evil.example" })).status).toBe(403);
    expect((await press(fields, {})).status).toBe(403);
    expect((await press(fields, { "sec-fetch-site": "cross-site" })).status).toBe(403);
    expect((await press(fields, { origin: "null" })).status).toBe(403);
    expect((await press(fields, { origin: "null", "sec-fetch-site": "same-site" })).status).toBe(
      403,
    );
    // An Origin naming another site wins over a Sec-Fetch-Site claiming this one.
    const mixed = { origin: "http://evil.example", "sec-fetch-site": "same-origin" };
    expect((await press(fields, mixed)).status).toBe(403);
    expect(receiver.received).toEqual([]);
  });

  it("accepts Chromium's own form post, which says Origin: null and Sec-Fetch-Site: same-origin", async () => {
    const ts = await postApproval();
    const fields = {
      channel: "C0APPROVALS",
      ts,
      block_id: "decide",
      action_id: "approve",
      as: "U0ALICE000",
    };
    const response = await press(fields, { origin: "null", "sec-fetch-site": "same-origin" });
    expect(response.status).toBe(303);
    expect(receiver.received).toHaveLength(1);
  });

  it("answers 404 for a button that is not on the message", async () => {
    const ts = await postApproval();
    const response = await press({
      channel: "C0APPROVALS",
      ts,
      block_id: "decide",
      action_id: "other",
      as: "U0ALICE000",
    });
    expect(response.status).toBe(404);
    expect(receiver.received).toEqual([]);
  });
});

describe("modals on the page", () => {
  const MODAL = {
    type: "modal",
    callback_id: "decide",
    title: { type: "plain_text", text: "Approve request" },
    submit: { type: "plain_text", text: "Approve" },
    blocks: [
      {
        type: "input",
        block_id: "amount",
        label: { type: "plain_text", text: "Amount <b>" },
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
        block_id: "tiers",
        optional: true,
        label: { type: "plain_text", text: "Tiers" },
        element: {
          type: "checkboxes",
          action_id: "value",
          options: [
            { text: { type: "plain_text", text: "Gold" }, value: "gold" },
            { text: { type: "plain_text", text: "Silver" }, value: "silver" },
          ],
        },
      },
    ],
  };

  async function openModal() {
    const ts = await postApproval();
    const press = { user: "U0ALICE000", channel: "C0APPROVALS", ts, actionId: "approve" };
    const viewId = await openModalAfterPress(slack, press, MODAL);
    receiver.received.length = 0;
    return viewId;
  }

  function submitForm(
    fields: [string, string][],
    headers: Record<string, string> = { origin: slack.url },
  ) {
    return fetch(`${slack.url}/submit-view`, {
      method: "POST",
      redirect: "manual",
      headers: { "content-type": "application/x-www-form-urlencoded", ...headers },
      body: new URLSearchParams(fields),
    });
  }

  it("shows an open modal only to its person, as a form with the limits Slack's client enforces", async () => {
    const viewId = await openModal();
    const html = await (await page("?channel=C0APPROVALS&as=U0ALICE000")).text();
    expect(html).toContain(`id="view-${viewId}"`);
    expect(html).toContain("Amount &lt;b&gt;");
    expect(html).toMatch(
      /<input type="number" id="in-amount" name="v.amount" step="1" min="1" max="100" required>/,
    );
    expect(html).toContain('name="v.tiers" value="gold"');
    expect(await (await page("?channel=C0APPROVALS&as=U0BOB00000")).text()).not.toContain(viewId);
  });

  it("submits the modal as Slack's client would, from this page only", async () => {
    const viewId = await openModal();
    const fields: [string, string][] = [
      ["as", "U0ALICE000"],
      ["view_id", viewId],
      ["channel", "C0APPROVALS"],
      ["v.amount", "7"],
      ["v.tiers", "gold"],
      ["v.tiers", "silver"],
    ];
    expect((await submitForm(fields, { origin: "http://evil.example" })).status).toBe(403);
    expect(receiver.received).toEqual([]);

    const outOfBounds = await submitForm(fields.map(([k, v]) => [k, k === "v.amount" ? "700" : v]));
    expect(outOfBounds.status).toBe(303);
    expect(receiver.received).toEqual([]);
    expect(slack.views()[0]!.errors).toEqual({ amount: "Slack would not submit this: above 100" });

    const submitted = await submitForm(fields);
    expect(submitted.status).toBe(303);
    expect(submitted.headers.get("location")).toBe("/?channel=C0APPROVALS&as=U0ALICE000");
    const payload = JSON.parse(new URLSearchParams(receiver.received[0]!.body).get("payload")!);
    expect(payload.view.state.values).toEqual({
      amount: { value: { type: "number_input", value: "7" } },
      tiers: {
        value: {
          type: "checkboxes",
          selected_options: [
            { text: { type: "plain_text", text: "Gold" }, value: "gold" },
            { text: { type: "plain_text", text: "Silver" }, value: "silver" },
          ],
        },
      },
    });
    // The receiver answered an empty 200: the modal is closed and no longer shown.
    expect(slack.views()[0]!.closed).toBe(true);
    expect(await (await page("?channel=C0APPROVALS&as=U0ALICE000")).text()).not.toContain(viewId);
  });

  it("closes a modal without delivering anything", async () => {
    const viewId = await openModal();
    const closed = await fetch(`${slack.url}/close-view`, {
      method: "POST",
      redirect: "manual",
      headers: { "content-type": "application/x-www-form-urlencoded", origin: slack.url },
      body: new URLSearchParams({ as: "U0ALICE000", view_id: viewId, channel: "C0APPROVALS" }),
    });
    expect(closed.status).toBe(303);
    expect(slack.views()[0]!.closed).toBe(true);
    expect(receiver.received).toEqual([]);
  });
});

/**
 * The Slack stand-in's page in a real browser: a person is chosen with the picker, a button with
 * a confirm dialog asks first, and the confirmed press reaches the app signed as Slack signs it,
 * with no CSP violation on the way and hostile message text shown as text. playwright-core
 * drives the system Chromium (no browser is downloaded).
 */
import { createHmac } from "node:crypto";
import { type SlackStandIn, startSlackStandIn } from "@signoff/slack-local";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startReceiver } from "../../packages/slack-local/src/receiver.test-support.ts";
import { APPROVAL_BLOCKS, callApi } from "../../packages/slack-local/src/test-helpers.ts";
import { launchChromium, recordPageProblems } from "../support/chromium.ts";

let slack: SlackStandIn;
let receiver: Awaited<ReturnType<typeof startReceiver>>;
let browser: Browser | undefined;

beforeAll(async () => {
  receiver = await startReceiver({ status: 200, body: "" });
  slack = await startSlackStandIn({ interactivityUrl: receiver.url });
});

afterAll(async () => {
  await browser?.close();
  await slack?.close();
  await receiver?.close();
});

describe("the Slack stand-in's page in Chromium", () => {
  it("picks a person, confirms, and delivers a signed press", async () => {
    const hostile = `<img src=x onerror="alert(1)">`;
    const { body } = await callApi(slack, "chat.postMessage", {
      channel: "C0APPROVALS",
      text: hostile,
      blocks: JSON.stringify([
        { type: "section", text: { type: "plain_text", text: hostile } },
        ...APPROVAL_BLOCKS,
      ]),
    });

    const launched = await launchChromium();
    browser = launched.browser;
    const page = await launched.context.newPage();
    const problems = recordPageProblems(page);

    // 1. Nobody chosen yet: the buttons are disabled.
    await page.goto(slack.url);
    expect(await page.getByRole("button", { name: "Approve" }).isDisabled()).toBe(true);
    expect(await page.locator("img").count()).toBe(0);
    expect(await page.getByText(hostile).count()).toBeGreaterThan(0);

    // 2. Act as bob.
    await page.selectOption("select[name=as]", "U0BOB00000");
    await page.getByRole("button", { name: "Switch" }).click();
    await page.waitForURL(/as=U0BOB00000/);

    // 3. Reject asks first; "Keep it" goes back without delivering.
    await page.getByRole("button", { name: "Reject" }).click();
    await page.getByRole("heading", { name: "Reject this?" }).waitFor();
    await page.getByRole("link", { name: "Keep it" }).click();
    await page.waitForURL(/as=U0BOB00000/);
    expect(receiver.received).toEqual([]);

    // 4. Confirmed, the press is delivered and the page lists it.
    await page.getByRole("button", { name: "Reject" }).click();
    await page.getByRole("button", { name: "Reject" }).click();
    await page.waitForURL(/as=U0BOB00000/);
    await page.getByText("reject by bob").waitFor();

    expect(receiver.received).toHaveLength(1);
    const [request] = receiver.received;
    const timestamp = request!.headers["x-slack-request-timestamp"] as string;
    const expected = `v0=${createHmac("sha256", slack.signingSecret).update(`v0:${timestamp}:${request!.body}`).digest("hex")}`;
    expect(request!.headers["x-slack-signature"]).toBe(expected);
    const payload = JSON.parse(new URLSearchParams(request!.body).get("payload")!);
    expect(payload).toMatchObject({
      type: "block_actions",
      user: { id: "U0BOB00000" },
      container: { message_ts: body.ts },
      actions: [{ action_id: "reject", block_id: "decide", type: "button" }],
    });
    expect(problems).toEqual([]);
  });
});

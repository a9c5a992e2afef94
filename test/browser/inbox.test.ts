/**
 * An approver in a real browser signs in to the inbox through the local stack's dev OIDC issuer,
 * sees what waits on them (details escaped), approves one with a comment, and the execution
 * succeeds with it, recorded as decided in the inbox. playwright-core drives the system Chromium
 * (as approve-in-browser.test.ts does; no browser is downloaded).
 */

import { randomUUID } from "node:crypto";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchChromium } from "../support/chromium.ts";
import { type SignoffStack, startSignoffStack } from "../support/signoff-stack.ts";

const APPROVER = "alice@example.com";

let signoff: SignoffStack;
let browser: Browser | undefined;

beforeAll(async () => {
  signoff = await startSignoffStack();
});

afterAll(async () => {
  await browser?.close();
  await signoff?.stop();
});

describe("the approver inbox in a browser", () => {
  it("signs in through the dev issuer, approves a pending request with a comment, and the execution succeeds", async () => {
    // 1. Two requests wait on alice; the first carries markup in its details.
    const tag = randomUUID().slice(0, 8);
    const first = `Rotate database credentials ${tag}`;
    const second = `Deploy billing 4.2 ${tag}`;
    const comment = `Checked the runbook ${tag}`;
    const hostile = `<img src=x onerror="alert('${tag}')">`;
    const firstArn = await signoff.startExecution(signoff.demoArn, {
      approvers: [APPROVER, "bob@example.com"],
      subject: first,
      details: { change: hostile },
      requestedBy: "dev@example.com",
      timeoutSeconds: 600,
    });
    const secondArn = await signoff.startExecution(signoff.demoArn, {
      approvers: [APPROVER],
      subject: second,
      details: { service: "billing", version: "4.2.0" },
      requestedBy: "dev@example.com",
      timeoutSeconds: 600,
    });
    const firstId = await signoff.approvalIdFor(first);
    await signoff.approvalIdFor(second);

    const launched = await launchChromium();
    browser = launched.browser;
    const { context } = launched;
    const dialogs: string[] = [];
    const consoleErrors: string[] = [];
    const page: Page = await context.newPage();
    page.on("dialog", (dialog) => {
      dialogs.push(dialog.message());
      void dialog.dismiss();
    });
    page.on("console", (message) => {
      if (message.type() === "error") consoleErrors.push(`${page.url()}: ${message.text()}`);
    });

    // 2. The dev issuer's login page: one button per demo person.
    await page.goto(signoff.loginUrl);
    const inboxResponse = page.waitForResponse(
      (response) =>
        response.url() === `${signoff.apiUrl}/inbox` && response.request().method() === "GET",
    );
    await page.getByRole("button", { name: `Sign in as ${APPROVER}` }).click();

    // 3. signoff's inbox, with the page security headers.
    const response = await inboxResponse;
    await page.locator("h1", { hasText: "Waiting for you" }).waitFor();
    expect(page.url()).toBe(`${signoff.apiUrl}/inbox`);
    const csp = (await response.allHeaders())["content-security-policy"] ?? "";
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toContain("script-src");
    expect((await response.allHeaders())["cache-control"]).toBe("no-store");
    expect(await page.locator(".note").first().textContent()).toBe(`Signed in as ${APPROVER}`);
    // The session cookie is not readable by script.
    const [cookie] = await context.cookies(`${signoff.apiUrl}/inbox`);
    expect(cookie).toMatchObject({
      name: "signoff_inbox",
      httpOnly: true,
      sameSite: "Lax",
      path: "/inbox",
    });

    // 4. Both requests, newest first; the hostile details shown as text, not markup.
    const headings = await page.locator("article h2").allTextContents();
    expect(headings.filter((h) => h.endsWith(tag))).toEqual([second, first]);
    const card = page.locator("article", { has: page.locator("h2", { hasText: first }) });
    expect(await card.textContent()).toContain(hostile);
    expect(await card.locator("img").count()).toBe(0);

    // 5. Approve the first with a comment; the inbox says so and lists only the second.
    await card.getByLabel("Comment (optional)").fill(comment);
    await card.getByRole("button", { name: "Approve", exact: true }).click();
    await page.locator(".flash").waitFor();
    expect(await page.locator(".flash").textContent()).toBe(
      `You approved “${first}”. It is now approved.`,
    );
    expect(await page.locator("article h2").allTextContents()).not.toContain(first);
    expect(await page.locator("article h2").allTextContents()).toContain(second);

    // 6. The execution moved on with the comment, decided in the inbox.
    const end = await signoff.waitForExecution(firstArn);
    expect(end.status).toBe("SUCCEEDED");
    expect(end.output).toMatchObject({
      outcome: "approved",
      decisions: [{ approver: APPROVER, decision: "approve", comment, channel: "inbox" }],
    });
    const stored = await signoff.approval(firstId);
    expect(stored?.decisions[APPROVER]).toMatchObject({ comment, channel: "inbox" });
    expect(await signoff.statusOf(secondArn)).toBe("RUNNING");
    expect(dialogs).toEqual([]);
    expect(consoleErrors).toEqual([]);
    await context.close();
  }, 60_000);
});

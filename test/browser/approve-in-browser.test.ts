/**
 * A person approving in a real browser: playwright-core drives the system Chromium through the
 * SES emulator's web inbox, follows the Approve link into the confirmation page, approves with
 * a comment, and the execution succeeds with it. No browser is downloaded: CI installs Debian's
 * `chromium` package when it is missing (.ci/run).
 */

import { randomUUID } from "node:crypto";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchChromium } from "../support/chromium.ts";
import { type SignoffStack, startSignoffStack } from "../support/signoff-stack.ts";

let signoff: SignoffStack;
let browser: Browser | undefined;

beforeAll(async () => {
  signoff = await startSignoffStack();
});

afterAll(async () => {
  await browser?.close();
  await signoff?.stop();
});

/** Runs in the page: the element's computed background colour (no DOM types in this project). */
function backgroundColorOf(element: unknown): string {
  const view = globalThis as unknown as {
    getComputedStyle(element: unknown): { backgroundColor: string };
  };
  return view.getComputedStyle(element).backgroundColor;
}

describe("approving in a browser", () => {
  it("approves from the SES inbox with a comment, sees the decision recorded, and the execution succeeds with that comment", async () => {
    const launched = await launchChromium();
    browser = launched.browser;
    const { context } = launched;
    // No page of this journey may raise a dialog, and signoff's pages may log no error (a CSP
    // violation shows up as one). The inbox is the emulator's: its favicon request gets a 403.
    const dialogs: string[] = [];
    const consoleErrors: string[] = [];
    const watch = (page: Page) => {
      page.on("dialog", (dialog) => {
        dialogs.push(`${dialog.type()}: ${dialog.message()}`);
        void dialog.dismiss();
      });
      const onSignoff = () => page.url().startsWith(signoff.apiUrl);
      page.on("pageerror", (error) => {
        if (onSignoff()) consoleErrors.push(`${page.url()}: ${error.message}`);
      });
      page.on("console", (message) => {
        if (message.type() === "error" && onSignoff()) {
          consoleErrors.push(`${page.url()}: ${message.text()}`);
        }
      });
    };
    context.on("page", watch);

    // 1. A state machine asks for an approval; the mail lands in the inbox.
    const approver = "approver@example.com";
    const subject = `Deploy billing 4.1 ${randomUUID().slice(0, 8)}`;
    const comment = `Reviewed the rollout plan ${randomUUID().slice(0, 8)}`;
    const executionArn = await signoff.startExecution(signoff.demoArn, {
      approvers: [approver, "other@example.com"],
      subject,
      details: { service: "billing", version: "4.1.0" },
      requestedBy: "dev@example.com",
      timeoutSeconds: 600,
    });
    const mail = await signoff.waitForMail(approver, subject);

    // 2. The inbox lists each message; its HTML body is shown in an iframe on demand.
    const inbox = await context.newPage();
    await inbox.goto(signoff.inboxUrl);
    const message = inbox.locator(".email", {
      has: inbox.locator(`[id="${mail.messageId}-html"]`),
    });
    expect(await message.textContent()).toContain(`To: ${approver}`);
    await message.getByRole("button", { name: "Toggle HTML view" }).click();
    const body = inbox.locator(`iframe[id="${mail.messageId}-html-iframe"]`).contentFrame();
    const approveLink = body.getByRole("link", { name: "Approve", exact: true });
    expect(await approveLink.getAttribute("target")).toBe("_blank");

    // 3. The Approve link opens the confirmation page in a new tab; nothing is decided yet.
    const [confirmation] = await Promise.all([context.waitForEvent("page"), approveLink.click()]);
    await confirmation.waitForLoadState();
    expect(confirmation.url()).toMatch(new RegExp(`^${signoff.apiUrl}/a/`));
    expect(await confirmation.locator("h1").textContent()).toBe(subject);
    expect(await signoff.statusOf(executionArn)).toBe("RUNNING");
    // The page's stylesheet is applied, so the CSP's style hash matches it.
    const approveButton = confirmation.getByRole("button", { name: "Approve", exact: true });
    expect(await approveButton.evaluate(backgroundColorOf)).toBe("rgb(31, 122, 63)");

    // 4. A comment, then Approve; the result page confirms.
    await confirmation.getByLabel("Comment (optional)").fill(comment);
    await approveButton.click();
    await confirmation.locator("h1", { hasText: "your decision is recorded" }).waitFor();
    expect(await confirmation.locator("h1").textContent()).toBe(
      "Approved: your decision is recorded",
    );
    expect(await confirmation.locator("body").textContent()).toContain(comment);

    // 5. The execution moved on with the decision and its comment.
    const end = await signoff.waitForExecution(executionArn);
    expect(end.status).toBe("SUCCEEDED");
    expect(end.output).toMatchObject({
      outcome: "approved",
      decisions: [{ approver, decision: "approve", comment, channel: "link" }],
    });
    expect(dialogs).toEqual([]);
    expect(consoleErrors).toEqual([]);
    await context.close();
  }, 60_000);
});

/**
 * A response form in a real browser (playwright-core, system Chromium): the confirmation page
 * asks the request's fields; the browser's own checks stop an incomplete Approve; the server's
 * stop a Reject without its required reason and show the problem on the page; and the answers
 * reach the execution. The page runs no script and raises no CSP error.
 */
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { uniqueSubject } from "../support/approval-requests.ts";
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

const FORM = [
  { name: "budget", type: "number", label: "Approved budget", required: true, min: 0, max: 100 },
  { name: "tier", type: "select", label: "Tier", options: ["standard", "priority"] },
  { name: "notify", type: "boolean", label: "Tell the team" },
  { name: "reason", type: "text", label: "Reason", required: true, for: ["reject"] },
];

async function start(): Promise<{ executionArn: string; approvalId: string; subject: string }> {
  const arn = await signoff.createStateMachine("approval-with-form", "approval-with-form.asl.json");
  const subject = uniqueSubject("Buy a projector");
  const executionArn = await signoff.startExecution(arn, {
    approvers: ["approver@example.com"],
    subject,
    details: { room: "4.01" },
    requestedBy: "dev@example.com",
    timeoutSeconds: 600,
    form: FORM,
    policy: { required: 1 },
  });
  const request = await signoff.requestFor(subject);
  return { executionArn, approvalId: request.result.approvalId, subject };
}

function watchErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on("pageerror", (error) => errors.push(error.message));
  page.on("console", (message) => {
    if (message.type() === "error") errors.push(message.text());
  });
  return errors;
}

describe("a response form in a browser", () => {
  it("approves with answers after the browser stops an incomplete form, and rejects only with a reason", async () => {
    const launched = await launchChromium();
    browser = launched.browser;
    const { context } = launched;

    // 1. Approve: the browser refuses to send without the required budget.
    const approval = await start();
    const links = await signoff.linksFor("approver@example.com", approval.subject);
    const page = await context.newPage();
    const errors = watchErrors(page);
    await page.goto(links.approve);
    await page.getByRole("button", { name: "Approve", exact: true }).click();
    expect(await page.locator("h1").textContent()).toBe(approval.subject);
    expect((await signoff.approval(approval.approvalId))?.decisions).toEqual({});

    await page.getByLabel("Approved budget (required)").fill("42");
    await page.getByLabel("Tier").selectOption("priority");
    await page.getByLabel("Tell the team").check();
    await page.getByRole("button", { name: "Approve", exact: true }).click();
    await page.locator("h1", { hasText: "your decision is recorded" }).waitFor();
    expect(await page.locator("body").textContent()).toContain(
      "Approved budget: 42 · Tier: priority · Tell the team: yes",
    );
    const approved = await signoff.waitForExecution(approval.executionArn);
    expect(approved.status).toBe("SUCCEEDED");
    expect(approved.output).toMatchObject({
      decisions: [
        { decision: "approve", response: { budget: 42, tier: "priority", notify: true } },
      ],
    });

    // 2. Reject: the server asks for the reason (Reject skips the browser's checks).
    const rejection = await start();
    const rejectLinks = await signoff.linksFor("approver@example.com", rejection.subject);
    await page.goto(rejectLinks.reject);
    await page.getByRole("button", { name: "Reject", exact: true }).click();
    await page.locator(".flash.problem").waitFor();
    expect(await page.locator(".flash.problem").textContent()).toContain("Reason is required");
    expect((await signoff.approval(rejection.approvalId))?.decisions).toEqual({});

    await page.getByLabel(/^Reason \(required\)/).fill("Use the one in 4.02");
    await page.getByRole("button", { name: "Reject", exact: true }).click();
    await page.locator("h1", { hasText: "your decision is recorded" }).waitFor();
    const rejected = await signoff.waitForExecution(rejection.executionArn);
    expect(rejected.status).toBe("FAILED");
    expect(rejected.error).toBe("Approval.Rejected");

    // The one console error is Chromium noting the refused answers' 400; no CSP violation, no script.
    expect(errors).toEqual([
      "Failed to load resource: the server responded with a status of 400 (Bad Request)",
    ]);
    await context.close();
  }, 60_000);
});

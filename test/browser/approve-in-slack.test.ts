/**
 * A person approving in Slack, in a real browser: a state machine asks for an approval in
 * #approvals; playwright-core drives the system Chromium to the Slack stand-in's page, where
 * alice presses Approve, confirms in the dialog signoff asked for, and the execution on sfn-local
 * succeeds with her Slack decision; the page then shows the outcome with the buttons gone.
 */
import { randomUUID } from "node:crypto";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchChromium, recordPageProblems } from "../support/chromium.ts";
import { pollUntil } from "../support/poll.ts";
import { type SignoffStack, startSignoffStack } from "../support/signoff-stack.ts";
import { approvalWorkflow } from "../support/workflows.ts";

let signoff: SignoffStack;
let browser: Browser | undefined;

beforeAll(async () => {
  signoff = await startSignoffStack({ slack: true });
});

afterAll(async () => {
  await browser?.close();
  await signoff?.stop();
});

/** A new page of the shared Chromium, recording console errors and dialogs as problems. */
async function openPage() {
  launched ??= launchChromium();
  const { context, browser: started } = await launched;
  browser = started;
  const page = await context.newPage();
  return { page, problems: recordPageProblems(page) };
}

let launched: ReturnType<typeof launchChromium> | undefined;

describe("approving in Slack in a browser", () => {
  it("approves from the Slack stand-in's page after the confirm dialog, and the execution succeeds", async () => {
    const slack = signoff.slack();
    const machine = await signoff.createStateMachine(
      `slack-browser-${randomUUID().slice(0, 8)}`,
      approvalWorkflow({ fields: ["details", "slack"], catchErrors: false }),
    );
    const subject = `Ship search 2.0 ${randomUUID().slice(0, 8)}`;
    const executionArn = await signoff.startExecution(machine, {
      approvers: ["alice@example.com", "bob@example.com"],
      subject,
      details: { change: "<b>bold</b> & more" },
      timeoutSeconds: 600,
      slack: { channel: "C0APPROVALS" },
    });
    const approvalId = await signoff.approvalIdFor(subject);
    await pollUntil(
      "the approval's Slack message",
      async () => (await signoff.approval(approvalId))?.slackMessages?.[0],
    );

    const { page, problems } = await openPage();

    // 1. The channel shows the request as signoff posted it, details escaped and shown as text.
    const alice = slack.userByEmail("alice@example.com")!.id;
    await page.goto(`${slack.url}/?channel=C0APPROVALS&as=${alice}`);
    await page.getByText(subject).first().waitFor();
    expect(await page.locator("b").count()).toBe(0);
    expect(await page.getByText("<b>bold</b> & more").count()).toBeGreaterThan(0);

    // 2. Approve asks first (signoff's confirm dialog); Cancel delivers nothing.
    await page.getByRole("button", { name: "Approve" }).click();
    await page.getByRole("heading", { name: "Approve this request?" }).waitFor();
    await page.getByRole("link", { name: "Cancel" }).click();
    await page.waitForURL(/as=U/);
    expect(slack.deliveries()).toEqual([]);

    // 3. Confirmed, the press reaches signoff signed, and decides.
    await page.getByRole("button", { name: "Approve" }).click();
    await page.getByRole("heading", { name: "Approve this request?" }).waitFor();
    await page.getByRole("button", { name: "Approve" }).click();
    await page.waitForURL(/as=U/);
    const end = await signoff.waitForExecution(executionArn);
    expect(end.status).toBe("SUCCEEDED");
    expect(end.output).toMatchObject({
      approvalId,
      outcome: "approved",
      decisions: [{ approver: "alice@example.com", decision: "approve", channel: "slack" }],
    });
    expect(slack.deliveries().map((delivery) => delivery.status)).toEqual([200]);

    // 4. Reloaded, the message shows the outcome and offers no buttons any more.
    await page.reload();
    await page.getByText("Approved by alice@example.com (slack", { exact: false }).waitFor();
    expect(await page.getByRole("button", { name: "Approve" }).count()).toBe(0);
    expect(problems).toEqual([]);
  });

  it("answers a request's form in the modal Approve opens, and the execution gets the answers", async () => {
    const slack = signoff.slack();
    const machine = await signoff.createStateMachine(
      `slack-form-browser-${randomUUID().slice(0, 8)}`,
      approvalWorkflow({ fields: ["details", "slack", "form"], catchErrors: false }),
    );
    const subject = `Raise the budget ${randomUUID().slice(0, 8)}`;
    const executionArn = await signoff.startExecution(machine, {
      approvers: ["alice@example.com", "bob@example.com"],
      subject,
      details: { team: "search" },
      timeoutSeconds: 600,
      slack: { channel: "C0APPROVALS" },
      form: [
        { name: "amount", type: "number", label: "Amount", required: true, min: 1, max: 100 },
        { name: "tier", type: "select", label: "Tier", options: ["standard", "priority"] },
        { name: "checked", type: "boolean", label: "I checked the budget", required: true },
      ],
    });
    const approvalId = await signoff.approvalIdFor(subject);
    await pollUntil(
      "the approval's Slack message",
      async () => (await signoff.approval(approvalId))?.slackMessages?.[0],
    );
    const delivered = slack.deliveries().length;
    const { page, problems } = await openPage();
    const bob = slack.userByEmail("bob@example.com")!.id;
    await page.goto(`${slack.url}/?channel=C0APPROVALS&as=${bob}`);
    const message = page.locator("article.message", { hasText: subject });
    await message.getByRole("button", { name: "Approve" }).click();
    await page.getByRole("heading", { name: "Approve this request?" }).waitFor();
    await page.getByRole("button", { name: "Approve" }).click();
    await page.waitForURL(/as=U/);

    // 1. The press opened signoff's modal; nothing is decided yet.
    const modal = page.locator("article.modal");
    await modal.getByRole("heading", { name: "Approve request" }).waitFor();
    expect(await signoff.statusOf(executionArn)).toBe("RUNNING");

    // 2. Out of bounds, the browser (as Slack's client) will not submit it.
    await modal.getByLabel("Amount").fill("500");
    await modal.getByLabel("I checked the budget").check();
    await modal.getByRole("button", { name: "Approve" }).click();
    expect(
      await modal
        .getByLabel("Amount")
        .evaluate(
          (input) =>
            (input as unknown as { validity: { rangeOverflow: boolean } }).validity.rangeOverflow,
        ),
    ).toBe(true);
    expect(slack.deliveries()).toHaveLength(delivered + 1); // the press only

    // 3. Filled in properly, the submission decides with the answers and the modal closes.
    await modal.getByLabel("Amount").fill("42");
    await modal.getByLabel("Tier").selectOption("priority");
    await modal.getByRole("button", { name: "Approve" }).click();
    await page.waitForURL(/as=U/);
    const end = await signoff.waitForExecution(executionArn);
    expect(end.status).toBe("SUCCEEDED");
    expect(end.output).toMatchObject({
      approvalId,
      outcome: "approved",
      decisions: [
        {
          approver: "bob@example.com",
          decision: "approve",
          channel: "slack",
          response: { amount: 42, tier: "priority", checked: true },
        },
      ],
    });
    expect(await page.locator("article.modal").count()).toBe(0);
    await page.getByText("Your approval is recorded", { exact: false }).waitFor();
    expect(problems).toEqual([]);
  });
});

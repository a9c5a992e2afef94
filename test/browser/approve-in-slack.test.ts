/**
 * A person approving in Slack, in a real browser: a state machine asks for an approval in
 * #approvals; playwright-core drives the system Chromium to the Slack stand-in's page, where
 * alice presses Approve, confirms in the dialog signoff asked for, and the execution on sfn-local
 * succeeds with her Slack decision; the page then shows the outcome with the buttons gone.
 */
import { randomUUID } from "node:crypto";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchChromium } from "../support/chromium.ts";
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

    const launched = await launchChromium();
    browser = launched.browser;
    const page = await launched.context.newPage();
    const problems: string[] = [];
    page.on("console", (message) => {
      if (message.type() === "error") problems.push(message.text());
    });
    page.on("dialog", (dialog) => {
      problems.push(`dialog: ${dialog.message()}`);
      void dialog.dismiss();
    });

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
});

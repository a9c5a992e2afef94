/**
 * Response forms end to end on the local stack: a workflow asks for an approval with a form,
 * approvers answer on the link page (over real HTTP) and through the REST API, and the execution
 * in sfn-local moves on with each decision's `response`. Refused answers record nothing.
 */
import { describe, expect, it } from "vitest";
import {
  expectStillWaiting,
  SWEEP_INTERVAL_MS,
  uniqueSubject,
} from "./support/approval-requests.ts";
import { expectSecurePage, headingOf, type PageResponse } from "./support/pages.ts";
import { useSignoffStack } from "./support/signoff-stack.ts";

const signoff = useSignoffStack({ sweepIntervalMs: SWEEP_INTERVAL_MS });

const FORM = [
  {
    name: "budget",
    type: "number",
    label: "Approved budget",
    required: true,
    min: 0,
    max: 10000,
    integer: true,
  },
  { name: "tier", type: "select", options: ["standard", "priority"], required: true },
  { name: "reason", type: "text", label: "Why not", required: true, for: ["reject"] },
];

async function startWithForm(approvers: string[], policy = { required: 1 }) {
  const arn = await signoff.createStateMachine("approval-with-form", "approval-with-form.asl.json");
  const subject = uniqueSubject("Buy GPUs");
  const executionArn = await signoff.startExecution(arn, {
    approvers,
    subject,
    details: { vendor: "acme" },
    requestedBy: "dev@example.com",
    timeoutSeconds: 600,
    form: FORM,
    policy,
  });
  const request = await signoff.requestFor(subject);
  return { executionArn, approvalId: request.result.approvalId, subject };
}

/** POSTs the confirmation form with answers, as the page's inputs send them. */
async function submitAnswers(
  url: string,
  nonce: string,
  decision: "approve" | "reject",
  answers: Record<string, string>,
): Promise<PageResponse> {
  const form = new URLSearchParams({ nonce, decision });
  for (const [name, value] of Object.entries(answers)) form.set(`f.${name}`, value);
  const response = await fetch(url, {
    method: "POST",
    headers: { "Content-Type": "application/x-www-form-urlencoded" },
    body: form.toString(),
    redirect: "manual",
  });
  const html = await response.text();
  return {
    url,
    method: "POST",
    status: response.status,
    headers: Object.fromEntries(response.headers.entries()),
    html,
    nonce: /name="nonce" value="([^"]+)"/.exec(html)?.[1],
  };
}

describe("response forms", () => {
  it("refuses bad answers on the link page recording nothing, then hands good ones to the execution", async () => {
    const { executionArn, approvalId, subject } = await startWithForm(["alice@example.com"]);
    const links = await signoff.linksFor("alice@example.com", subject);

    // Opening the link (as a scanner would, too) asks; it decides nothing.
    await signoff.openPage(links.approve, { method: "HEAD" });
    const page = await signoff.openPage(links.approve);
    expectSecurePage(page);
    expect(page.html).toContain('name="f.budget"');
    expect(page.html).toContain('<option value="priority">priority</option>');

    const refused = await submitAnswers(links.approve, page.nonce!, "approve", {
      budget: "2500.5",
      tier: "gold",
    });
    expect(refused.status).toBe(400);
    expectSecurePage(refused);
    expect(refused.html).toContain("Approved budget must be a whole number");
    expect(refused.html).toContain("tier must be one of the listed options");
    await expectStillWaiting(signoff, executionArn, approvalId);
    expect((await signoff.approval(approvalId))?.decisions).toEqual({});

    const recorded = await submitAnswers(links.approve, refused.nonce!, "approve", {
      budget: "2500",
      tier: "priority",
      reason: "",
    });
    expect(recorded.status).toBe(200);
    expect(headingOf(recorded)).toBe("Approved: your decision is recorded");

    const end = await signoff.waitForExecution(executionArn);
    expect(end.status).toBe("SUCCEEDED");
    expect(end.output).toEqual({
      approvalId,
      outcome: "approved",
      decisions: [
        {
          approver: "alice@example.com",
          decision: "approve",
          comment: null,
          at: expect.any(String),
          channel: "link",
          response: { budget: 2500, tier: "priority" },
        },
      ],
    });
  });

  it("takes answers through the API too, each decision with its own response", async () => {
    const { executionArn, approvalId, subject } = await startWithForm(
      ["alice@example.com", "bob@example.com"],
      { required: 2 },
    );
    const links = await signoff.linksFor("alice@example.com", subject);
    const page = await signoff.openPage(links.approve);
    await submitAnswers(links.approve, page.nonce!, "approve", { budget: "100", tier: "standard" });

    const decide = async (body: unknown) =>
      fetch(`${signoff.apiUrl}/v1/approvals/${approvalId}/decisions`, {
        method: "POST",
        headers: {
          Authorization: `Bearer ${await signoff.devToken("bob@example.com")}`,
          "Content-Type": "application/json",
        },
        body: JSON.stringify(body),
      });
    const refused = await decide({ decision: "approve", response: { budget: -1 } });
    expect(refused.status).toBe(400);
    expect(refused.headers.get("content-type")).toMatch(/^application\/problem\+json/);
    expect(((await refused.json()) as { issues: unknown }).issues).toEqual([
      { path: "response.budget", message: "must be at least 0" },
      { path: "response.tier", message: "is required" },
    ]);
    await expectStillWaiting(signoff, executionArn, approvalId);

    const accepted = await decide({
      decision: "approve",
      comment: "ok",
      response: { budget: 200, tier: "priority" },
    });
    expect(accepted.status).toBe(201);
    const end = await signoff.waitForExecution(executionArn);
    expect(end.status).toBe("SUCCEEDED");
    expect(end.output).toMatchObject({
      decisions: [
        {
          approver: "alice@example.com",
          channel: "link",
          response: { budget: 100, tier: "standard" },
        },
        {
          approver: "bob@example.com",
          channel: "api",
          response: { budget: 200, tier: "priority" },
        },
      ],
    });
  });
});

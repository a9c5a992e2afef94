import type { ApprovalView } from "@signoff/core";
import { describe, expect, it } from "vitest";
import {
  renderAlreadyDecidedPage,
  renderConfirmPage,
  renderExpiredPage,
  renderRecordedPage,
} from "./approval-pages.ts";

const XSS = `<script>alert("x")</script><img src=x onerror=alert(1)>`;

function hostileApproval(): ApprovalView {
  return {
    id: "abc",
    status: "PENDING",
    callback: "NONE",
    approvers: ["ann@example.com", "bob@example.com"],
    requestedBy: XSS,
    subject: `Deploy ${XSS}`,
    details: { [XSS]: XSS, nested: { list: [XSS] } },
    context: { note: XSS },
    policy: { required: 1 },
    onTimeout: "fail",
    rejectAs: "failure",
    createdAt: "2026-11-21T10:00:00.000Z",
    deadline: "2026-11-22T10:00:00.000Z",
    version: 1,
    decisions: {
      "bob@example.com": {
        approver: "bob@example.com",
        decision: "reject",
        comment: XSS,
        at: "2026-11-21T11:00:00.000Z",
        channel: "link",
      },
    },
    callbackAttempts: 0,
  };
}

async function pages(): Promise<string[]> {
  const approval = hostileApproval();
  const decision = approval.decisions["bob@example.com"]!;
  return Promise.all([
    renderConfirmPage({
      approval,
      approver: "ann@example.com",
      action: "approve",
      formNonce: `n"${XSS}`,
      canApprove: true,
    }),
    renderRecordedPage(approval, decision),
    renderAlreadyDecidedPage(approval, "bob@example.com"),
    renderExpiredPage(approval),
  ]).then((all) => all.map(String));
}

describe("approval pages", () => {
  it("escape every value that came from a request or a person", async () => {
    for (const page of await pages()) {
      expect(page).not.toContain("<script>");
      expect(page).not.toContain("<img");
      expect(page).not.toContain('"x")');
    }
    const [confirm] = await pages();
    expect(confirm).toContain("&lt;script&gt;");
  });

  it("carry no script at all, only the hashed stylesheet", async () => {
    for (const page of await pages()) {
      // Quoted attribute values are escaped text; look only at the markup around them.
      const markup = page.replace(/"[^"]*"/g, '""');
      expect(markup).not.toMatch(/<script|<[a-z][^>]*\son\w+\s*=|javascript:/i);
      expect(page.match(/<style>/g)).toHaveLength(1);
    }
  });

  it("show both buttons, the form nonce and who decided what on the confirmation page", async () => {
    const [confirm] = await pages();
    expect(confirm).toContain('<form method="post">');
    expect(confirm).toContain('name="decision" value="approve"');
    expect(confirm).toContain('name="decision" value="reject"');
    expect(confirm).toContain('name="nonce" value="n&quot;&lt;script');
    expect(confirm).toContain("bob@example.com");
    expect(confirm).toContain("2026-11-22 10:00 UTC");
  });

  it("say so when the deadline, not a person, settled the request", async () => {
    const approval: ApprovalView = {
      ...hostileApproval(),
      status: "APPROVED",
      decisions: {},
      outcome: { status: "APPROVED", reason: "timeout", at: "2026-11-22T10:00:01.000Z" },
    };
    const page = String(await renderAlreadyDecidedPage(approval, "ann@example.com"));
    expect(page).toContain(
      "Nobody decided by the deadline (2026-11-22 10:00 UTC), so the request was approved",
    );
  });

  it("tell an approver who already decided what they decided and when", async () => {
    const [, , already] = await pages();
    expect(already).toContain("You already rejected this request on 2026-11-21 11:00 UTC");
  });
});

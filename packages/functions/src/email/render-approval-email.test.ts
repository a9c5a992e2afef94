import { describe, expect, it } from "vitest";
import { makeApproval } from "../test-support/approval-fixture.ts";
import { formatDuration, formatUtc, renderApprovalEmail } from "./render-approval-email.ts";

const urls = {
  approveUrl: "https://approvals.example.com/a/APPROVE",
  rejectUrl: "https://approvals.example.com/a/REJECT",
};

describe("renderApprovalEmail", () => {
  it("states who asked, the deadline and what happens then, in both parts", () => {
    const email = renderApprovalEmail({ approval: makeApproval({ onTimeout: "reject" }), ...urls });
    for (const part of [email.html, email.text]) {
      expect(part).toContain("carol@example.com");
      expect(part).toContain("Wednesday 14 January 2026, 16:04 UTC");
      expect(part).toContain("the request is rejected automatically");
      expect(part).toContain("does not decide anything by itself");
    }
    expect(email.text).toContain("Approve: https://approvals.example.com/a/APPROVE");
    expect(email.text).toContain("Reject: https://approvals.example.com/a/REJECT");
  });

  it("renders object details as a definition list and text details as paragraphs", () => {
    const asObject = renderApprovalEmail({
      approval: makeApproval({ details: { release: "1.4.0", nested: { a: 1 } } }),
      ...urls,
    });
    expect(asObject.html).toMatch(/<dt[^>]*>release<\/dt><dd[^>]*>1\.4\.0<\/dd>/);
    expect(asObject.text).toContain("  release: 1.4.0");

    const asText = renderApprovalEmail({
      approval: makeApproval({ details: "First paragraph.\n\nSecond <paragraph>." }),
      ...urls,
    });
    expect(asText.html).toMatch(/<p[^>]*>First paragraph\.<\/p>/);
    expect(asText.html).toMatch(/<p[^>]*>Second &lt;paragraph&gt;\.<\/p>/);
    expect(asText.text).toContain("First paragraph.\n\nSecond <paragraph>.");
  });

  it("leaves out what the request did not give", () => {
    const email = renderApprovalEmail({
      approval: makeApproval({ requestedBy: undefined, details: undefined, context: {} }),
      ...urls,
    });
    expect(email.html).not.toContain("Requested by");
    expect(email.html).not.toContain("Details");
    expect(email.html).not.toContain("Context");
    expect(email.text).not.toContain("Requested by");
  });

  it("says 'Approval requested' once when the request gave no subject", () => {
    const untitled = makeApproval({ subject: "Approval requested" });
    expect(renderApprovalEmail({ approval: untitled, ...urls }).subject).toBe("Approval requested");
    expect(renderApprovalEmail({ approval: untitled, kind: "reminder", ...urls }).subject).toBe(
      "Reminder: approval requested",
    );
    const titled = makeApproval({ subject: "Deploy 1.4" });
    expect(renderApprovalEmail({ approval: titled, ...urls }).subject).toBe(
      "Approval requested: Deploy 1.4",
    );
  });

  it("keeps the subject on one header line", () => {
    const email = renderApprovalEmail({
      approval: makeApproval({ subject: "Deploy\r\nBcc: everyone@example.com" }),
      ...urls,
    });
    expect(email.subject).toBe("Approval requested: Deploy Bcc: everyone@example.com");
  });

  it("never renders the stored token ciphertext, even when handed a whole approval", () => {
    const approval = makeApproval({ tokenCiphertext: "SECRET-CIPHERTEXT-VALUE" });
    const email = renderApprovalEmail({ approval, ...urls });
    expect(JSON.stringify(email)).not.toContain("SECRET-CIPHERTEXT-VALUE");
  });
});

describe("renderApprovalEmail for reminders and escalation", () => {
  it("reminds with the time left, the deadline, what happens then, and both links", () => {
    const email = renderApprovalEmail({
      kind: "reminder",
      secondsLeft: 2 * 3600 + 5 * 60 + 30,
      approval: makeApproval({ onTimeout: "approve" }),
      ...urls,
    });
    expect(email.subject).toBe("Reminder: approval requested: Deploy release 1.4 to production");
    for (const part of [email.html, email.text]) {
      expect(part).toContain("Reminder: your decision is still needed");
      expect(part).toContain("2 hours 5 minutes");
      expect(part).toContain("Wednesday 14 January 2026, 16:04 UTC");
      expect(part).toContain("the request is approved automatically");
    }
    expect(email.text).toContain("Time left: 2 hours 5 minutes");
    expect(email.text).toContain("Approve: https://approvals.example.com/a/APPROVE");
  });

  it("tells an escalated approver why they got the request and that their decision counts", () => {
    const email = renderApprovalEmail({
      kind: "escalation",
      secondsLeft: 1800,
      approval: makeApproval({ escalation: { afterSeconds: 4 * 3600, to: ["lead@example.com"] } }),
      ...urls,
    });
    expect(email.subject).toBe("Escalated: approval requested: Deploy release 1.4 to production");
    for (const part of [email.html, email.text]) {
      expect(part).toContain("Nobody had settled it 4 hours after it was requested");
      expect(part).toContain("Your decision counts toward it");
      expect(part).toContain("30 minutes");
    }
    expect(email.text).toContain("Reject: https://approvals.example.com/a/REJECT");
  });
});

describe("formatDuration", () => {
  it("writes the two largest units, rounded down", () => {
    expect(formatDuration(59)).toBe("less than a minute");
    expect(formatDuration(60)).toBe("1 minute");
    expect(formatDuration(3 * 86_400 + 3600 + 59)).toBe("3 days 1 hour");
    expect(formatDuration(86_400 + 120)).toBe("1 day");
    expect(formatDuration(7200 + 60 * 45)).toBe("2 hours 45 minutes");
  });
});

describe("renderApprovalEmail for a cancelled request", () => {
  const cancelled = (reason: "execution-ended" | "task-closed") =>
    makeApproval({
      status: "CANCELLED",
      outcome: { status: "CANCELLED", reason, at: "2026-01-14T15:30:00.000Z" },
      subject: "Deploy <release> 1.4",
    });

  it("says the request is no longer needed and how the execution ended, without buttons", () => {
    const email = renderApprovalEmail({
      kind: "cancelled",
      executionStatus: "ABORTED",
      approval: cancelled("execution-ended"),
      ...urls,
    });
    expect(email.subject).toBe("No longer needed: Deploy <release> 1.4");
    expect(email.html).toContain("Deploy &lt;release&gt; 1.4");
    for (const part of [email.html, email.text]) {
      expect(part).toContain("The workflow that asked for your approval was stopped");
      expect(part).toContain("Wednesday 14 January 2026, 15:30 UTC");
      expect(part).toContain("You do not need to do anything");
      expect(part).not.toContain("https://approvals.example.com/a/");
    }
  });

  it("names a timed-out or failed execution, and a closed task", () => {
    const text = (email: { text: string }) => email.text;
    expect(
      text(
        renderApprovalEmail({
          kind: "cancelled",
          executionStatus: "TIMED_OUT",
          approval: cancelled("execution-ended"),
          ...urls,
        }),
      ),
    ).toContain("timed out before anyone decided");
    expect(
      text(
        renderApprovalEmail({
          kind: "cancelled",
          executionStatus: "FAILED",
          approval: cancelled("execution-ended"),
          ...urls,
        }),
      ),
    ).toContain("failed before anyone decided");
    expect(
      text(renderApprovalEmail({ kind: "cancelled", approval: cancelled("task-closed"), ...urls })),
    ).toContain("The workflow step that was waiting for your approval has already closed");
  });
});

describe("formatUtc", () => {
  it("formats an ISO timestamp for people and passes anything else through", () => {
    expect(formatUtc("2026-01-14T15:04:00.000Z")).toBe("Wednesday 14 January 2026, 15:04 UTC");
    expect(formatUtc("not a date")).toBe("not a date");
  });
});

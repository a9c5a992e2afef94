import { describe, expect, it } from "vitest";
import { makeApproval } from "../test-support/approval-fixture.ts";
import { formatUtc, renderApprovalEmail } from "./render-approval-email.ts";

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

describe("formatUtc", () => {
  it("formats an ISO timestamp for people and passes anything else through", () => {
    expect(formatUtc("2026-01-14T15:04:00.000Z")).toBe("Wednesday 14 January 2026, 15:04 UTC");
    expect(formatUtc("not a date")).toBe("not a date");
  });
});

import type { Approval } from "@signoff/client";
import { describe, expect, it } from "vitest";
import { formatApproval, formatApprovalList, formatDecisionCreated, printable } from "./format.ts";

function approval(fields: Partial<Approval> = {}): Approval {
  return {
    id: "k5q3v7b2mfz4xw6n8d2cj3h7ta",
    status: "PENDING",
    callback: "NONE",
    approvers: ["ann@example.com", "bob@example.com"],
    subject: "Deploy checkout 2.3",
    context: {},
    policy: { required: 1 },
    onTimeout: "fail",
    rejectAs: "failure",
    createdAt: "2026-11-21T10:00:00.000Z",
    deadline: "2026-11-22T10:00:30.000Z",
    decisions: {},
    callbackAttempts: 0,
    version: 0,
    ...fields,
  };
}

const annApproves = {
  approver: "ann@example.com",
  decision: "approve",
  comment: "Ship it",
  at: "2026-11-21T10:05:00.000Z",
  channel: "api",
} as const;

describe("formatApprovalList", () => {
  it("shows id, status, subject, decided of approvers and the deadline", () => {
    const text = formatApprovalList([approval({ decisions: { "ann@example.com": annApproves } })]);
    expect(text).toMatch(/ID\s.*STATUS\s.*SUBJECT\s.*DECIDED\s.*DEADLINE/);
    expect(text).toMatch(
      /k5q3v7b2mfz4xw6n8d2cj3h7ta\s.*PENDING\s.*Deploy checkout 2\.3\s.*1\/2\s.*2026-11-22 10:00 UTC/,
    );
  });

  it("says when nothing matches, and how to get the next page", () => {
    expect(formatApprovalList([])).toBe("No approvals match.");
    expect(formatApprovalList([approval()], "c1")).toMatch(/More: --cursor c1 \(or --all\)$/);
  });
});

describe("formatApproval", () => {
  it("shows the fields, the details as JSON and the decisions", () => {
    const text = formatApproval(
      approval({
        status: "APPROVED",
        outcome: { status: "APPROVED", reason: "quorum", at: "2026-11-21T10:05:00.000Z" },
        details: { version: "2.3.0" },
        decisions: { "ann@example.com": annApproves },
      }),
    );
    expect(text).toMatch(/^Status {5}APPROVED \(quorum, 2026-11-21 10:05 UTC\)$/m);
    expect(text).toMatch(/^Policy {5}1 of 2 must approve$/m);
    // Later lines of a multi-line value line up under its first.
    expect(text).toMatch(/^Details {4}\{\n {13}"version": "2\.3\.0"\n {11}\}$/m);
    expect(text).toMatch(/ann@example\.com\s.*approve\s.*Ship it\s.*2026-11-21 10:05 UTC\s.*api/);
  });
});

describe("printable", () => {
  it("escapes terminal control sequences a requester could put in a subject", () => {
    const hostile = "Deploy\u001b[2J\u001b]0;pwned\u0007 now\u009b";
    expect(printable(hostile)).toBe("Deploy\\u001b[2J\\u001b]0;pwned\\u0007 now\\u009b");
    const text = formatApprovalList([approval({ subject: hostile })]);
    // biome-ignore lint/suspicious/noControlCharactersInRegex: asserting their absence.
    expect(text).not.toMatch(/[\u001b\u0007\u009b]/);
    const decided = formatDecisionCreated({
      decision: { ...annApproves, comment: "ok\u001b[31m" },
      approval: approval(),
    });
    // biome-ignore lint/suspicious/noControlCharactersInRegex: asserting their absence.
    expect(decided).not.toMatch(/\u001b/);
  });
});

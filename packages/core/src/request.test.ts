import { describe, expect, it } from "vitest";
import { deriveApprovalId } from "./approval-id.ts";
import { buildApproval, MAX_APPROVERS, type NewApprovalInput } from "./request.ts";

const now = new Date("2026-03-01T12:00:00.000Z");

function input(overrides: Partial<NewApprovalInput> = {}): NewApprovalInput {
  return {
    taskToken: "task-token-1",
    approvers: ["Ann@Example.com", "bob@example.com"],
    subject: "Deploy v2 to production",
    timeoutSeconds: 3600,
    context: { ticket: "OPS-1" },
    ...overrides,
  };
}

function build(overrides: Partial<NewApprovalInput> = {}) {
  return buildApproval(input(overrides), { now, tokenCiphertext: "jwe" });
}

describe("buildApproval", () => {
  it("builds a pending approval with the defaults of the request contract", () => {
    const result = build();
    expect(result).toEqual({
      ok: true,
      approval: {
        id: deriveApprovalId("task-token-1"),
        status: "PENDING",
        callback: "NONE",
        tokenCiphertext: "jwe",
        approvers: ["ann@example.com", "bob@example.com"],
        subject: "Deploy v2 to production",
        context: { ticket: "OPS-1" },
        policy: { required: 1 },
        onTimeout: "fail",
        rejectAs: "failure",
        createdAt: "2026-03-01T12:00:00.000Z",
        deadline: "2026-03-01T13:00:00.000Z",
        decisions: {},
        callbackAttempts: 0,
        dueAt: Date.parse("2026-03-01T13:00:00.000Z"),
      },
    });
  });

  it("lower-cases and de-duplicates approvers and the requester", () => {
    const result = build({
      approvers: [" ann@example.com", "ANN@example.com", "bob@example.com"],
      requestedBy: "Carol@Example.com",
    });
    expect(result.ok && result.approval.approvers).toEqual(["ann@example.com", "bob@example.com"]);
    expect(result.ok && result.approval.requestedBy).toBe("carol@example.com");
  });

  it("keeps the optional fields it was given", () => {
    const result = build({
      details: { version: "2.0.0" },
      executionArn: "arn:aws:states:us-east-1:1:execution:demo:run-1",
      onTimeout: "reject",
      rejectAs: "output",
      policy: { required: 2 },
    });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.approval.details).toEqual({ version: "2.0.0" });
    expect(result.approval.executionArn).toBe("arn:aws:states:us-east-1:1:execution:demo:run-1");
    expect(result.approval.onTimeout).toBe("reject");
    expect(result.approval.rejectAs).toBe("output");
    expect(result.approval.policy).toEqual({ required: 2 });
    expect("requestedBy" in result.approval).toBe(false);
  });

  it("refuses a quorum outside 1..approvers, naming policy.required", () => {
    for (const required of [0, 3, 1.5]) {
      expect(build({ policy: { required } })).toMatchObject({
        ok: false,
        reason: "invalid-request",
        field: "policy.required",
      });
    }
  });

  it("counts de-duplicated approvers when checking the quorum", () => {
    const result = build({ approvers: ["a@x.io", "A@x.io"], policy: { required: 2 } });
    expect(result).toMatchObject({ ok: false, field: "policy.required" });
  });

  it("refuses a quorum that needs the requester's own approval", () => {
    const result = build({ requestedBy: "ann@example.com", policy: { required: 2 } });
    expect(result).toMatchObject({ ok: false, field: "policy.required" });
    expect(result.ok || result.message).toMatch(/requestedBy/);
  });

  it("refuses a request whose only approver is the requester", () => {
    const result = build({ approvers: ["ann@example.com"], requestedBy: "ANN@example.com" });
    expect(result).toMatchObject({ ok: false, field: "approvers" });
  });

  it("refuses no approvers, too many approvers, a bad timeout and an empty subject", () => {
    expect(build({ approvers: [] })).toMatchObject({ ok: false, field: "approvers" });
    const many = Array.from({ length: MAX_APPROVERS + 1 }, (_, i) => `p${i}@x.io`);
    expect(build({ approvers: many })).toMatchObject({ ok: false, field: "approvers" });
    expect(build({ timeoutSeconds: 0 })).toMatchObject({ ok: false, field: "timeoutSeconds" });
    expect(build({ timeoutSeconds: 1e20 })).toMatchObject({ ok: false, field: "timeoutSeconds" });
    expect(build({ subject: "  " })).toMatchObject({ ok: false, field: "subject" });
  });
});

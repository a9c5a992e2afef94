import { describe, expect, it } from "vitest";
import type { Approval } from "./approval.ts";
import { CallbackOutcomeError } from "./errors.ts";
import {
  buildCallback,
  capComment,
  MAX_CAUSE_BYTES,
  MAX_COMMENT_LENGTH,
  type OutcomePayload,
} from "./outcome.ts";

function approval(overrides: Partial<Approval> = {}): Approval {
  return {
    id: "a1",
    status: "APPROVED",
    callback: "PENDING",
    tokenCiphertext: "jwe",
    approvers: ["ann@x.io", "bob@x.io"],
    subject: "s",
    context: {},
    policy: { required: 1 },
    onTimeout: "fail",
    rejectAs: "failure",
    createdAt: "2026-03-01T12:00:00.000Z",
    deadline: "2026-03-01T13:00:00.000Z",
    decisions: {
      "bob@x.io": {
        approver: "bob@x.io",
        decision: "approve",
        comment: "ship it",
        at: "2026-03-01T12:05:00.000Z",
        channel: "link",
      },
      "ann@x.io": {
        approver: "ann@x.io",
        decision: "approve",
        at: "2026-03-01T12:01:00.000Z",
        channel: "api",
      },
    },
    outcome: { status: "APPROVED", reason: "quorum", at: "2026-03-01T12:01:00.000Z" },
    version: 0,
    callbackAttempts: 0,
    ...overrides,
  };
}

function rejected(overrides: Partial<Approval> = {}): Approval {
  return approval({
    status: "REJECTED",
    decisions: {
      "bob@x.io": {
        approver: "bob@x.io",
        decision: "reject",
        comment: "not today",
        at: "2026-03-01T12:05:00.000Z",
        channel: "link",
      },
    },
    outcome: { status: "REJECTED", reason: "rejected", at: "2026-03-01T12:05:00.000Z" },
    ...overrides,
  });
}

describe("buildCallback", () => {
  it("sends success with the decisions, oldest first, when approved", () => {
    const message = buildCallback(approval());
    expect(message.kind).toBe("success");
    if (message.kind !== "success") return;
    expect(JSON.parse(message.output)).toEqual({
      approvalId: "a1",
      outcome: "approved",
      decisions: [
        {
          approver: "ann@x.io",
          decision: "approve",
          comment: null,
          at: "2026-03-01T12:01:00.000Z",
          channel: "api",
        },
        {
          approver: "bob@x.io",
          decision: "approve",
          comment: "ship it",
          at: "2026-03-01T12:05:00.000Z",
          channel: "link",
        },
      ],
    });
  });

  it("sends failure Approval.Rejected with the same JSON as cause when rejected", () => {
    const message = buildCallback(rejected());
    expect(message).toMatchObject({ kind: "failure", error: "Approval.Rejected" });
    if (message.kind !== "failure") return;
    expect(JSON.parse(message.cause)).toEqual({
      approvalId: "a1",
      outcome: "rejected",
      decisions: [
        {
          approver: "bob@x.io",
          decision: "reject",
          comment: "not today",
          at: "2026-03-01T12:05:00.000Z",
          channel: "link",
        },
      ],
    });
  });

  it("sends success with outcome rejected when rejectAs is output", () => {
    const message = buildCallback(rejected({ rejectAs: "output" }));
    expect(message.kind).toBe("success");
    if (message.kind !== "success") return;
    expect(JSON.parse(message.output)).toMatchObject({ approvalId: "a1", outcome: "rejected" });
  });

  it("sends failure Approval.TimedOut when the deadline passed with onTimeout fail", () => {
    const expired = approval({
      status: "EXPIRED",
      decisions: {},
      outcome: { status: "EXPIRED", reason: "timeout", at: "2026-03-01T13:00:01.000Z" },
    });
    const message = buildCallback(expired);
    expect(message).toMatchObject({ kind: "failure", error: "Approval.TimedOut" });
    if (message.kind !== "failure") return;
    expect(JSON.parse(message.cause)).toEqual({
      approvalId: "a1",
      outcome: "timed-out",
      decisions: [],
    });
  });

  it("records a deadline that approves as the system's timeout decision", () => {
    const autoApproved = approval({
      onTimeout: "approve",
      decisions: {},
      outcome: { status: "APPROVED", reason: "timeout", at: "2026-03-01T13:00:01.000Z" },
    });
    const message = buildCallback(autoApproved);
    if (message.kind !== "success") throw new Error("expected success");
    expect(JSON.parse(message.output).decisions).toEqual([
      {
        approver: "signoff",
        decision: "approve",
        comment: null,
        at: "2026-03-01T13:00:01.000Z",
        channel: "timeout",
      },
    ]);
  });

  it("refuses outcomes that call nobody back", () => {
    expect(() => buildCallback(approval({ status: "PENDING", outcome: undefined }))).toThrow(
      CallbackOutcomeError,
    );
    const cancelled = approval({
      status: "CANCELLED",
      outcome: { status: "CANCELLED", reason: "execution-ended", at: "2026-03-01T12:30:00.000Z" },
    });
    expect(() => buildCallback(cancelled)).toThrow(/CANCELLED/);
  });

  it("caps each comment at 1,000 characters", () => {
    const long = approval({
      decisions: {
        "ann@x.io": {
          approver: "ann@x.io",
          decision: "approve",
          comment: "x".repeat(5000),
          at: "2026-03-01T12:01:00.000Z",
          channel: "link",
        },
      },
    });
    const message = buildCallback(long);
    if (message.kind !== "success") throw new Error("expected success");
    const comment = JSON.parse(message.output).decisions[0].comment as string;
    expect(Array.from(comment)).toHaveLength(MAX_COMMENT_LENGTH);
    expect(comment.endsWith("…")).toBe(true);
  });

  it("shrinks comments further when a rejection's cause would pass its size limit", () => {
    const approvers = Array.from({ length: 50 }, (_, i) => `${"p".repeat(200)}${i}@x.io`);
    const decisions = Object.fromEntries(
      approvers.map((approver, i) => [
        approver,
        {
          approver,
          decision: i === 49 ? ("reject" as const) : ("approve" as const),
          comment: "c".repeat(2000),
          at: `2026-03-01T12:${String(i).padStart(2, "0")}:00.000Z`,
          channel: "link" as const,
        },
      ]),
    );
    const message = buildCallback(rejected({ approvers, decisions }));
    if (message.kind !== "failure") throw new Error("expected failure");
    expect(Buffer.byteLength(message.cause)).toBeLessThanOrEqual(MAX_CAUSE_BYTES);
    const payload = JSON.parse(message.cause) as OutcomePayload;
    expect(payload.truncated).toBe(true);
    expect(payload.decisions).toHaveLength(50);
  });
});

describe("form responses in the outcome", () => {
  it("gives each decision that had a response its response, and no other decision one", () => {
    const base = approval();
    const withResponse = approval({
      decisions: {
        ...base.decisions,
        "bob@x.io": { ...base.decisions["bob@x.io"]!, response: { amount: 2500, ok: true } },
      },
    });
    const message = buildCallback(withResponse);
    if (message.kind !== "success") throw new Error("expected success");
    const payload = JSON.parse(message.output) as OutcomePayload;
    expect(payload.decisions).toEqual([
      {
        approver: "ann@x.io",
        decision: "approve",
        comment: null,
        at: "2026-03-01T12:01:00.000Z",
        channel: "api",
      },
      {
        approver: "bob@x.io",
        decision: "approve",
        comment: "ship it",
        at: "2026-03-01T12:05:00.000Z",
        channel: "link",
        response: { amount: 2500, ok: true },
      },
    ]);
    expect(payload.truncated).toBeUndefined();
  });

  it("drops comments before responses, and responses only when nothing else fits", () => {
    const approvers = Array.from({ length: 50 }, (_, i) => `${"p".repeat(100)}${i}@x.io`);
    const decisions = (responseBytes: number) =>
      Object.fromEntries(
        approvers.map((approver, i) => [
          approver,
          {
            approver,
            decision: i === 49 ? ("reject" as const) : ("approve" as const),
            comment: "c".repeat(1000),
            at: `2026-03-01T12:${String(i).padStart(2, "0")}:00.000Z`,
            channel: "link" as const,
            response: { reason: "r".repeat(responseBytes) },
          },
        ]),
      );
    // Small responses survive once the comments are gone.
    const small = buildCallback(rejected({ approvers, decisions: decisions(100) }));
    if (small.kind !== "failure") throw new Error("expected failure");
    const kept = JSON.parse(small.cause) as OutcomePayload;
    expect(Buffer.byteLength(small.cause)).toBeLessThanOrEqual(MAX_CAUSE_BYTES);
    expect(kept.truncated).toBe(true);
    expect(kept.decisions.every((d) => d.response?.reason?.toString().length === 100)).toBe(true);
    expect(kept.decisions.every((d) => d.comment === null || d.comment.length <= 100)).toBe(true);
    // Large ones cannot all fit in a 32 KB cause: they go, the decisions stay.
    const large = buildCallback(rejected({ approvers, decisions: decisions(2000) }));
    if (large.kind !== "failure") throw new Error("expected failure");
    const dropped = JSON.parse(large.cause) as OutcomePayload;
    expect(Buffer.byteLength(large.cause)).toBeLessThanOrEqual(MAX_CAUSE_BYTES);
    expect(dropped.truncated).toBe(true);
    expect(dropped.decisions).toHaveLength(50);
    expect(dropped.decisions.some((d) => d.response !== undefined)).toBe(false);
  });
});

describe("capComment", () => {
  it("trims, drops blank comments and keeps whole characters", () => {
    expect(capComment("  fine  ")).toBe("fine");
    expect(capComment("   ")).toBeUndefined();
    expect(capComment(undefined)).toBeUndefined();
    expect(capComment("😀😀😀", 2)).toBe("😀…");
  });
});

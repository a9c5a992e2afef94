import { describe, expect, it } from "vitest";
import type { Approval, Decision, DecisionKind } from "./approval.ts";
import { checkDecisionAllowed, evaluatePolicy, resolveTimeout } from "./policy.ts";

const deadline = "2026-03-01T13:00:00.000Z";
const beforeDeadline = { now: new Date("2026-03-01T12:30:00.000Z") };

function approval(overrides: Partial<Approval> = {}): Approval {
  return {
    id: "a1",
    status: "PENDING",
    callback: "NONE",
    tokenCiphertext: "jwe",
    approvers: ["ann@x.io", "bob@x.io", "cat@x.io"],
    subject: "s",
    context: {},
    policy: { required: 1 },
    onTimeout: "fail",
    rejectAs: "failure",
    createdAt: "2026-03-01T12:00:00.000Z",
    deadline,
    decisions: {},
    callbackAttempts: 0,
    ...overrides,
  };
}

function decided(...entries: Array<[string, DecisionKind, number?]>): Record<string, Decision> {
  const decisions: Record<string, Decision> = {};
  for (const [index, [approver, decision, minute]] of entries.entries()) {
    const at = new Date(Date.UTC(2026, 2, 1, 12, minute ?? index + 1)).toISOString();
    decisions[approver] = { approver, decision, at, channel: "link" };
  }
  return decisions;
}

describe("evaluatePolicy", () => {
  it("settles 1-of-1 on the only approval", () => {
    const one = approval({ approvers: ["ann@x.io"] });
    expect(evaluatePolicy(one)).toEqual({ settled: false });
    expect(evaluatePolicy({ ...one, decisions: decided(["ann@x.io", "approve"]) })).toEqual({
      settled: true,
      status: "APPROVED",
      reason: "quorum",
    });
  });

  it("waits for the second approval of 2-of-3", () => {
    const twoOfThree = approval({ policy: { required: 2 } });
    const first = decided(["ann@x.io", "approve"]);
    expect(evaluatePolicy({ ...twoOfThree, decisions: first })).toEqual({ settled: false });
    const second = decided(["ann@x.io", "approve"], ["cat@x.io", "approve"]);
    expect(evaluatePolicy({ ...twoOfThree, decisions: second })).toMatchObject({
      status: "APPROVED",
      reason: "quorum",
    });
  });

  it("lets any rejection veto the request", () => {
    const twoOfThree = approval({ policy: { required: 2 } });
    const decisions = decided(["ann@x.io", "approve"], ["bob@x.io", "reject"]);
    expect(evaluatePolicy({ ...twoOfThree, decisions })).toEqual({
      settled: true,
      status: "REJECTED",
      reason: "rejected",
    });
  });

  it("settles at the first point in time the decisions settle it", () => {
    // Both were recorded before anyone settled; the earlier approval had already met the quorum.
    const decisions = decided(["bob@x.io", "reject", 5], ["ann@x.io", "approve", 4]);
    expect(evaluatePolicy(approval({ decisions }))).toMatchObject({ status: "APPROVED" });
  });

  it("rejects as soon as the quorum can no longer be reached", () => {
    // 3-of-3 where the requester is an approver: only two people can ever approve.
    const unreachable = approval({ policy: { required: 3 }, requestedBy: "ann@x.io" });
    expect(evaluatePolicy(unreachable)).toEqual({
      settled: true,
      status: "REJECTED",
      reason: "quorum-unreachable",
    });
  });

  it("does not count the requester toward the quorum", () => {
    const twoOfThree = approval({ policy: { required: 2 }, requestedBy: "ann@x.io" });
    // A stored self-approval (which checkDecisionAllowed refuses) still must not count.
    const decisions = decided(["ann@x.io", "approve"], ["bob@x.io", "approve"]);
    expect(evaluatePolicy({ ...twoOfThree, decisions })).toEqual({ settled: false });
    const both = decided(["bob@x.io", "approve"], ["cat@x.io", "approve"]);
    expect(evaluatePolicy({ ...twoOfThree, decisions: both })).toMatchObject({
      status: "APPROVED",
    });
  });

  it("settles a requester's rejection of their own request", () => {
    const withRequester = approval({ requestedBy: "ann@x.io" });
    const decisions = decided(["ann@x.io", "reject"]);
    expect(evaluatePolicy({ ...withRequester, decisions })).toMatchObject({
      status: "REJECTED",
      reason: "rejected",
    });
  });

  it("ignores decisions from people who are not approvers", () => {
    const decisions = decided(["eve@x.io", "approve"]);
    expect(evaluatePolicy(approval({ decisions }))).toEqual({ settled: false });
  });
});

describe("checkDecisionAllowed", () => {
  it("allows an approver to approve or reject a pending request once", () => {
    expect(checkDecisionAllowed(approval(), "Ann@X.io", "approve", beforeDeadline)).toEqual({
      ok: true,
    });
    const again = approval({ decisions: decided(["ann@x.io", "approve"]) });
    expect(checkDecisionAllowed(again, "ann@x.io", "reject", beforeDeadline)).toEqual({
      ok: false,
      reason: "already-decided",
    });
  });

  it("refuses someone who is not an approver", () => {
    expect(checkDecisionAllowed(approval(), "eve@x.io", "approve", beforeDeadline)).toEqual({
      ok: false,
      reason: "not-an-approver",
    });
  });

  it("refuses the requester's own approval but allows their rejection", () => {
    const mine = approval({ requestedBy: "ann@x.io" });
    expect(checkDecisionAllowed(mine, "ann@x.io", "approve", beforeDeadline)).toEqual({
      ok: false,
      reason: "self-approval",
    });
    expect(checkDecisionAllowed(mine, "ann@x.io", "reject", beforeDeadline)).toEqual({ ok: true });
  });

  it("tells an approver who already decided so, even once the request is settled", () => {
    const settled = approval({ status: "APPROVED", decisions: decided(["ann@x.io", "approve"]) });
    expect(checkDecisionAllowed(settled, "ann@x.io", "approve", beforeDeadline)).toEqual({
      ok: false,
      reason: "already-decided",
    });
    expect(checkDecisionAllowed(settled, "eve@x.io", "approve", beforeDeadline)).toEqual({
      ok: false,
      reason: "not-an-approver",
    });
  });

  it("refuses decisions on settled or expired requests", () => {
    const settled = approval({ status: "APPROVED" });
    expect(checkDecisionAllowed(settled, "bob@x.io", "approve", beforeDeadline)).toEqual({
      ok: false,
      reason: "not-pending",
    });
    const atDeadline = { now: new Date(deadline) };
    expect(checkDecisionAllowed(approval(), "bob@x.io", "approve", atDeadline)).toEqual({
      ok: false,
      reason: "expired",
    });
  });
});

describe("resolveTimeout", () => {
  it("follows onTimeout", () => {
    expect(resolveTimeout({ onTimeout: "fail" })).toEqual({ status: "EXPIRED", reason: "timeout" });
    expect(resolveTimeout({ onTimeout: "reject" })).toEqual({
      status: "REJECTED",
      reason: "timeout",
      decision: "reject",
    });
    expect(resolveTimeout({ onTimeout: "approve" })).toEqual({
      status: "APPROVED",
      reason: "timeout",
      decision: "approve",
    });
  });
});

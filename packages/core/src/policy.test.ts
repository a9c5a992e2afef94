import { describe, expect, it } from "vitest";
import type { Approval, Decision, DecisionKind } from "./approval.ts";
import {
  checkDecisionAllowed,
  evaluatePolicy,
  findOutcomeInconsistency,
  listDecisionsInOrder,
  nextDecisionSeq,
  resolveTimeout,
} from "./policy.ts";

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
    version: 0,
    callbackAttempts: 0,
    ...overrides,
  };
}

/** Decisions recorded in the order given (`seq` 1, 2, ...), at minute `minute` (default: seq). */
function decided(...entries: Array<[string, DecisionKind, number?]>): Record<string, Decision> {
  const decisions: Record<string, Decision> = {};
  for (const [index, [approver, decision, minute]] of entries.entries()) {
    const at = new Date(Date.UTC(2026, 2, 1, 12, minute ?? index + 1)).toISOString();
    decisions[approver] = { approver, decision, at, channel: "link", seq: index + 1 };
  }
  return decisions;
}

describe("evaluatePolicy", () => {
  it("settles 1-of-1 on the only approval", () => {
    const one = approval({ approvers: ["ann@x.io"] });
    expect(evaluatePolicy(one)).toEqual({ settled: false });
    const decisions = decided(["ann@x.io", "approve"]);
    expect(evaluatePolicy({ ...one, decisions })).toEqual({
      settled: true,
      status: "APPROVED",
      reason: "quorum",
      decidedBy: [decisions["ann@x.io"]],
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
      decidedBy: [decisions["bob@x.io"]],
    });
  });

  it("replays decisions in the order they were recorded, whatever their timestamps say", () => {
    // bob's rejection was recorded first though its clock read later: it decides.
    const decisions = decided(["bob@x.io", "reject", 5], ["ann@x.io", "approve", 4]);
    expect(evaluatePolicy(approval({ decisions }))).toMatchObject({
      status: "REJECTED",
      decidedBy: [decisions["bob@x.io"]],
    });
    const reversed = decided(["ann@x.io", "approve", 5], ["bob@x.io", "reject", 4]);
    expect(evaluatePolicy(approval({ decisions: reversed }))).toMatchObject({
      status: "APPROVED",
      decidedBy: [reversed["ann@x.io"]],
    });
  });

  it("names every approval that met an N-of-M quorum as what decided it", () => {
    const decisions = decided(["cat@x.io", "approve"], ["ann@x.io", "approve"]);
    expect(evaluatePolicy(approval({ policy: { required: 2 }, decisions }))).toMatchObject({
      status: "APPROVED",
      decidedBy: [decisions["cat@x.io"], decisions["ann@x.io"]],
    });
  });

  it("rejects as soon as the quorum can no longer be reached", () => {
    // 3-of-3 where the requester is an approver: only two people can ever approve.
    const unreachable = approval({ policy: { required: 3 }, requestedBy: "ann@x.io" });
    expect(evaluatePolicy(unreachable)).toEqual({
      settled: true,
      status: "REJECTED",
      reason: "quorum-unreachable",
      decidedBy: [],
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

  it("does not count an alias of the requester toward the quorum", () => {
    const aliased = approval({
      approvers: ["ann+ops@x.io", "bob@x.io"],
      policy: { required: 1 },
      requestedBy: "Ann@x.io",
    });
    const decisions = decided(["ann+ops@x.io", "approve"]);
    expect(evaluatePolicy({ ...aliased, decisions })).toEqual({ settled: false });
  });

  it("ignores decisions from people who are not approvers", () => {
    const decisions = decided(["eve@x.io", "approve"]);
    expect(evaluatePolicy(approval({ decisions }))).toEqual({ settled: false });
  });
});

describe("decision order", () => {
  it("lists decisions by seq, and unnumbered (older) ones first by time", () => {
    const numbered = decided(["bob@x.io", "reject", 9], ["ann@x.io", "approve", 1]);
    const legacy: Decision = {
      approver: "cat@x.io",
      decision: "approve",
      at: "2026-03-01T12:30:00.000Z",
      channel: "api",
    };
    const order = listDecisionsInOrder({ decisions: { ...numbered, "cat@x.io": legacy } });
    expect(order.map((d) => d.approver)).toEqual(["cat@x.io", "bob@x.io", "ann@x.io"]);
  });

  it("numbers the next decision after the last one recorded", () => {
    expect(nextDecisionSeq({ decisions: {} })).toBe(1);
    expect(
      nextDecisionSeq({ decisions: decided(["ann@x.io", "approve"], ["bob@x.io", "approve"]) }),
    ).toBe(3);
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

  it("refuses the requester's approval through a mailbox alias of theirs", () => {
    const mine = approval({ approvers: ["ann+ops@x.io", "bob@x.io"], requestedBy: "ann@x.io" });
    expect(checkDecisionAllowed(mine, "ann+ops@x.io", "approve", beforeDeadline)).toEqual({
      ok: false,
      reason: "self-approval",
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

describe("findOutcomeInconsistency", () => {
  const twoOfThree = { policy: { required: 2 } };

  it("accepts outcomes that follow the recorded decisions", () => {
    const decisions = decided(["ann@x.io", "approve"], ["bob@x.io", "reject"]);
    const rejected = approval({
      ...twoOfThree,
      status: "REJECTED",
      outcome: { status: "REJECTED", reason: "rejected", at: deadline },
      decisions,
    });
    expect(findOutcomeInconsistency(rejected)).toBeUndefined();
    expect(findOutcomeInconsistency(approval())).toBeUndefined();
  });

  it("names an outcome the recorded decisions contradict (the race issue 11 describes)", () => {
    // bob's rejection recorded first, yet the approval says APPROVED by ann's later approval.
    const decisions = decided(["bob@x.io", "reject"], ["ann@x.io", "approve"]);
    const approved = approval({
      status: "APPROVED",
      outcome: { status: "APPROVED", reason: "quorum", at: deadline },
      decisions,
    });
    expect(findOutcomeInconsistency(approved)).toMatch(/settle it REJECTED/);
  });

  it("names a decision recorded after the outcome was determined", () => {
    const decisions = decided(["ann@x.io", "approve"], ["bob@x.io", "reject"]);
    const approved = approval({
      status: "APPROVED",
      outcome: { status: "APPROVED", reason: "quorum", at: deadline },
      decisions,
    });
    expect(findOutcomeInconsistency(approved)).toMatch(/decision 2 was recorded after decision 1/);
  });

  it("names a pending or timed-out approval that its decisions had settled, and gaps in numbering", () => {
    const settledByDecisions = decided(["ann@x.io", "approve"]);
    expect(findOutcomeInconsistency(approval({ decisions: settledByDecisions }))).toMatch(
      /PENDING, but the decisions settle it APPROVED/,
    );
    const expired = approval({
      status: "EXPIRED",
      outcome: { status: "EXPIRED", reason: "timeout", at: deadline },
      decisions: settledByDecisions,
    });
    expect(findOutcomeInconsistency(expired)).toMatch(/EXPIRED \(timeout\), but/);
    const gap = decided(["ann@x.io", "approve"], ["bob@x.io", "approve"]);
    gap["bob@x.io"]!.seq = 3;
    expect(findOutcomeInconsistency(approval({ ...twoOfThree, decisions: gap }))).toMatch(
      /numbered 1, 3/,
    );
  });
});

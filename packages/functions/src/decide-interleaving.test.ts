/**
 * Racing decisions, in a chosen order. Two approvers decide the same approval at once: both read
 * it before either writes, then their writes reach DynamoDB in the order the test sets (held by
 * a store wrapper, never by sleeps in production code). Whatever the order, the outcome must be
 * the policy's answer for the decisions recorded, in the order they were recorded; a decision
 * that arrives once the outcome is determined is refused, never "recorded"; and the task hears
 * exactly once. A randomized run then checks the same invariants over many interleavings.
 */
import { randomUUID } from "node:crypto";
import {
  type DecideResult,
  type DecisionKind,
  decide,
  type FlowDeps,
  findOutcomeInconsistency,
  requestApproval,
  verifyAuditChain,
} from "@signoff/core";
import { beforeEach, describe, expect, it } from "vitest";
import { createTestRuntime } from "./test-support/runtime-fixture.ts";
import type { WaitingTask } from "./test-support/sfn-emulator.ts";
import { createBarrier, createGate, withStoreHooks } from "./test-support/store-hooks.ts";
import { useEmulators } from "./test-support/use-emulators.ts";

const emulators = useEmulators();
let deps: FlowDeps;

beforeEach(async () => {
  const tableName = await emulators.dynamo.createTable();
  deps = createTestRuntime({
    dynamo: emulators.dynamo,
    ses: emulators.ses,
    tableName,
    sfnEndpoint: emulators.sfn.endpoint,
  }).deps;
});

interface Requested {
  id: string;
  task: WaitingTask;
}

async function requested(approvers: string[], required = 1): Promise<Requested> {
  const task = await emulators.sfn.startWaitingTask();
  const result = await requestApproval(deps, {
    taskToken: task.token,
    approvers,
    subject: `Race ${randomUUID()}`,
    timeoutSeconds: 3600,
    policy: { required },
    context: {},
  });
  if (!result.ok) throw new Error(result.message);
  return { id: result.approvalId, task };
}

/** The callbacks Step Functions accepted for an execution, from its history. */
async function callbacksOf(executionArn: string): Promise<string[]> {
  return (await emulators.sfn.history(executionArn))
    .map((event) => event.type ?? "")
    .filter((type) => type === "TaskSucceeded" || type === "TaskFailed");
}

interface Press {
  approver: string;
  decision: DecisionKind;
}

/**
 * What must hold after any set of racing decisions, whatever the interleaving: checked on every
 * result of these tests and of the reliability storm.
 */
async function expectDecisionInvariants(
  approval: Requested,
  presses: readonly Press[],
  results: readonly DecideResult[],
): Promise<void> {
  const stored = (await deps.store.get(approval.id))!;
  // 1. The outcome is the policy's answer for the recorded decisions, in recording order, and
  //    nothing was recorded after the decision that determined it.
  expect(findOutcomeInconsistency(stored), approval.id).toBeUndefined();
  // 2. Every "recorded" answer is a decision in that set; every refusal left nothing behind.
  for (const [i, result] of results.entries()) {
    const press = presses[i]!;
    const own = stored.decisions[press.approver];
    if (result.ok) {
      expect(own, `${press.approver} was told "recorded"`).toEqual(result.decision);
      expect(own?.decision).toBe(press.decision);
    } else {
      expect(result.reason, `${press.approver}'s refusal`).toBe("not-pending");
      expect(own, `${press.approver} was refused but is stored`).toBeUndefined();
    }
  }
  // 3. Settled by people: the task heard exactly once, and what the outcome says.
  if (stored.status === "APPROVED" || stored.status === "REJECTED") {
    await emulators.sfn.waitForEnd(approval.task.executionArn);
    expect(await callbacksOf(approval.task.executionArn)).toEqual([
      stored.status === "APPROVED" ? "TaskSucceeded" : "TaskFailed",
    ]);
    expect(stored).toMatchObject({ callback: "DELIVERED", callbackAttempts: 1 });
  } else {
    expect(await callbacksOf(approval.task.executionArn)).toEqual([]);
  }
  // 4. The audit trail, chained through the head on the approval, verifies and records each
  //    recorded decision once.
  const events = await deps.store.listEvents(approval.id);
  expect(verifyAuditChain(events), approval.id).toMatchObject({ ok: true });
  expect(events.filter((event) => event.type === "decided")).toHaveLength(
    Object.keys(stored.decisions).length,
  );
}

/**
 * Runs `presses` at once: each reads the approval, all wait until every one has read, and then
 * their deciding writes reach the store one at a time, in `order` (indexes into `presses`).
 */
async function raceInOrder(
  approval: Requested,
  presses: readonly Press[],
  order: readonly number[],
): Promise<DecideResult[]> {
  const allRead = createBarrier(presses.length);
  const turns = presses.map(() => createGate());
  turns[order[0]!]!.open();
  return Promise.all(
    presses.map((press, i) => {
      let reads = 0;
      let commits = 0;
      const store = withStoreHooks(deps.store, {
        async before(method) {
          if (method === "commitDecision" && commits++ === 0) await turns[i]!.promise;
        },
        async after(method) {
          if (method === "get" && reads++ === 0) await allRead.arrive();
          // The next press in the order may write once this press's first write is done.
          if (method === "commitDecision" && commits === 1) {
            const next = order[order.indexOf(i) + 1];
            if (next !== undefined) turns[next]!.open();
          }
        },
      });
      return decide({ ...deps, store }, { approvalId: approval.id, ...press, channel: "link" });
    }),
  );
}

const alice: Press = { approver: "alice@example.com", decision: "approve" };
const bob: Press = { approver: "bob@example.com", decision: "reject" };

describe("an approve and a reject at the same moment on a 1-of-2 approval", () => {
  it("approves when alice's write lands first, and refuses bob's rejection as too late", async () => {
    const approval = await requested([alice.approver, bob.approver]);
    const [a, b] = await raceInOrder(approval, [alice, bob], [0, 1]);
    expect(a).toMatchObject({ ok: true, approval: { status: "APPROVED" } });
    expect(b).toMatchObject({
      ok: false,
      reason: "not-pending",
      approval: { status: "APPROVED", decisions: { [alice.approver]: { decision: "approve" } } },
    });
    expect(Object.keys((await deps.store.get(approval.id))!.decisions)).toEqual([alice.approver]);
    await expectDecisionInvariants(approval, [alice, bob], [a!, b!]);
  });

  it("rejects when bob's write lands first, and refuses alice's approval as too late", async () => {
    const approval = await requested([alice.approver, bob.approver]);
    const [a, b] = await raceInOrder(approval, [alice, bob], [1, 0]);
    expect(b).toMatchObject({ ok: true, approval: { status: "REJECTED" } });
    expect(a).toMatchObject({ ok: false, reason: "not-pending", approval: { status: "REJECTED" } });
    expect((await emulators.sfn.waitForEnd(approval.task.executionArn)).error).toBe(
      "Approval.Rejected",
    );
    await expectDecisionInvariants(approval, [alice, bob], [a!, b!]);
  });
});

describe("racing decisions on a 2-of-3 approval", () => {
  const cat: Press = { approver: "cat@example.com", decision: "approve" };
  const approvers = [alice.approver, bob.approver, cat.approver];

  it("records both approvals and settles on the second, whichever writes first", async () => {
    for (const order of [
      [0, 1],
      [1, 0],
    ]) {
      const approval = await requested(approvers, 2);
      const results = await raceInOrder(approval, [alice, cat], order);
      expect(results.every((result) => result.ok)).toBe(true);
      const stored = (await deps.store.get(approval.id))!;
      expect(stored.status).toBe("APPROVED");
      const second = order[1] === 0 ? alice : cat;
      expect(stored.decisions[second.approver]?.seq).toBe(2);
      await expectDecisionInvariants(approval, [alice, cat], results);
    }
  });

  it("lets a rejection recorded after an approval reject, and one recorded before refuse it", async () => {
    const approveFirst = await requested(approvers, 2);
    const first = await raceInOrder(approveFirst, [alice, bob], [0, 1]);
    expect(first.every((result) => result.ok)).toBe(true);
    expect((await deps.store.get(approveFirst.id))?.status).toBe("REJECTED");
    await expectDecisionInvariants(approveFirst, [alice, bob], first);

    const rejectFirst = await requested(approvers, 2);
    const second = await raceInOrder(rejectFirst, [alice, bob], [1, 0]);
    expect(second[0]).toMatchObject({ ok: false, reason: "not-pending" });
    expect(second[1]).toMatchObject({ ok: true, approval: { status: "REJECTED" } });
    await expectDecisionInvariants(rejectFirst, [alice, bob], second);
  });
});

describe("random interleavings", () => {
  it("keep every invariant over 24 approvals with up to 5 approvers deciding at once", async () => {
    // A seeded generator, so a failure names a run that can be repeated.
    let seed = 20261204;
    const random = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const delay = () =>
      new Promise<void>((resolve) => setTimeout(resolve, Math.floor(random() * 4)));
    for (let run = 0; run < 24; run++) {
      const count = 2 + Math.floor(random() * 4);
      const approvers = Array.from({ length: count }, (_, i) => `p${i}@example.com`);
      const required = 1 + Math.floor(random() * count);
      const approval = await requested(approvers, required);
      const presses: Press[] = approvers.map((approver) => ({
        approver,
        decision: random() < 0.25 ? "reject" : "approve",
      }));
      const store = withStoreHooks(deps.store, { before: delay, after: delay });
      const results = await Promise.all(
        presses.map((press) =>
          decide({ ...deps, store }, { approvalId: approval.id, ...press, channel: "api" }),
        ),
      );
      await expectDecisionInvariants(approval, presses, results);
    }
  });
});

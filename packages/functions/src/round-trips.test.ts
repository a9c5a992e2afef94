/**
 * Round trips (issue 13): a request and a settling decision make no more AWS calls than their
 * design floor, counted on the wire by SDK middleware against dynalite, the SES emulator and
 * sfn-local; and the audit chain, whose head lives on the approval item, still verifies after
 * racing writers and after a crash between any two of the decision's writes (faults injected
 * around the real store).
 */
import { randomUUID } from "node:crypto";
import {
  type ApprovalStore,
  type AuditEventType,
  decide,
  deliverCallback,
  type FlowDeps,
  requestApproval,
  sweepDue,
  verifyAuditChain,
} from "@signoff/core";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { AUDIT_TAIL_FLUSH_AT } from "./adapters/dynamo-approval-store.ts";
import { createTestRuntime } from "./test-support/runtime-fixture.ts";
import { type StoreMethod, withStoreHooks } from "./test-support/store-hooks.ts";
import { useEmulators } from "./test-support/use-emulators.ts";
import { createWireCallClients, type WireCalls } from "./test-support/wire-calls.ts";

/** A settling decision: read, one conditional write, SendTask*, one batch, mark delivered. */
const DECIDE_FLOOR = 5;
/** A request: listing batch, conditional put, one write recording the emails; plus SendEmail each. */
const REQUEST_FLOOR = 3;

const ANN = "ann@example.com";
const BOB = "bob@example.com";

const emulators = useEmulators();
let wire: WireCalls;
let deps: FlowDeps;
let time = Date.parse("2026-03-02T09:00:00.000Z");

beforeEach(async () => {
  const tableName = await emulators.dynamo.createTable();
  wire = createWireCallClients(emulators.dynamo, emulators.ses, emulators.sfn.endpoint);
  deps = createTestRuntime({
    dynamo: wire.dynamo,
    ses: wire.ses,
    sfnClient: wire.sfn,
    tableName,
    clock: () => new Date(time),
  }).deps;
});

afterEach(() => wire.destroy());

async function requested(approvers = [ANN, BOB], required = 1) {
  const task = await emulators.sfn.startWaitingTask();
  const result = await requestApproval(deps, {
    taskToken: task.token,
    approvers,
    subject: `Round trips ${randomUUID()}`,
    timeoutSeconds: 3600,
    policy: { required },
    context: {},
  });
  if (!result.ok) throw new Error(result.message);
  return { id: result.approvalId, task };
}

/** The wire calls `action` makes. */
async function callsOf(action: () => Promise<unknown>): Promise<string[]> {
  wire.calls.length = 0;
  await action();
  return [...wire.calls];
}

async function expectTrail(id: string, types: AuditEventType[]): Promise<void> {
  const events = await deps.store.listEvents(id);
  expect(verifyAuditChain(events)).toEqual({ ok: true, count: types.length });
  expect(events.map((event) => event.type)).toEqual(types);
}

/** The real store, except that `method` fails as a process dying there would leave things. */
function crashAt(method: StoreMethod, when: "before" | "after"): ApprovalStore {
  const crash = () => {
    if (when === "before") throw new Error(`crashed before ${method} (injected)`);
  };
  return withStoreHooks(deps.store, {
    before: (called) => (called === method ? crash() : undefined),
    after(called) {
      if (called === method && when === "after") {
        throw new Error(`crashed after ${method} (injected)`);
      }
    },
  });
}

describe("calls per operation, on the wire", () => {
  it("requests two approvers' decisions with three DynamoDB calls and one SendEmail each", async () => {
    let id = "";
    const calls = await callsOf(async () => {
      id = (await requested()).id;
    });
    const email = calls.filter((call) => call === "SendEmail");
    expect(email).toHaveLength(2);
    expect(calls.length - email.length).toBeLessThanOrEqual(REQUEST_FLOOR);
    await expectTrail(id, ["requested", "emailed", "emailed"]);
  });

  it("requests ten approvers' decisions with three DynamoDB calls and one SendEmail each", async () => {
    const approvers = Array.from({ length: 10 }, (_, i) => `approver${i}@example.com`);
    const calls = await callsOf(() => requested(approvers));
    const email = calls.filter((call) => call === "SendEmail");
    expect(email).toHaveLength(10);
    expect(calls.length - email.length).toBeLessThanOrEqual(REQUEST_FLOOR);
  });

  it("settles a decision with at most five calls, one of them SendTaskSuccess", async () => {
    const { id, task } = await requested([ANN]);
    const calls = await callsOf(() =>
      decide(deps, { approvalId: id, approver: ANN, decision: "approve", channel: "api" }),
    );
    expect(calls.length).toBeLessThanOrEqual(DECIDE_FLOOR);
    expect(calls.filter((call) => call === "SendTaskSuccess")).toHaveLength(1);
    expect(calls.filter((call) => call === "Query")).toEqual([]);
    expect(await emulators.sfn.waitForEnd(task.executionArn)).toMatchObject({
      status: "SUCCEEDED",
    });
    await expectTrail(id, ["requested", "emailed", "decided", "settled", "callback-sent"]);
    // The batch beside the callback wrote the tail out; the finishing write kept only its own.
    expect((await deps.store.get(id))?.audit?.tail.map((event) => event.type)).toEqual([
      "callback-sent",
    ]);
  });

  it("expires an approval past its deadline with one write carrying the outcome and its event", async () => {
    const { id, task } = await requested([ANN]);
    time += 3601 * 1000;
    const calls = await callsOf(() => sweepDue(deps, { limit: 10 }));
    // Reading the due shards and the due approvals aside, per approval: the settling write (its
    // expired event chained on), SendTask* beside the listing batch, and the finishing write.
    const perApproval = calls.filter((call) => call !== "Query" && call !== "BatchGetItem");
    expect(perApproval.filter((call) => call === "UpdateItem")).toHaveLength(2);
    expect(perApproval).toHaveLength(4);
    expect(await emulators.sfn.waitForEnd(task.executionArn)).toMatchObject({
      status: "FAILED",
    });
    await expectTrail(id, ["requested", "emailed", "expired", "callback-sent"]);
  });

  it("chains the expired event onto a head that moved after the sweeper read the approval", async () => {
    const { id } = await requested([ANN]);
    time += 3601 * 1000;
    let appended = false;
    const store = deps.store;
    deps = {
      ...deps,
      store: withStoreHooks(store, {
        async before(called) {
          // Another writer appends an event between the sweeper's read and its settling write.
          if (called === "settle" && !appended) {
            appended = true;
            await store.appendEvent(id, {
              type: "viewed",
              at: new Date(time).toISOString(),
              actor: ANN,
              data: {},
            });
          }
        },
      }),
    };
    const stats = await sweepDue(deps, { limit: 10 });
    expect(stats.expired).toBe(1);
    expect(appended).toBe(true);
    await expectTrail(id, ["requested", "emailed", "viewed", "expired", "callback-sent"]);
  });

  it("records a decision that settles nothing with a read and one conditional write", async () => {
    const { id } = await requested([ANN, BOB], 2);
    const calls = await callsOf(() =>
      decide(deps, { approvalId: id, approver: ANN, decision: "approve", channel: "api" }),
    );
    expect(calls).toEqual(["GetItem", "UpdateItem"]);
  });
});

describe("the audit chain with its head on the approval", () => {
  it("verifies after two approvers decide at the same moment", async () => {
    const { id } = await requested([ANN, BOB], 2);
    const results = await Promise.all(
      [ANN, BOB].map((approver) =>
        decide(deps, { approvalId: id, approver, decision: "approve", channel: "api" }),
      ),
    );
    expect(results.every((result) => result.ok)).toBe(true);
    const events = await deps.store.listEvents(id);
    expect(verifyAuditChain(events)).toMatchObject({ ok: true });
    expect(events.filter((event) => event.type === "decided")).toHaveLength(2);
    expect(events.filter((event) => event.type === "settled")).toHaveLength(1);
  });

  it("verifies after a crash right after the deciding write, and the sweeper's retry completes it", async () => {
    const { id, task } = await requested([ANN]);
    await expect(
      decide(
        { ...deps, store: crashAt("commitDecision", "after") },
        { approvalId: id, approver: ANN, decision: "approve", channel: "api" },
      ),
    ).rejects.toThrow("injected");
    // Nothing but the approval item holds the decision's events yet.
    await expectTrail(id, ["requested", "emailed", "decided", "settled"]);

    time += 60_000;
    expect(await deliverCallback(deps, id)).toMatchObject({ status: "delivered", attempt: 2 });
    expect(await emulators.sfn.waitForEnd(task.executionArn)).toMatchObject({
      status: "SUCCEEDED",
    });
    await expectTrail(id, ["requested", "emailed", "decided", "settled", "callback-sent"]);
  });

  it("verifies after a crash between the callback and the write that marks it delivered", async () => {
    const { id, task } = await requested([ANN]);
    // The decision is stored, so the caller hears "recorded"; the callback is the sweeper's now.
    const result = await decide(
      { ...deps, store: crashAt("finishCallback", "before") },
      { approvalId: id, approver: ANN, decision: "approve", channel: "api" },
    );
    expect(result).toMatchObject({ ok: true });
    expect(result.ok && result.callback).toBeUndefined();
    await emulators.sfn.waitForEnd(task.executionArn);
    await expectTrail(id, ["requested", "emailed", "decided", "settled"]);

    time += 60_000;
    expect(await deliverCallback(deps, id)).toMatchObject({ status: "delivered", ambiguous: true });
    await expectTrail(id, ["requested", "emailed", "decided", "settled", "callback-sent"]);
  });

  it("verifies when the batch beside the callback fails, keeping every event on the approval", async () => {
    const { id } = await requested([ANN]);
    const result = await decide(
      { ...deps, store: crashAt("refreshListing", "before") },
      { approvalId: id, approver: ANN, decision: "approve", channel: "api" },
    );
    expect(result).toMatchObject({ ok: true, callback: { status: "delivered" } });
    await expectTrail(id, ["requested", "emailed", "decided", "settled", "callback-sent"]);
    expect((await deps.store.get(id))?.audit?.tail).toHaveLength(5);
  });

  it("verifies when other events move the head between the decision's writes", async () => {
    const { id, task } = await requested([ANN]);
    const viewed = { type: "viewed" as const, at: new Date(time).toISOString(), actor: BOB };
    // Someone's view lands after the deciding write and again before the finishing one.
    const store = withStoreHooks(deps.store, {
      async before(method) {
        if (method === "finishCallback") await deps.store.appendEvent(id, viewed);
      },
      async after(method) {
        if (method === "commitDecision") await deps.store.appendEvent(id, viewed);
      },
    });
    const result = await decide(
      { ...deps, store },
      { approvalId: id, approver: ANN, decision: "approve", channel: "api" },
    );
    expect(result).toMatchObject({ ok: true, callback: { status: "delivered" } });
    await emulators.sfn.waitForEnd(task.executionArn);
    await expectTrail(id, [
      "requested",
      "emailed",
      "decided",
      "settled",
      "viewed",
      "viewed",
      "callback-sent",
    ]);
    expect(await deps.store.get(id)).toMatchObject({ callback: "DELIVERED" });
  });

  it("keeps the tail on the approval short, writing it out before it grows past the limit", async () => {
    const { id } = await requested([ANN]);
    const views = 3 * AUDIT_TAIL_FLUSH_AT;
    for (let i = 0; i < views; i++) {
      await deps.store.appendEvent(id, {
        type: "viewed",
        at: new Date(time).toISOString(),
        actor: ANN,
      });
      expect((await deps.store.get(id))?.audit?.tail.length).toBeLessThanOrEqual(
        AUDIT_TAIL_FLUSH_AT,
      );
    }
    const events = await deps.store.listEvents(id);
    expect(verifyAuditChain(events)).toEqual({ ok: true, count: 2 + views });
  });

  it("chains onto the event items of an approval stored before heads existed", async () => {
    const { id } = await requested([ANN]);
    const { audit: _head, ...legacy } = (await deps.store.get(id))!;
    const store = deps.store;
    // The same approval stored again without a head, its events as items only.
    const legacyId = `${id.slice(0, -1)}${id.endsWith("A") ? "B" : "A"}`;
    await store.create({ ...legacy, id: legacyId });
    await store.appendEvent(legacyId, { type: "requested", at: legacy.createdAt, actor: "x" });
    const result = await decide(deps, {
      approvalId: legacyId,
      approver: ANN,
      decision: "approve",
      channel: "api",
    });
    expect(result.ok).toBe(true);
    const events = await store.listEvents(legacyId);
    expect(verifyAuditChain(events)).toMatchObject({ ok: true });
    expect(events.map((event) => event.type).slice(0, 3)).toEqual([
      "requested",
      "decided",
      "settled",
    ]);
  });
});

describe("calls per operation with webhook URLs", () => {
  const hooks = { secret: `whsec_${"A".repeat(43)}=`, urls: ["https://dash.example.com/hooks"] };

  beforeEach(async () => {
    deps = createTestRuntime({
      dynamo: wire.dynamo,
      ses: wire.ses,
      sfnClient: wire.sfn,
      tableName: await emulators.dynamo.createTable(),
      clock: () => new Date(time),
      webhooks: hooks,
    }).deps;
  });

  it("requests with the same calls: the message is queued by the sweeper, not here", async () => {
    const calls = await callsOf(() => requested());
    const email = calls.filter((call) => call === "SendEmail");
    expect(calls.length - email.length).toBeLessThanOrEqual(REQUEST_FLOOR);
  });

  it("records a decision that settles nothing with the same read and one conditional write", async () => {
    const { id } = await requested([ANN, BOB], 2);
    const calls = await callsOf(() =>
      decide(deps, { approvalId: id, approver: ANN, decision: "approve", channel: "api" }),
    );
    expect(calls).toEqual(["GetItem", "UpdateItem"]);
    // That write moved the approval up in the due index, for the sweeper to queue the message.
    expect((await deps.store.get(id))?.dueAt).toBe(time);
  });

  it("settles with the same five calls plus one PutItem per message, beside the batch", async () => {
    const { id } = await requested([ANN]);
    const calls = await callsOf(() =>
      decide(deps, { approvalId: id, approver: ANN, decision: "approve", channel: "api" }),
    );
    const puts = calls.filter((call) => call === "PutItem");
    // The tail held requested (not yet queued by a sweep), decided and settled.
    expect(puts).toHaveLength(3);
    expect(calls.length - puts.length).toBeLessThanOrEqual(DECIDE_FLOOR);
  });
});

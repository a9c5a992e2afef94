import { GetCommand, PutCommand } from "@aws-sdk/lib-dynamodb";
import {
  type ApprovalStore,
  DEFAULT_DUE_SHARDS,
  type Decision,
  dueKeyOf,
  type EmailProblem,
  MAX_EMAIL_PROBLEMS,
  type Outcome,
  TableSchema,
  verifyAuditChain,
} from "@signoff/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeApproval, randomApprovalId } from "../test-support/approval-fixture.ts";
import { type DynamoEmulator, startDynamo } from "../test-support/emulators.ts";
import { approvalKey, toApprovalItem } from "./dynamo-approval-item.ts";
import { createDynamoApprovalStore } from "./dynamo-approval-store.ts";
import { ApprovalStoreError } from "./errors.ts";

let dynamo: DynamoEmulator;
let store: ApprovalStore;
let tableName: string;

beforeAll(async () => {
  dynamo = await startDynamo();
  tableName = await dynamo.createTable();
  store = createDynamoApprovalStore({ client: dynamo.documentClient, tableName });
});

afterAll(async () => {
  await dynamo?.stop();
});

function decision(approver: string, kind: Decision["decision"] = "approve"): Decision {
  return { approver, decision: kind, at: "2026-01-14T15:10:00.000Z", channel: "link" };
}

const approved: Outcome = { status: "APPROVED", reason: "quorum", at: "2026-01-14T15:11:00.000Z" };

/** The due-index shard the store under test keeps `id` in while something is due. */
function shardOf(id: string): string {
  return dueKeyOf(id, DEFAULT_DUE_SHARDS);
}

async function rawItem(id: string): Promise<Record<string, unknown> | undefined> {
  const { Item } = await dynamo.documentClient.send(
    new GetCommand({ TableName: tableName, Key: approvalKey(id), ConsistentRead: true }),
  );
  return Item;
}

/** A settled approval whose callback is PENDING and due at `dueAt`. */
async function settledApproval(dueAt = 1_000) {
  const approval = makeApproval();
  await store.create(approval);
  await store.settle(approval.id, { outcome: approved, firstAttempt: { retryAt: dueAt } });
  return approval;
}

describe("create and get", () => {
  it("stores a new approval and reads it back", async () => {
    const approval = makeApproval({ requestedBy: undefined });
    expect(await store.create(approval)).toEqual({ ok: true, approval: expect.anything() });
    const stored = await store.get(approval.id);
    const { requestedBy: _omitted, ...expected } = approval;
    expect(stored).toEqual(expected);
  });

  it("refuses a second create with the same id and returns the stored approval", async () => {
    const approval = makeApproval();
    await store.create(approval);
    const again = await store.create({ ...approval, subject: "something else" });
    expect(again).toEqual({ ok: false, reason: "exists", approval });
  });

  it("returns undefined for an unknown id", async () => {
    expect(await store.get("nosuchapproval")).toBeUndefined();
  });

  it("puts the due index attributes on the item exactly when dueAt is set", async () => {
    const due = makeApproval();
    const notDue = makeApproval({ dueAt: undefined });
    await store.create(due);
    await store.create(notDue);
    expect(await rawItem(due.id)).toMatchObject({ dueKey: shardOf(due.id), dueAt: due.dueAt });
    const item = await rawItem(notDue.id);
    expect(item).not.toHaveProperty(TableSchema.dueIndex.partitionKey);
    expect(item).not.toHaveProperty(TableSchema.dueIndex.sortKey);
  });

  it("keeps the token ciphertext exactly as given", async () => {
    const approval = makeApproval();
    await store.create(approval);
    expect((await rawItem(approval.id))?.tokenCiphertext).toBe(approval.tokenCiphertext);
  });
});

describe("commitDecision", () => {
  it("adds a decision to a pending approval at the version it was read at, and bumps the version", async () => {
    const approval = makeApproval();
    await store.create(approval);
    const result = await store.commitDecision(approval.id, {
      version: 0,
      decision: decision("ann@example.com"),
    });
    expect(result.ok).toBe(true);
    expect(result.ok && result.approval.decisions["ann@example.com"]).toEqual(
      decision("ann@example.com"),
    );
    expect(result.ok && result.approval).toMatchObject({ status: "PENDING", version: 1 });
  });

  it("accepts approver emails that are not valid expression names", async () => {
    const approval = makeApproval();
    await store.create(approval);
    const approver = "o'neil.ann+ops@example.com";
    const result = await store.commitDecision(approval.id, {
      version: 0,
      decision: { ...decision(approver), comment: undefined },
    });
    expect(result.ok && Object.keys(result.approval.decisions)).toEqual([approver]);
  });

  it("refuses a decision evaluated on an older version and returns what is stored", async () => {
    const approval = makeApproval();
    await store.create(approval);
    await store.commitDecision(approval.id, { version: 0, decision: decision("ann@example.com") });
    const stale = await store.commitDecision(approval.id, {
      version: 0,
      decision: decision("bob@example.com", "reject"),
    });
    expect(stale).toMatchObject({ ok: false, reason: "conflict", approval: { version: 1 } });
    expect(!stale.ok && "approval" in stale && Object.keys(stale.approval.decisions)).toEqual([
      "ann@example.com",
    ]);
    const current = await store.commitDecision(approval.id, {
      version: 1,
      decision: decision("bob@example.com", "reject"),
    });
    expect(current.ok && current.approval.version).toBe(2);
  });

  it("refuses a second decision by the same approver even at the current version", async () => {
    const approval = makeApproval();
    await store.create(approval);
    await store.commitDecision(approval.id, {
      version: 0,
      decision: decision("ann@example.com", "approve"),
    });
    const again = await store.commitDecision(approval.id, {
      version: 1,
      decision: decision("ann@example.com", "reject"),
    });
    expect(again).toMatchObject({ ok: false, reason: "conflict" });
    expect(
      !again.ok && "approval" in again && again.approval.decisions["ann@example.com"]?.decision,
    ).toBe("approve");
  });

  it("writes the decision and the outcome it settles together, claiming callback attempt 1", async () => {
    const approval = makeApproval();
    await store.create(approval);
    const result = await store.commitDecision(approval.id, {
      version: 0,
      decision: decision("ann@example.com"),
      settlement: { outcome: approved, firstAttempt: { retryAt: 4_321 } },
    });
    expect(result.ok).toBe(true);
    expect(await store.get(approval.id)).toMatchObject({
      status: "APPROVED",
      outcome: approved,
      callback: "PENDING",
      callbackAttempts: 1,
      dueAt: 4_321,
      version: 1,
      decisions: { "ann@example.com": decision("ann@example.com") },
    });
    expect(await rawItem(approval.id)).toMatchObject({
      dueKey: shardOf(approval.id),
      dueAt: 4_321,
    });
  });

  it("refuses a decision once the approval is settled, whatever version it names", async () => {
    const approval = makeApproval();
    await store.create(approval);
    await store.settle(approval.id, { outcome: approved, firstAttempt: { retryAt: 1 } });
    for (const version of [0, 1]) {
      const late = await store.commitDecision(approval.id, {
        version,
        decision: decision("bob@example.com"),
      });
      expect(late).toMatchObject({
        ok: false,
        reason: "conflict",
        approval: { status: "APPROVED", decisions: {} },
      });
    }
  });

  it("reports an unknown approval as not found", async () => {
    expect(
      await store.commitDecision("nosuchapproval", {
        version: 0,
        decision: decision("ann@example.com"),
      }),
    ).toEqual({ ok: false, reason: "not-found" });
  });

  it("lets exactly one of 20 concurrent decisions at the same version land", async () => {
    const approvers = Array.from({ length: 20 }, (_, i) => `approver${i}@example.com`);
    const approval = makeApproval({ approvers, policy: { required: 20 } });
    await store.create(approval);
    const results = await Promise.all(
      approvers.map((approver) =>
        store.commitDecision(approval.id, { version: 0, decision: decision(approver) }),
      ),
    );
    expect(results.filter((result) => result.ok)).toHaveLength(1);
    const stored = await store.get(approval.id);
    expect(Object.keys(stored?.decisions ?? {})).toHaveLength(1);
    expect(stored?.version).toBe(1);
  });
});

describe("settle", () => {
  it("writes the outcome once under 10 concurrent settles", async () => {
    const approval = makeApproval();
    await store.create(approval);
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        store.settle(approval.id, {
          outcome: { ...approved, at: `2026-01-14T15:11:0${i}.000Z` },
          firstAttempt: { retryAt: 5_000 + i },
        }),
      ),
    );
    const winners = results.filter((result) => result.ok);
    expect(winners).toHaveLength(1);
    expect(results.filter((result) => !result.ok && result.reason === "not-pending")).toHaveLength(
      9,
    );
    const stored = await store.get(approval.id);
    expect(winners[0]?.ok && winners[0].approval).toEqual(stored);
    expect(stored).toMatchObject({
      status: "APPROVED",
      callback: "PENDING",
      callbackAttempts: 1,
      version: 1,
    });
  });

  it("removes the due attributes when nothing is due afterwards", async () => {
    const approval = makeApproval();
    await store.create(approval);
    const result = await store.settle(approval.id, {
      outcome: { status: "CANCELLED", reason: "execution-ended", at: approved.at },
    });
    expect(result.ok && result.approval.dueAt).toBeUndefined();
    expect(await rawItem(approval.id)).not.toHaveProperty("dueKey");
  });

  it("claims callback attempt 1 and moves dueAt to its retry time", async () => {
    const approval = makeApproval();
    await store.create(approval);
    await store.settle(approval.id, { outcome: approved, firstAttempt: { retryAt: 1_234 } });
    expect(await rawItem(approval.id)).toMatchObject({
      dueKey: shardOf(approval.id),
      dueAt: 1_234,
      callback: "PENDING",
      callbackAttempts: 1,
    });
  });

  it("reports an unknown approval as not found", async () => {
    expect(
      await store.settle("nosuchapproval", { outcome: approved, firstAttempt: { retryAt: 1 } }),
    ).toEqual({ ok: false, reason: "not-found" });
  });
});

describe("callbacks", () => {
  it("lets exactly one of 10 concurrent senders claim an attempt", async () => {
    const approval = await settledApproval();
    const claims = await Promise.all(
      Array.from({ length: 10 }, () => store.claimCallback(approval.id, 2, 60_000)),
    );
    expect(claims.filter((claim) => claim !== undefined)).toHaveLength(1);
    expect(await store.get(approval.id)).toMatchObject({ callbackAttempts: 2, dueAt: 60_000 });
  });

  it("only claims the attempt after the stored one", async () => {
    const approval = await settledApproval();
    expect(await store.claimCallback(approval.id, 1, 60_000)).toBeUndefined();
    expect(await store.claimCallback(approval.id, 3, 60_000)).toBeUndefined();
    expect(await store.claimCallback(approval.id, 2, 60_000)).toMatchObject({
      callbackAttempts: 2,
    });
    expect(await store.claimCallback(approval.id, 3, 90_000)).toMatchObject({
      callbackAttempts: 3,
    });
  });

  it("does not claim a callback that is not pending", async () => {
    const approval = makeApproval();
    await store.create(approval);
    expect(await store.claimCallback(approval.id, 1, 60_000)).toBeUndefined();
  });

  it("records a failure for the latest claim only", async () => {
    const approval = await settledApproval();
    await store.claimCallback(approval.id, 2, 90_000);
    expect(await store.failCallback(approval.id, 1, "stale")).toBe(false);
    expect(await store.failCallback(approval.id, 2, "ThrottlingException: retry later")).toBe(true);
    expect(await store.get(approval.id)).toMatchObject({
      callback: "PENDING",
      callbackError: "ThrottlingException: retry later",
      dueAt: 90_000,
    });
  });

  it("finishes a delivered callback and takes it off the due index", async () => {
    const approval = await settledApproval(2_000);
    const before = await store.listDue(10_000, 100);
    expect(before.approvals.map((a) => a.id)).toContain(approval.id);

    expect(await store.finishCallback(approval.id, 1, { callback: "DELIVERED" })).toBe(true);
    const after = await store.listDue(10_000, 100);
    expect(after.approvals.map((a) => a.id)).not.toContain(approval.id);
    const stored = await store.get(approval.id);
    expect(stored).toMatchObject({ callback: "DELIVERED", status: "APPROVED" });
    expect(stored?.dueAt).toBeUndefined();
  });

  it("replaces the outcome when the task had already closed", async () => {
    const approval = await settledApproval();
    const expired: Outcome = { status: "EXPIRED", reason: "task-closed", at: approved.at };
    expect(
      await store.finishCallback(approval.id, 1, {
        callback: "GAVE_UP",
        outcome: expired,
        error: "TaskTimedOut: the task has already closed",
      }),
    ).toBe(true);
    expect(await store.get(approval.id)).toMatchObject({
      status: "EXPIRED",
      version: 2,
      outcome: expired,
      callback: "GAVE_UP",
      callbackError: "TaskTimedOut: the task has already closed",
    });
  });

  it("refuses to finish a stale attempt or a finished callback", async () => {
    const approval = await settledApproval();
    await store.claimCallback(approval.id, 2, 90_000);
    expect(await store.finishCallback(approval.id, 1, { callback: "DELIVERED" })).toBe(false);
    expect(await store.finishCallback(approval.id, 2, { callback: "DELIVERED" })).toBe(true);
    expect(await store.finishCallback(approval.id, 2, { callback: "GAVE_UP" })).toBe(false);
  });
});

describe("listDue", () => {
  let dueStore: ApprovalStore;
  let dueTable: string;
  const dueIds: string[] = [];

  beforeAll(async () => {
    dueTable = await dynamo.createTable("signoff-due");
    dueStore = createDynamoApprovalStore({
      client: dynamo.documentClient,
      tableName: dueTable,
      dueShards: 4,
    });
    const now = 1_000_000;
    await Promise.all([
      ...Array.from({ length: 50 }, () => dueStore.create(makeApproval({ dueAt: now + 60_000 }))),
      ...Array.from({ length: 10 }, () => dueStore.create(makeApproval({ dueAt: undefined }))),
      ...Array.from({ length: 5 }, (_, i) => {
        const approval = makeApproval({ dueAt: now - 1_000 * (i + 1) });
        dueIds.push(approval.id);
        return dueStore.create(approval);
      }),
    ]);
  });

  it("returns only due items and reads only those", async () => {
    const page = await dueStore.listDue(1_000_000, 100);
    expect(page.approvals.map((a) => a.id).sort()).toEqual([...dueIds].sort());
    expect(page.read).toBe(5);
    expect(page.cursor).toBeUndefined();
  });

  it("returns each shard's due items oldest first", async () => {
    for (const shard of await dueStore.dueShards()) {
      const page = await dueStore.listDue(1_000_000, 100, undefined, shard);
      const dueAts = page.approvals.map((a) => a.dueAt ?? 0);
      expect(dueAts).toEqual([...dueAts].sort((a, b) => a - b));
    }
  });

  it("keeps each approval in the shard its id hashes to, and each shard reads only its own", async () => {
    const shards = await dueStore.dueShards();
    expect(shards).toEqual(["DUE#0", "DUE#1", "DUE#2", "DUE#3", "DUE"]);
    const seen: string[] = [];
    for (const shard of shards) {
      const page = await dueStore.listDue(1_000_000, 100, undefined, shard);
      for (const approval of page.approvals) expect(dueKeyOf(approval.id, 4)).toBe(shard);
      expect(page.read).toBe(page.approvals.length);
      seen.push(...page.approvals.map((a) => a.id));
    }
    expect(seen.sort()).toEqual([...dueIds].sort());
    // Five items over four shards: at least two shards are used.
    expect(new Set(dueIds.map((id) => dueKeyOf(id, 4))).size).toBeGreaterThan(1);
  });

  it("still reads items left in the unsharded partition, as one more shard", async () => {
    const legacy = makeApproval({ dueAt: 500_000 });
    await dynamo.documentClient.send(
      new PutCommand({
        TableName: dueTable,
        Item: { ...toApprovalItem(legacy), dueKey: "DUE" },
      }),
    );
    try {
      const page = await dueStore.listDue(1_000_000, 100, undefined, "DUE");
      expect(page.approvals.map((a) => a.id)).toEqual([legacy.id]);
    } finally {
      await dueStore.settle(legacy.id, { outcome: approved });
    }
    expect((await dueStore.listDue(1_000_000, 100, undefined, "DUE")).approvals).toEqual([]);
  });

  it("refuses a shard the table does not have, and a cursor from another shard", async () => {
    await expect(dueStore.listDue(1_000_000, 1, undefined, "DUE#4")).rejects.toThrow(RangeError);
    const shards = await dueStore.dueShards();
    for (const shard of shards) {
      const page = await dueStore.listDue(1_000_000, 1, undefined, shard);
      if (page.cursor === undefined) continue;
      const other = shards.find((s) => s !== shard)!;
      await expect(dueStore.listDue(1_000_000, 1, page.cursor, other)).rejects.toBeInstanceOf(
        ApprovalStoreError,
      );
      return;
    }
    throw new Error("no shard had more than one due item");
  });

  it("pages through due items with the cursor", async () => {
    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await dueStore.listDue(1_000_000, 2, cursor);
      expect(page.read).toBeLessThanOrEqual(2);
      seen.push(...page.approvals.map((a) => a.id));
      cursor = page.cursor;
      pages++;
    } while (cursor && pages < 10);
    expect(seen.sort()).toEqual([...dueIds].sort());
    expect(pages).toBeGreaterThanOrEqual(3);
  });

  it("rejects a cursor it did not make", async () => {
    await expect(dueStore.listDue(1_000_000, 2, "bm90LWEtY3Vyc29y")).rejects.toBeInstanceOf(
      ApprovalStoreError,
    );
  });
});

describe("advanceSchedule", () => {
  const escalation = { afterSeconds: 600, to: ["lead@example.com"] };

  async function scheduled() {
    const approval = makeApproval({ reminders: { at: [0.5, 0.9] }, escalation, dueAt: 5_000 });
    await store.create(approval);
    return approval;
  }

  it("claims a reminder step and moves dueAt, in one write", async () => {
    const approval = await scheduled();
    const claimed = await store.advanceSchedule(approval.id, {
      seenDueAt: 5_000,
      dueAt: 9_000,
      reminder: { from: 0, to: 1 },
    });
    expect(claimed).toMatchObject({ reminderStep: 1, dueAt: 9_000 });
    expect(await rawItem(approval.id)).toMatchObject({
      dueKey: shardOf(approval.id),
      dueAt: 9_000,
    });
  });

  it("lets only one of two sweeps that read the same dueAt claim the step", async () => {
    const approval = await scheduled();
    const claim = { seenDueAt: 5_000, dueAt: 9_000, reminder: { from: 0, to: 1 } };
    const results = await Promise.all([
      store.advanceSchedule(approval.id, claim),
      store.advanceSchedule(approval.id, claim),
    ]);
    expect(results.filter((result) => result !== undefined)).toHaveLength(1);
    // A later sweep that read the old state loses too, even with the right dueAt.
    expect(
      await store.advanceSchedule(approval.id, {
        seenDueAt: 9_000,
        dueAt: 9_500,
        reminder: claim.reminder,
      }),
    ).toBeUndefined();
    expect(
      await store.advanceSchedule(approval.id, {
        seenDueAt: 9_000,
        dueAt: 9_500,
        reminder: { from: 1, to: 2 },
      }),
    ).toMatchObject({ reminderStep: 2, dueAt: 9_500 });
  });

  it("escalates once, appending the added approvers", async () => {
    const approval = await scheduled();
    const escalated = await store.advanceSchedule(approval.id, {
      seenDueAt: 5_000,
      dueAt: 7_000,
      escalation: { at: "2026-01-14T15:14:00.000Z", add: ["lead@example.com"] },
    });
    expect(escalated).toMatchObject({
      approvers: ["ann@example.com", "bob@example.com", "lead@example.com"],
      escalatedAt: "2026-01-14T15:14:00.000Z",
    });
    expect(
      await store.advanceSchedule(approval.id, {
        seenDueAt: 7_000,
        dueAt: 8_000,
        escalation: { at: "2026-01-14T15:15:00.000Z", add: ["lead@example.com"] },
      }),
    ).toBeUndefined();
    expect((await store.get(approval.id))?.approvers).toHaveLength(3);
  });

  it("claims each heartbeat once, from the last one recorded", async () => {
    const approval = await scheduled();
    const first = { seenDueAt: 5_000, dueAt: 6_000, heartbeat: { from: undefined, at: 5_000 } };
    expect(await store.advanceSchedule(approval.id, first)).toMatchObject({ heartbeatAt: 5_000 });
    expect(
      await store.advanceSchedule(approval.id, { ...first, seenDueAt: 6_000, dueAt: 7_000 }),
    ).toBeUndefined();
    expect(
      await store.advanceSchedule(approval.id, {
        seenDueAt: 6_000,
        dueAt: 7_000,
        heartbeat: { from: 5_000, at: 6_000 },
      }),
    ).toMatchObject({ heartbeatAt: 6_000, dueAt: 7_000 });
  });

  it("changes nothing once the approval is settled", async () => {
    const approval = await scheduled();
    await store.settle(approval.id, { outcome: approved, firstAttempt: { retryAt: 5_000 } });
    expect(
      await store.advanceSchedule(approval.id, {
        seenDueAt: 5_000,
        dueAt: 9_000,
        reminder: { from: 0, to: 1 },
      }),
    ).toBeUndefined();
    expect((await store.get(approval.id))?.reminderStep).toBeUndefined();
  });
});

describe("listPendingForExecution", () => {
  const executionArn = (name: string) =>
    `arn:aws:states:us-east-1:123456789012:execution:deploy:${name}`;

  it("returns the execution's PENDING approvals and nothing else", async () => {
    const arn = executionArn(`run-${randomApprovalId()}`);
    const pending = [makeApproval({ executionArn: arn }), makeApproval({ executionArn: arn })];
    const settled = makeApproval({ executionArn: arn });
    const otherExecution = makeApproval({ executionArn: executionArn("other") });
    const noExecution = makeApproval();
    for (const approval of [...pending, settled, otherExecution, noExecution]) {
      await store.create(approval);
    }
    await store.settle(settled.id, { outcome: approved, firstAttempt: { retryAt: 1_000 } });

    const found = await store.listPendingForExecution(arn);
    expect(found.map((a) => a.id).sort()).toEqual(pending.map((a) => a.id).sort());
    expect(found[0]).toEqual(pending.find((a) => a.id === found[0]!.id));
  });

  it("returns an empty list for an execution nobody asked for approval in", async () => {
    expect(await store.listPendingForExecution(executionArn("never-seen"))).toEqual([]);
  });

  it("keeps approvals without an execution out of the execution index", async () => {
    const approval = makeApproval();
    await store.create(approval);
    const item = await rawItem(approval.id);
    expect(item).not.toHaveProperty(TableSchema.executionIndex.partitionKey);
  });
});

describe("audit events", () => {
  it("chains appended events and lists them oldest first", async () => {
    const approval = makeApproval();
    await store.create(approval);
    const first = await store.appendEvent(approval.id, {
      type: "requested",
      at: "2026-01-14T15:04:00.000Z",
      actor: "signoff",
    });
    const second = await store.appendEvent(approval.id, {
      type: "emailed",
      at: "2026-01-14T15:04:01.000Z",
      actor: "signoff",
      data: { to: "ann@example.com" },
    });
    expect(second.prevHash).toBe(first.hash);
    const events = await store.listEvents(approval.id);
    expect(events).toEqual([first, second]);
    expect(verifyAuditChain(events)).toEqual({ ok: true, count: 2 });
  });

  it("keeps the chain intact under 10 concurrent appends", async () => {
    const approval = makeApproval();
    await store.create(approval);
    const appended = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        store.appendEvent(approval.id, {
          type: "viewed",
          at: `2026-01-14T15:05:0${i}.000Z`,
          actor: `approver${i}@example.com`,
        }),
      ),
    );
    const events = await store.listEvents(approval.id);
    expect(events).toHaveLength(10);
    expect(verifyAuditChain(events)).toEqual({ ok: true, count: 10 });
    expect(new Set(appended.map((event) => event.seq)).size).toBe(10);
  });

  it("does not list events as due or change the approval beyond its audit head", async () => {
    const approval = makeApproval({ dueAt: undefined });
    await store.create(approval);
    const event = await store.appendEvent(approval.id, {
      type: "requested",
      at: approval.createdAt,
      actor: "signoff",
    });
    const { audit, ...stored } = (await store.get(approval.id))!;
    expect(stored).toEqual(approval);
    expect(audit).toEqual({ seq: 1, hash: event.hash, tail: [event] });
    expect(
      (await store.listDue(Number.MAX_SAFE_INTEGER, 1000)).approvals.map((a) => a.id),
    ).not.toContain(approval.id);
  });
});

describe("recordEmailProblems", () => {
  function problems(eventId: string, ...approvers: string[]): EmailProblem[] {
    return approvers.map((approver) => ({
      approver,
      kind: "bounce",
      bounceType: "Permanent",
      at: "2026-01-14T15:20:00.000Z",
      recordedAt: "2026-01-14T15:21:00.000Z",
      eventId,
    }));
  }

  it("appends one event's problems once, and leaves status, version and schedule alone", async () => {
    const approval = makeApproval();
    await store.create(approval);
    const first = await store.recordEmailProblems(approval.id, problems("e1", "ann@example.com"));
    expect(first).toMatchObject({
      ok: true,
      approval: { emailProblems: problems("e1", "ann@example.com") },
    });

    const again = await store.recordEmailProblems(approval.id, problems("e1", "ann@example.com"));
    expect(again).toMatchObject({ ok: false, reason: "duplicate" });
    const second = await store.recordEmailProblems(
      approval.id,
      problems("e2", "ann@example.com", "bob@example.com"),
    );
    expect(second.ok && second.approval.emailProblems?.map((p) => p.eventId)).toEqual([
      "e1",
      "e2",
      "e2",
    ]);

    const stored = await store.get(approval.id);
    expect(stored).toMatchObject({ status: "PENDING", version: 0, dueAt: approval.dueAt });
    expect(await rawItem(approval.id)).toMatchObject({ dueKey: shardOf(approval.id) });
  });

  it("records each of two racing deliveries of one event once, and both of two events", async () => {
    const approval = makeApproval();
    await store.create(approval);
    const results = await Promise.all([
      store.recordEmailProblems(approval.id, problems("same", "ann@example.com")),
      store.recordEmailProblems(approval.id, problems("same", "ann@example.com")),
      store.recordEmailProblems(approval.id, problems("other", "bob@example.com")),
    ]);
    expect(results.filter((result) => result.ok)).toHaveLength(2);
    expect((await store.get(approval.id))?.emailProblems?.map((p) => p.eventId).sort()).toEqual([
      "other",
      "same",
    ]);
  });

  it("says not-found for an approval it does not have, and full past MAX_EMAIL_PROBLEMS", async () => {
    expect(
      await store.recordEmailProblems(randomApprovalId(), problems("e1", "ann@example.com")),
    ).toEqual({ ok: false, reason: "not-found" });

    const approval = makeApproval();
    await store.create(approval);
    const many = Array.from({ length: MAX_EMAIL_PROBLEMS }, (_, i) => `a${i}@example.com`);
    expect(await store.recordEmailProblems(approval.id, problems("bulk", ...many))).toMatchObject({
      ok: true,
    });
    expect(
      await store.recordEmailProblems(approval.id, problems("one-more", "ann@example.com")),
    ).toMatchObject({ ok: false, reason: "full" });
    expect((await store.get(approval.id))?.emailProblems).toHaveLength(MAX_EMAIL_PROBLEMS);
  });
});

/**
 * The sweeper over the sharded due index, through `sweepDue` and the production DynamoDB store on
 * dynalite: every shard read in one run, a shared number of approvals in hand at once, and busy
 * shards handed on. The approvals are stored directly with an early `dueAt` (nothing but their
 * schedule is due), so handling one is a single conditional write.
 */
import {
  type Approval,
  dueKeyOf,
  type FlowDeps,
  SWEEP_CONCURRENCY,
  SWEEP_PAGE_SIZE,
  sweepDue,
} from "@signoff/core";
import { beforeEach, describe, expect, it } from "vitest";
import { createDynamoApprovalStore } from "./adapters/dynamo-approval-store.ts";
import { makeApproval } from "./test-support/approval-fixture.ts";
import { createTestRuntime } from "./test-support/runtime-fixture.ts";
import { withStoreHooks } from "./test-support/store-hooks.ts";
import { useEmulators } from "./test-support/use-emulators.ts";

const emulators = useEmulators();
const SHARDS = 4;

let tableName: string;
let inFlight: number;
let mostInFlight: number;
let deps: FlowDeps;

beforeEach(async () => {
  tableName = await emulators.dynamo.createTable();
  inFlight = 0;
  mostInFlight = 0;
  const store = withStoreHooks(
    createDynamoApprovalStore({
      client: emulators.dynamo.documentClient,
      tableName,
      dueShards: SHARDS,
    }),
    {
      // How many approvals are in hand at once: each one's handling is this one write.
      async before(method) {
        if (method !== "advanceSchedule") return;
        inFlight += 1;
        mostInFlight = Math.max(mostInFlight, inFlight);
        // Long enough for every free slot to fill before any write returns.
        await new Promise((resolve) => setTimeout(resolve, 5));
      },
      after(method) {
        if (method === "advanceSchedule") inFlight -= 1;
      },
    },
  );
  const runtime = createTestRuntime({
    dynamo: emulators.dynamo,
    ses: emulators.ses,
    tableName,
    clock: () => new Date(NOW),
  });
  deps = { ...runtime.deps, store };
});

const base = makeApproval();
// After every stored dueAt, an hour before the deadline: only the schedule is due.
const NOW = Date.parse(base.deadline) - 3_600_000 + 1_000;

/** `count` approvals whose stored dueAt (before NOW) is early: the sweeper moves it on. */
async function storeEarly(count: number, shard?: string): Promise<Approval[]> {
  const approvals: Approval[] = [];
  while (approvals.length < count) {
    const approval = makeApproval({ dueAt: NOW - 1 - approvals.length });
    if (shard !== undefined && dueKeyOf(approval.id, SHARDS) !== shard) continue;
    approvals.push(approval);
  }
  const store = createDynamoApprovalStore({
    client: emulators.dynamo.documentClient,
    tableName,
    dueShards: SHARDS,
  });
  for (let i = 0; i < approvals.length; i += 25) {
    await Promise.all(approvals.slice(i, i + 25).map((approval) => store.create(approval)));
  }
  return approvals;
}

describe("sweepDue over the sharded due index", () => {
  it("reads every shard in one run and handles what each holds", async () => {
    const approvals = await storeEarly(40);
    expect(new Set(approvals.map((a) => dueKeyOf(a.id, SHARDS))).size).toBe(SHARDS);

    const stats = await sweepDue(deps, { limit: 500 });
    expect(stats).toMatchObject({ due: 40, skipped: 40, failed: 0, shards: SHARDS + 1 });
    for (const approval of approvals) {
      expect((await deps.store.get(approval.id))?.dueAt).toBe(Date.parse(approval.deadline));
    }
    expect(await sweepDue(deps, { limit: 500 })).toMatchObject({ due: 0, read: 0 });
  });

  it(`has SWEEP_CONCURRENCY (${SWEEP_CONCURRENCY}) approvals in hand at once by default, across shards, or as many as asked`, async () => {
    await storeEarly(60);
    await sweepDue(deps, { limit: 500 });
    expect(mostInFlight).toBe(SWEEP_CONCURRENCY);

    await storeEarly(60);
    mostInFlight = 0;
    await sweepDue(deps, { limit: 500, concurrency: 4 });
    expect(mostInFlight).toBe(4);
  });

  it("hands a shard with more than a page due to another invocation and sweeps the others", async () => {
    const busy = "DUE#1";
    await storeEarly(SWEEP_PAGE_SIZE + 5, busy);
    const others = (await storeEarly(12)).filter((a) => dueKeyOf(a.id, SHARDS) !== busy);
    const handedOff: string[][] = [];

    const stats = await sweepDue(deps, {
      limit: 500,
      handOff: async (shards) => {
        handedOff.push([...shards]);
      },
    });
    expect(handedOff).toEqual([[busy]]);
    expect(stats).toMatchObject({ due: others.length, handedOff: [busy], failed: 0 });

    // The invocation it was handed to sweeps that shard alone, every page of it.
    const worker = await sweepDue(deps, { limit: 500, shards: [busy] });
    expect(worker.due).toBeGreaterThanOrEqual(SWEEP_PAGE_SIZE + 5);
    expect(worker.handedOff).toEqual([]);
  });

  it("sweeps a busy shard itself when handing it on fails", async () => {
    const busy = "DUE#2";
    await storeEarly(SWEEP_PAGE_SIZE + 3, busy);
    const stats = await sweepDue(deps, {
      limit: 500,
      handOff: async () => {
        throw new Error("the queue is unreachable");
      },
    });
    expect(stats).toMatchObject({ due: SWEEP_PAGE_SIZE + 3, handedOff: [], failed: 0 });
  });

  it("names the shards it stopped in with more due, for the caller to hand on", async () => {
    await storeEarly(30);
    let asked = 0;
    const stats = await sweepDue(deps, {
      limit: 500,
      concurrency: 1,
      // Enough answers for the first pages and five approvals.
      stopTaking: () => ++asked > SHARDS + 1 + 5,
    });
    expect(stats).toMatchObject({ due: 5, left: 25, stoppedEarly: true });
    expect(stats.unfinished.length).toBeGreaterThan(0);
    const next = await sweepDue(deps, { limit: 500, shards: stats.unfinished });
    expect(next.due).toBe(25);
  });
});

/**
 * The sweeper's time budget: given its Lambda context, a run stops taking due approvals when
 * less than SWEEP_SAFETY_MARGIN_MS is left, finishes those in hand, and leaves the rest, which
 * the next run takes. Over dynalite, the SES emulator and sfn-local.
 */
import { randomUUID } from "node:crypto";
import { requestApproval } from "@signoff/core";
import { beforeEach, describe, expect, it } from "vitest";
import type { Runtime } from "../runtime.ts";
import { createTestRuntime } from "../test-support/runtime-fixture.ts";
import { useEmulators } from "../test-support/use-emulators.ts";
import { createSweeper, SWEEP_SAFETY_MARGIN_MS, type SweepContext } from "./sweeper.ts";

const emulators = useEmulators();
const start = Date.parse("2026-03-01T12:00:00.000Z");

let time: number;
let runtime: Runtime;

beforeEach(async () => {
  time = start;
  runtime = createTestRuntime({
    dynamo: emulators.dynamo,
    ses: emulators.ses,
    tableName: await emulators.dynamo.createTable(),
    sfnEndpoint: emulators.sfn.endpoint,
    clock: () => new Date(time),
  });
});

/** `count` approvals, each with a real execution waiting, all past their deadline by `time`. */
async function expiredApprovals(count: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const task = await emulators.sfn.startWaitingTask();
    const result = await requestApproval(runtime.deps, {
      taskToken: task.token,
      approvers: ["ann@example.com"],
      subject: `Deploy ${randomUUID()}`,
      timeoutSeconds: 60,
      context: {},
    });
    if (!result.ok) throw new Error(result.message);
    ids.push(result.approvalId);
  }
  time = start + 120_000;
  return ids;
}

/**
 * A Lambda context whose remaining time drops below the margin after `plenty` answers: each
 * approval taken asks once first, as does each page read.
 */
function contextRunningOut(plenty: number): SweepContext & { asked: number } {
  const context = {
    asked: 0,
    getRemainingTimeInMillis() {
      context.asked += 1;
      return context.asked <= plenty ? 45_000 : SWEEP_SAFETY_MARGIN_MS - 1;
    },
  };
  return context;
}

async function statusesOf(ids: readonly string[]) {
  return Promise.all(ids.map(async (id) => (await runtime.deps.store.get(id))?.status));
}

describe("the sweeper's time budget", () => {
  it("stops taking approvals when its time runs low, finishes those taken, and leaves the rest", async () => {
    const ids = await expiredApprovals(7);
    // One answer for each shard's first page, three for approvals: then the time is gone.
    const shards = (await runtime.deps.store.dueShards()).length;
    const stats = await createSweeper(runtime)(contextRunningOut(shards + 3));
    expect(stats).toMatchObject({ read: 7, due: 3, expired: 3, left: 4, stoppedEarly: true });

    // Those taken were finished: expired, and their executions told (callback delivered).
    const statuses = await statusesOf(ids);
    expect(statuses.filter((status) => status === "EXPIRED")).toHaveLength(3);
    expect(statuses.filter((status) => status === "PENDING")).toHaveLength(4);
    for (const id of ids) {
      const approval = await runtime.deps.store.get(id);
      if (approval?.status === "EXPIRED") expect(approval.callback).toBe("DELIVERED");
    }

    // The next run, with time to spare, takes the rest.
    const next = await createSweeper(runtime)(contextRunningOut(shards + 100));
    expect(next).toMatchObject({ due: 4, expired: 4, left: 0, stoppedEarly: false });
    expect(new Set(await statusesOf(ids))).toEqual(new Set(["EXPIRED"]));
  });

  it("reads nothing when the time is already short", async () => {
    await expiredApprovals(2);
    const context = contextRunningOut(0);
    const stats = await createSweeper(runtime)(context);
    expect(stats).toMatchObject({ read: 0, due: 0, left: 0, stoppedEarly: true });
    expect(context.asked).toBe(1);
  });

  it("runs to its limit without a context, as on the local stack's timer", async () => {
    await expiredApprovals(3);
    expect(await createSweeper(runtime)()).toMatchObject({ due: 3, stoppedEarly: false });
  });
});

/**
 * Figure 5: one sweeper run (the production `createSweeper`) with 100 approvals due among a small
 * and a large number of pending ones, each in its own table of the stack's dynalite. The pending
 * approvals are copies of one the request handler stored, bulk-written with BatchWriteItem; each
 * run gets 100 fresh due copies (not timed). Runs alternate between the two tables.
 */
import { randomUUID } from "node:crypto";
import { CreateTableCommand, DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { BatchWriteCommand, type DynamoDBDocumentClient, GetCommand } from "@aws-sdk/lib-dynamodb";
import { DEFAULT_DUE_SHARDS, dueKeyOf } from "@signoff/core";
import {
  createRequestApprovalHandler,
  createRuntime,
  createSweeper,
  createTableInput,
} from "@signoff/functions";
import { LOCAL_CREDENTIALS, LOCAL_SENDER } from "@signoff/local";
import { APPROVER, type BenchStack, REQUESTER } from "./bench-stack.ts";
import { createCountingClients } from "./counting-clients.ts";
import type { Item } from "./floor.ts";
import { median, progress, runPool, timeMs } from "./stats.ts";

export interface SweeperResult {
  smallPending: number;
  largePending: number;
  /** The large size asked for; `largePending` is less when inserting hit its time budget. */
  largeWanted: number;
  smallMedian: number;
  largeMedian: number;
  ratio: number;
  smallRead: number;
  largeRead: number;
  due: number;
  runs: number;
  insertPerSecond: number;
}

const DUE = 100;
const BATCH = 25;
const WRITERS = 16;
const MAX_UNPROCESSED_ROUNDS = 20;
const HOUR_MS = 60 * 60 * 1000;

interface SweepTable {
  name: string;
  pending: number;
  sweep: () => ReturnType<ReturnType<typeof createSweeper>>;
  far: Item;
  near: Item;
}

/** Writes `items` with BatchWriteItem, 25 a request, 16 requests at once. */
export async function writeAll(client: DynamoDBDocumentClient, table: string, items: Item[]) {
  const batches: Item[][] = [];
  for (let i = 0; i < items.length; i += BATCH) batches.push(items.slice(i, i + BATCH));
  await runPool(batches, WRITERS, async (batch) => {
    let requests = batch.map((item) => ({ PutRequest: { Item: item } }));
    for (let round = 0; requests.length > 0; round++) {
      if (round >= MAX_UNPROCESSED_ROUNDS) throw new Error("BatchWrite kept items unprocessed");
      const result = await client.send(
        new BatchWriteCommand({ RequestItems: { [table]: requests } }),
      );
      requests = (result.UnprocessedItems?.[table] ?? []) as typeof requests;
    }
  });
}

/** `count` copies of the approval item `template`, each with its own id (and so due shard). */
export function copies(template: Item, count: number, dueOffset: number): Item[] {
  return Array.from({ length: count }, (_, i) => {
    const id = `bench${randomUUID().replaceAll("-", "")}`;
    return {
      ...template,
      id,
      pk: `A#${id}`,
      dueKey: dueKeyOf(id, DEFAULT_DUE_SHARDS),
      dueAt: (template.dueAt as number) + dueOffset + i,
    };
  });
}

export async function benchSweeper(
  bench: BenchStack,
  options: { small: number; large: number; runs: number; insertBudgetMs: number },
): Promise<SweeperResult> {
  const t0 = Date.now();
  let nowMs = t0;
  const clients = createCountingClients(bench.stack);
  const raw = new DynamoDBClient({
    region: bench.stack.region,
    credentials: LOCAL_CREDENTIALS,
    endpoint: bench.stack.endpoints.dynamodb,
  });
  let insertRate = 0;
  try {
    const makeTable = async (pendingWanted: number, budgetMs: number): Promise<SweepTable> => {
      // 1. A table and a runtime over it whose clock the bench moves.
      const name = `bench-sweep-${pendingWanted}`;
      await raw.send(new CreateTableCommand(createTableInput(name)));
      const runtime = createRuntime(
        {
          tableName: name,
          sender: LOCAL_SENDER,
          publicUrl: bench.stack.endpoints.api!,
          linkKeys: bench.keys.link,
          tokenKeys: bench.keys.token,
          defaultApprovers: [],
          defaultTimeoutSeconds: 24 * 60 * 60,
        },
        { clients, clock: () => new Date(nowMs), log: () => {} },
      );
      // 2. Two real approvals as templates: one due in a minute, one in thirty days.
      const handler = createRequestApprovalHandler(runtime);
      const template = async (timeoutSeconds: number) => {
        const { approvalId } = await handler({
          taskToken: `bench-sweep-token-${randomUUID()}`,
          approvers: [APPROVER],
          subject: "Sweeper bench",
          requestedBy: REQUESTER,
          timeoutSeconds,
        });
        const { Item: item } = await clients.dynamo.send(
          new GetCommand({ TableName: name, Key: { pk: `A#${approvalId}`, sk: "APPROVAL" } }),
        );
        if (typeof item?.dueAt !== "number") throw new Error("a pending approval has no dueAt");
        return item as Item;
      };
      nowMs = t0;
      const near = await template(60);
      const far = await template(30 * 24 * 60 * 60);
      // 3. The pending approvals, in chunks until done or the time budget is spent.
      const started = Date.now();
      let pending = 1;
      const chunk = 10_000;
      while (pending < pendingWanted && Date.now() - started < budgetMs) {
        const count = Math.min(chunk, pendingWanted - pending);
        await writeAll(clients.dynamo, name, copies(far, count, pending));
        pending += count;
        if (pendingWanted > chunk)
          progress(`sweeper: ${pending}/${pendingWanted} pending in ${name}`);
      }
      const insertSeconds = (Date.now() - started) / 1000;
      insertRate = Math.max(insertRate, (pending - 1) / Math.max(insertSeconds, 0.001));
      return { name, pending, sweep: createSweeper(runtime), far, near };
    };

    progress(`sweeper: filling a table with ${options.small} pending`);
    const small = await makeTable(options.small, options.insertBudgetMs);
    progress(
      `sweeper: filling a table with ${options.large} pending (budget ${options.insertBudgetMs / 1000} s)`,
    );
    const large = await makeTable(options.large, options.insertBudgetMs);

    // 4. Runs: 100 fresh due copies, the clock past their deadline, one timed sweep.
    const times = new Map<SweepTable, number[]>([
      [small, []],
      [large, []],
    ]);
    const reads = new Map<SweepTable, number>();
    for (let run = 0; run <= options.runs; run++) {
      for (const table of [small, large]) {
        await writeAll(clients.dynamo, table.name, copies(table.near, DUE, run * DUE));
        // Past the near deadline (plus the copies' offsets), long before the far one.
        nowMs = t0 + HOUR_MS;
        let stats: Awaited<ReturnType<SweepTable["sweep"]>> | undefined;
        const ms = await timeMs(async () => {
          stats = await table.sweep();
        });
        if (stats?.due !== DUE + (run === 0 ? 1 : 0)) {
          throw new Error(`${table.name}: expected ${DUE} due, the sweeper handled ${stats?.due}`);
        }
        // Run 0 also sweeps the near template, and warms up; it is not counted.
        if (run > 0) {
          times.get(table)!.push(ms);
          reads.set(table, stats.read);
        }
      }
      progress(`sweeper: run ${run}/${options.runs}${run === 0 ? " (warm-up)" : ""}`);
    }
    const smallMedian = median(times.get(small)!);
    const largeMedian = median(times.get(large)!);
    return {
      smallPending: small.pending,
      largePending: large.pending,
      largeWanted: options.large,
      smallMedian,
      largeMedian,
      ratio: largeMedian / smallMedian,
      smallRead: reads.get(small) ?? 0,
      largeRead: reads.get(large) ?? 0,
      due: DUE,
      runs: options.runs,
      insertPerSecond: insertRate,
    };
  } finally {
    clients.destroy();
    raw.destroy();
  }
}

/**
 * The sweep-shard function: sweeps the due shards the scheduled sweeper handed on (SQS FIFO
 * messages, one message group per shard, so never two invocations on one shard). It works each
 * to the end of what is due, or until its Lambda's time is nearly up, and then hands the shard on
 * again, so a backlog drains continuously rather than once a minute.
 */

import type { SweepStats } from "@signoff/core";
import type { SQSEvent } from "aws-lambda";
import { readShardMessages } from "../adapters/sqs-shard-queue.ts";
import { createRuntimeFromEnv } from "../runtime.ts";
import { createShardQueueFromConfig, createSweeper, type SweepContext } from "./sweeper.ts";

/** Most approvals one invocation handles; its time budget usually ends it first. */
export const SHARD_SWEEP_LIMIT = 100_000;

let sweep: ((shards: readonly string[], context: SweepContext) => Promise<SweepStats>) | undefined;

/** The Lambda entry point, invoked by the queue's event source mapping. */
export async function handler(event: SQSEvent, context: SweepContext): Promise<SweepStats> {
  if (!sweep) {
    const runtime = createRuntimeFromEnv();
    const queue = createShardQueueFromConfig(runtime);
    sweep = (shards, ctx) =>
      createSweeper(runtime, { limit: SHARD_SWEEP_LIMIT, shards, ...(queue && { queue }) })(ctx);
  }
  // A message naming no shard has nothing to sweep; an empty run costs nothing.
  return sweep(readShardMessages(event.Records), context);
}

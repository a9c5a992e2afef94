/**
 * The scheduled sweeper: applies deadlines, runs reminders, escalations and heartbeats, and
 * retries callbacks for approvals that are due, reading only the sparse due-items index, all its
 * shards side by side. Given the shard queue (SIGNOFF_SWEEP_QUEUE_URL), it hands each shard with
 * more due than a page to the sweep-shard function, so a backlog is worked by as many invocations
 * as it has busy shards. It stops taking new items when its Lambda's time is nearly up, finishes
 * those in hand, and hands on (or, without a queue, leaves to the next run) the rest.
 */
import { SQSClient } from "@aws-sdk/client-sqs";
import { type SweepOptions, type SweepStats, sweepDue } from "@signoff/core";
import { createSqsShardQueue, type ShardQueue } from "../adapters/sqs-shard-queue.ts";
import { publishingMetrics } from "../metrics.ts";
import { createRuntimeFromEnv, type Runtime } from "../runtime.ts";

/** Most approvals one run handles, so a run fits in its Lambda's time; the rest wait a minute. */
export const SWEEP_LIMIT = 5_000;

/**
 * How much of its Lambda's time a run keeps for the approvals in hand: once less than this is
 * left it takes no new one. An approval takes a few round trips (a callback or a few emails), far
 * less than this even when AWS is slow.
 */
export const SWEEP_SAFETY_MARGIN_MS = 10_000;

/** The part of the Lambda context the sweeper reads. */
export interface SweepContext {
  getRemainingTimeInMillis(): number;
}

export interface SweeperOptions {
  /** Most approvals one run handles; SWEEP_LIMIT unless given. */
  limit?: number;
  /** Where busy shards go; without it one run sweeps every shard itself (the local stack). */
  queue?: ShardQueue;
  /** Only these shards, each swept to the end (the sweep-shard function); default all. */
  shards?: readonly string[];
  /** Approvals in hand at once; the runtime's SIGNOFF_SWEEP_CONCURRENCY, or core's default. */
  concurrency?: number;
}

/**
 * Builds the sweep function around a runtime. Given a Lambda context it stops taking approvals
 * when fewer than SWEEP_SAFETY_MARGIN_MS remain; without one (the local stack's timer) it runs
 * to `limit`. Shards it stopped in with more due go to the queue at once, when there is one.
 * What a run records is published as it ends.
 */
export function createSweeper(runtime: Runtime, options: SweeperOptions = {}) {
  const { queue, shards } = options;
  const concurrency = options.concurrency ?? runtime.config.sweepConcurrency;
  return (context?: SweepContext): Promise<SweepStats> =>
    publishingMetrics(runtime.metrics, async () => {
      const sweep: SweepOptions = {
        limit: options.limit ?? SWEEP_LIMIT,
        ...(shards && { shards }),
        ...(concurrency !== undefined && { concurrency }),
        // A run given its shards sweeps them itself: it is the invocation they were handed to.
        ...(queue && !shards && { handOff: (busy: readonly string[]) => queue.handOff(busy) }),
        ...(context && {
          stopTaking: () => context.getRemainingTimeInMillis() < SWEEP_SAFETY_MARGIN_MS,
        }),
      };
      const stats = await sweepDue(runtime.deps, sweep);
      if (queue && stats.unfinished.length > 0) await queue.handOff(stats.unfinished);
      return stats;
    });
}

/** The shard queue the deployed sweepers share, when SIGNOFF_SWEEP_QUEUE_URL names one. */
export function createShardQueueFromConfig(runtime: Runtime): ShardQueue | undefined {
  const queueUrl = runtime.config.sweepQueueUrl;
  return queueUrl === undefined
    ? undefined
    : createSqsShardQueue({ client: new SQSClient({}), queueUrl });
}

let sweeper: ReturnType<typeof createSweeper> | undefined;

/** The Lambda entry point, invoked by the schedule; it reads nothing from the event. */
export async function handler(_event: unknown, context: SweepContext): Promise<SweepStats> {
  if (!sweeper) {
    const runtime = createRuntimeFromEnv();
    const queue = createShardQueueFromConfig(runtime);
    sweeper = createSweeper(runtime, { ...(queue && { queue }) });
  }
  return sweeper(context);
}

/**
 * The scheduled sweeper: applies deadlines and retries callbacks for approvals that are due,
 * reading only the sparse due-items index. It stops taking new items when its Lambda's time is
 * nearly up, finishes those in hand, and leaves the rest to the next run.
 */
import { type SweepStats, sweepDue } from "@signoff/core";
import { publishingMetrics } from "../metrics.ts";
import { createRuntimeFromEnv, type Runtime } from "../runtime.ts";

/** Most approvals one run handles, so a run fits in its Lambda's time; the rest wait a minute. */
export const SWEEP_LIMIT = 500;

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

/**
 * Builds the sweep function around a runtime. Given a Lambda context it stops taking approvals
 * when fewer than SWEEP_SAFETY_MARGIN_MS remain; without one (the local stack's timer) it runs
 * to `limit`. What a run records is published as it ends.
 */
export function createSweeper(runtime: Runtime, limit = SWEEP_LIMIT) {
  return (context?: SweepContext): Promise<SweepStats> =>
    publishingMetrics(runtime.metrics, () =>
      sweepDue(runtime.deps, {
        limit,
        ...(context && {
          stopTaking: () => context.getRemainingTimeInMillis() < SWEEP_SAFETY_MARGIN_MS,
        }),
      }),
    );
}

let runtime: Runtime | undefined;

/** The Lambda entry point, invoked by the schedule; it reads nothing from the event. */
export async function handler(_event: unknown, context: SweepContext): Promise<SweepStats> {
  runtime ??= createRuntimeFromEnv();
  return createSweeper(runtime)(context);
}

/**
 * The scheduled sweeper: applies deadlines and retries callbacks for approvals that are due,
 * reading only the sparse due-items index.
 */
import { type SweepStats, sweepDue } from "@signoff/core";
import { createRuntimeFromEnv, type Runtime } from "../runtime.ts";

/** Most approvals one run handles, so a run fits in its Lambda's time; the rest wait a minute. */
export const SWEEP_LIMIT = 500;

/** Builds the sweep function around a runtime. */
export function createSweeper(runtime: Runtime, limit = SWEEP_LIMIT) {
  return (): Promise<SweepStats> => sweepDue(runtime.deps, { limit });
}

let runtime: Runtime | undefined;

/** The Lambda entry point, invoked by the schedule; the event carries nothing it needs. */
export async function handler(): Promise<SweepStats> {
  runtime ??= createRuntimeFromEnv();
  return createSweeper(runtime)();
}

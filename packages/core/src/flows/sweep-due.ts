/**
 * Flow 3, Sweep: the scheduled function. Reads only what is due from the sparse due-items index
 * and, for each approval, does what is due: settle it (its decisions settle it, or its deadline
 * passed), escalate it, remind its approvers or heartbeat its task (`runDueSteps`), or retry its
 * callback.
 */
import type { Approval, Outcome } from "../approval.ts";
import { evaluatePolicy, resolveTimeout } from "../policy.ts";
import { type DeliverCallbackResult, deliverCallback } from "./deliver-callback.ts";
import { describeError, type FlowDeps, log, metric } from "./flow-deps.ts";
import { runDueSteps } from "./run-due-steps.ts";
import { settleAndNotify } from "./settle.ts";

/** Items read from the index per query. */
export const SWEEP_PAGE_SIZE = 100;

export interface SweepOptions {
  /** Defaults to `deps.clock()`. */
  now?: Date;
  /** Most approvals handled in one run, so a run fits its Lambda's time; the rest wait. */
  limit: number;
  /**
   * Asked before each due approval is taken (and before each page is read): once it answers
   * true, because the function's time is nearly up, the run takes nothing more, finishes the
   * approvals in hand, and leaves the rest for the next run.
   */
  stopTaking?: () => boolean;
}

export interface SweepStats {
  /** Items the index query read. */
  read: number;
  /** Approvals handled (at most `limit`). */
  due: number;
  /** Deadlines applied (`onTimeout`): EXPIRED, or APPROVED / REJECTED by the deadline. */
  expired: number;
  /** Approvals whose recorded decisions settled them but whose settle had not been written. */
  settled: number;
  /** Callbacks still PENDING from an earlier attempt that this run tried again. */
  callbacksRetried: number;
  /** Callbacks delivered in this run (new settlements and retries). */
  callbacksDelivered: number;
  /** Callbacks that ended without delivery: gave up, or the task had already closed. */
  callbacksGaveUp: number;
  /** Reminder steps claimed (each step's emails go out once). */
  reminded: number;
  /** Approvals escalated (their `escalation.to` added and emailed). */
  escalated: number;
  /** Reminder and escalation emails that could not be sent (logged; the step stays claimed). */
  emailsFailed: number;
  /** Heartbeats Step Functions accepted. */
  heartbeats: number;
  /** Heartbeats that failed for now (throttled, network, no key); the next one follows soon. */
  heartbeatsFailed: number;
  /** Pending approvals cancelled because a heartbeat found their task closed. */
  cancelled: number;
  /** Due items with nothing to do (already handled by someone else). */
  skipped: number;
  /** Items whose handling threw; they stay due and are tried again next run. */
  failed: number;
  /** Due approvals read but not taken because `stopTaking` said stop; the next run takes them. */
  left: number;
  /** True when `stopTaking` ended the run: `left` were read and not taken, and more may be due. */
  stoppedEarly: boolean;
  /** How overdue the oldest due item read was, in seconds (0 when none was). */
  lagSeconds: number;
  /**
   * How long the oldest settled outcome read has waited for its callback, in seconds (0 when
   * none was waiting).
   */
  oldestPendingCallbackSeconds: number;
}

/**
 * How many due approvals one run handles at once. Each takes several round trips one after
 * another (about 20 ms on the local stack) and they are independent, every step a conditional
 * write of its own; a few at a time keeps a run short without bursting past SES send rates.
 */
export const SWEEP_CONCURRENCY = 4;

/**
 * Runs `work` over `items`, at most `limit` at a time, taking no more once `stop` answers true.
 * Returns how many were taken (all of them ran to the end).
 */
async function forEachConcurrently<T>(
  items: readonly T[],
  limit: number,
  work: (item: T) => Promise<void>,
  stop?: () => boolean,
): Promise<number> {
  let next = 0;
  const worker = async () => {
    while (next < items.length && !stop?.()) await work(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return next;
}

/**
 * Handles up to `limit` due approvals, `SWEEP_CONCURRENCY` at a time, until `stopTaking` says
 * stop. Each is handled on its own: one that throws is counted in `failed` and logged, and the
 * run goes on. Only a failing index query ends the run early. Reports how late the due work was
 * (`SweeperLag`, `OldestPendingCallbackAge`) once per run.
 */
export async function sweepDue(deps: FlowDeps, options: SweepOptions): Promise<SweepStats> {
  const now = options.now ?? deps.clock();
  const stats: SweepStats = {
    read: 0,
    due: 0,
    expired: 0,
    settled: 0,
    callbacksRetried: 0,
    callbacksDelivered: 0,
    callbacksGaveUp: 0,
    reminded: 0,
    escalated: 0,
    emailsFailed: 0,
    heartbeats: 0,
    heartbeatsFailed: 0,
    cancelled: 0,
    skipped: 0,
    failed: 0,
    left: 0,
    stoppedEarly: false,
    lagSeconds: 0,
    oldestPendingCallbackSeconds: 0,
  };
  let cursor: string | undefined;
  do {
    const pageSize = Math.min(SWEEP_PAGE_SIZE, options.limit - stats.due);
    if (pageSize <= 0) break;
    if (options.stopTaking?.()) {
      stats.stoppedEarly = true;
      break;
    }
    const page = await deps.store.listDue(now.getTime(), pageSize, cursor);
    stats.read += page.read;
    const approvals = page.approvals.slice(0, pageSize);
    measureLateness(approvals, now, stats);
    const taken = await forEachConcurrently(
      approvals,
      SWEEP_CONCURRENCY,
      async (approval) => {
        try {
          await sweepOne(deps, approval, now, stats);
        } catch (error) {
          stats.failed += 1;
          log(deps, "error", "sweep item failed", {
            approvalId: approval.id,
            error: describeError(error),
          });
        }
      },
      options.stopTaking,
    );
    stats.due += taken;
    if (taken < approvals.length) {
      stats.left += approvals.length - taken;
      stats.stoppedEarly = true;
      break;
    }
    cursor = page.cursor;
  } while (cursor !== undefined);
  metric(deps, "SweeperLag", stats.lagSeconds);
  metric(deps, "OldestPendingCallbackAge", stats.oldestPendingCallbackSeconds);
  // An idle run every minute is not news; one that did, failed or left something is.
  const news = stats.due > 0 || stats.failed > 0 || stats.stoppedEarly;
  log(deps, stats.stoppedEarly ? "warn" : news ? "info" : "debug", "sweep finished", { ...stats });
  return stats;
}

/** Raises the run's lateness figures to cover `approvals` (due items read at `now`). */
function measureLateness(approvals: readonly Approval[], now: Date, stats: SweepStats): void {
  for (const approval of approvals) {
    if (approval.dueAt !== undefined) {
      stats.lagSeconds = Math.max(stats.lagSeconds, (now.getTime() - approval.dueAt) / 1000);
    }
    if (approval.status !== "PENDING" && approval.callback === "PENDING" && approval.outcome) {
      const waited = (now.getTime() - Date.parse(approval.outcome.at)) / 1000;
      stats.oldestPendingCallbackSeconds = Math.max(stats.oldestPendingCallbackSeconds, waited);
    }
  }
}

async function sweepOne(
  deps: FlowDeps,
  approval: Approval,
  now: Date,
  stats: SweepStats,
): Promise<void> {
  if (approval.status === "PENDING") {
    // Decisions first: if they already settle it (a decide that crashed before settling), the
    // deadline must not override what people decided.
    const evaluation = evaluatePolicy(approval);
    const at = now.toISOString();
    let outcome: Outcome | undefined;
    if (evaluation.settled) {
      outcome = { status: evaluation.status, reason: evaluation.reason, at };
    } else if (now.getTime() >= Date.parse(approval.deadline)) {
      outcome = { status: resolveTimeout(approval).status, reason: "timeout", at };
    }
    if (outcome === undefined) {
      const steps = await runDueSteps(deps, approval, now);
      if (steps.reminderStep !== undefined) stats.reminded += 1;
      if (steps.escalatedTo !== undefined) stats.escalated += 1;
      stats.emailsFailed += steps.emailFailed;
      if (steps.heartbeat === "sent") stats.heartbeats += 1;
      if (steps.heartbeat === "failed") stats.heartbeatsFailed += 1;
      if (steps.cancelled?.cancelled) stats.cancelled += 1;
      if (!steps.claimed || steps.rescheduled) stats.skipped += 1;
      return;
    }
    const result = await settleAndNotify(deps, approval.id, outcome);
    if (!result.settled) {
      stats.skipped += 1;
      return;
    }
    if (outcome.reason === "timeout") stats.expired += 1;
    else stats.settled += 1;
    countCallback(stats, result.callback);
    return;
  }
  if (approval.callback === "PENDING") {
    stats.callbacksRetried += 1;
    metric(deps, "CallbacksRetried");
    countCallback(stats, await deliverCallback(deps, approval.id));
    return;
  }
  stats.skipped += 1;
}

function countCallback(stats: SweepStats, result: DeliverCallbackResult | undefined): void {
  if (result === undefined) return;
  if (result.status === "delivered") stats.callbacksDelivered += 1;
  if (result.status === "gave-up" || result.status === "task-closed") stats.callbacksGaveUp += 1;
}

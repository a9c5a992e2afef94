/**
 * Flow 3, Sweep: the scheduled function. Reads only what is due from the sparse due-items index,
 * its shards side by side, and, for each approval, does what is due: settle it (its decisions settle it, or its deadline
 * passed), escalate it, remind its approvers or heartbeat its task (`runDueSteps`), or retry its
 * callback.
 */
import type { Approval, Outcome } from "../approval.ts";
import { evaluatePolicy, resolveTimeout } from "../policy.ts";
import type { DuePage } from "../ports.ts";
import type { WebhookDelivery } from "../webhooks.ts";
import { type DeliverCallbackResult, deliverCallback } from "./deliver-callback.ts";
import { type DeliverWebhookResult, deliverWebhook } from "./deliver-webhook.ts";
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
  /** The due shards to read; default every shard of the store (`store.dueShards()`). */
  shards?: readonly string[];
  /** Most approvals in hand at once, across all shards; default SWEEP_CONCURRENCY. */
  concurrency?: number;
  /**
   * Hands shards to other invocations. Given it, a shard with more due than one page
   * (SWEEP_PAGE_SIZE) is not swept here but passed on, together with the others like it, so a
   * backlog is worked by as many invocations as it has busy shards. Without it, this run sweeps
   * every shard itself (the local stack, and the invocations it hands to).
   */
  handOff?: (shards: readonly string[]) => Promise<void>;
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
  /**
   * Due approvals read but not taken, because `stopTaking` said stop or the run reached its
   * `limit` (shards are read side by side); the next run, or the invocation they are handed to,
   * takes them.
   */
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
  /** Shards read by this run. */
  shards: number;
  /** Shards with more than a page due, passed to `handOff` rather than swept here. */
  handedOff: string[];
  /** Shards this run stopped in (its time or its limit) with more due; a caller may hand them on. */
  unfinished: string[];
  /** Webhook messages delivered to every URL by this run. */
  webhooksDelivered: number;
  /** Webhook attempts that some URL failed; retried later. */
  webhooksRetried: number;
  /** Webhook messages given up after their last attempt. */
  webhooksGaveUp: number;
}

/**
 * How many due approvals one run handles at once, across its shards. Each takes several round
 * trips one after another (about 20 ms on the local stack, a heartbeat or a callback on AWS) and
 * they are independent, every step a conditional write of its own, so a run's rate grows with this
 * until the function's CPU or SES's send rate is the limit.
 */
export const SWEEP_CONCURRENCY = 16;

/** Runs at most `limit` tasks at once; the rest wait their turn, in order. */
function createLimiter(limit: number) {
  let active = 0;
  const waiting: (() => void)[] = [];
  return async <T>(task: () => Promise<T>): Promise<T> => {
    if (active < limit) active += 1;
    else await new Promise<void>((resolve) => waiting.push(resolve));
    try {
      return await task();
    } finally {
      // The slot passes straight to the next waiting task, if any.
      const next = waiting.shift();
      if (next) next();
      else active -= 1;
    }
  };
}

/**
 * Handles up to `limit` due approvals, `concurrency` at a time across the due shards, which are
 * read side by side, until `stopTaking` says stop:
 *
 * 1. Each shard's first page is read; given `handOff`, a shard with more due than that page is
 *    handed on (in one call, after all first pages are in) and not swept here.
 * 2. Each other shard's approvals are handled, page after page, sharing the run's slots. Each is
 *    handled on its own: one that throws is counted in `failed` and logged, and the run goes on.
 * 3. A failing index query ends that shard's part of the run; the run throws it once every shard
 *    has stopped. Reports how late the due work was (`SweeperLag`,
 *    `OldestPendingCallbackAge`) once per run.
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
    shards: 0,
    handedOff: [],
    unfinished: [],
    webhooksDelivered: 0,
    webhooksRetried: 0,
    webhooksGaveUp: 0,
  };
  const shards = options.shards ?? (await deps.store.dueShards());
  const run = createLimiter(options.concurrency ?? SWEEP_CONCURRENCY);
  // Once told to stop, a run stops: stopTaking is not asked again.
  const stopping = () => {
    if (!stats.stoppedEarly && options.stopTaking?.()) stats.stoppedEarly = true;
    return stats.stoppedEarly;
  };

  // 1. First pages; busy shards are handed on.
  const firstPages = new Map<string, DuePage>();
  const read = async (shard: string, cursor?: string): Promise<DuePage | undefined> => {
    // Pages are read side by side, so together they may hold more than `limit`: the approvals
    // past it are left, as if the time had run out.
    if (stats.due >= options.limit || stopping()) {
      stats.unfinished.push(shard);
      return undefined;
    }
    const page = await deps.store.listDue(now.getTime(), SWEEP_PAGE_SIZE, cursor, shard);
    stats.read += page.read;
    return page;
  };
  const failures: unknown[] = [];
  await Promise.all(
    shards.map(async (shard) => {
      try {
        const page = await read(shard);
        if (page) firstPages.set(shard, page);
      } catch (error) {
        failures.push(error);
      }
    }),
  );
  stats.shards = firstPages.size;
  // Lateness covers the shards handed on too: a backlog the other invocations cannot clear shows.
  for (const page of firstPages.values()) measureLateness(page.approvals, now, stats);
  if (options.handOff) {
    const busy = [...firstPages].filter(([, page]) => page.cursor !== undefined);
    try {
      if (busy.length > 0) await options.handOff(busy.map(([shard]) => shard));
      for (const [shard] of busy) {
        stats.handedOff.push(shard);
        firstPages.delete(shard);
      }
    } catch (error) {
      // Nobody else will take them: this run sweeps them itself, as far as its time goes.
      log(deps, "error", "handing due shards on failed", {
        shards: busy.map(([shard]) => shard),
        error: describeError(error),
      });
    }
  }

  // 2. Every other shard, page after page, sharing the run's slots.
  const take = async (shard: string, approval: Approval) => {
    if (stats.due >= options.limit || stopping()) {
      stats.left += 1;
      if (!stats.unfinished.includes(shard)) stats.unfinished.push(shard);
      return;
    }
    stats.due += 1;
    try {
      await sweepOne(deps, approval, now, stats);
    } catch (error) {
      stats.failed += 1;
      log(deps, "error", "sweep item failed", {
        approvalId: approval.id,
        shard,
        error: describeError(error),
      });
    }
  };
  const takeWebhook = async (shard: string, delivery: WebhookDelivery) => {
    if (stats.due >= options.limit || stopping()) {
      stats.left += 1;
      if (!stats.unfinished.includes(shard)) stats.unfinished.push(shard);
      return;
    }
    stats.due += 1;
    try {
      countWebhook(stats, await deliverWebhook(deps, delivery));
    } catch (error) {
      stats.failed += 1;
      log(deps, "error", "webhook delivery failed", {
        approvalId: delivery.approvalId,
        webhookId: delivery.webhookId,
        shard,
        error: describeError(error),
      });
    }
  };
  await Promise.all(
    [...firstPages].map(async ([shard, first]) => {
      let page: DuePage | undefined = first;
      try {
        while (page) {
          const approvals = page.approvals;
          if (page !== first) measureLateness(approvals, now, stats);
          await Promise.all([
            ...approvals.map((approval) => run(() => take(shard, approval))),
            // One approval's messages in order (one after another); approvals side by side.
            ...groupByApproval(page.webhooks ?? []).map(async (deliveries) => {
              for (const delivery of deliveries) await run(() => takeWebhook(shard, delivery));
            }),
          ]);
          if (page.cursor === undefined || stats.unfinished.includes(shard)) break;
          page = await read(shard, page.cursor);
        }
      } catch (error) {
        failures.push(error);
      }
    }),
  );
  metric(deps, "SweeperLag", stats.lagSeconds);
  metric(deps, "OldestPendingCallbackAge", stats.oldestPendingCallbackSeconds);
  // An idle run every minute is not news; one that did, failed or left something is.
  const news = stats.due > 0 || stats.failed > 0 || stats.stoppedEarly || failures.length > 0;
  log(deps, stats.stoppedEarly ? "warn" : news ? "info" : "debug", "sweep finished", { ...stats });
  if (failures.length > 0) throw failures[0];
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
      // Webhook messages of recent events (a decision moved `dueAt` up for them) are queued
      // before the schedule is corrected; should that fail, the approval stays due.
      await queueWebhookMessages(deps, approval);
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
    const result = await settleAndNotify(deps, approval.id, outcome, approval);
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

/**
 * Queues the webhook messages of the approval's audit tail (webhooks.ts) when it names webhook
 * URLs; throws when they could not be, so the sweep leaves the approval due and tries again.
 */
async function queueWebhookMessages(deps: FlowDeps, approval: Approval): Promise<void> {
  if (!approval.webhookUrls?.length || !approval.audit?.tail.length) return;
  if (!(await deps.store.refreshListing(approval))) {
    throw new Error("webhook messages could not be queued");
  }
}

/** Due deliveries per approval, each approval's in event order. */
function groupByApproval(deliveries: readonly WebhookDelivery[]): WebhookDelivery[][] {
  const groups = new Map<string, WebhookDelivery[]>();
  for (const delivery of deliveries) {
    const group = groups.get(delivery.approvalId) ?? [];
    group.push(delivery);
    groups.set(delivery.approvalId, group);
  }
  return [...groups.values()].map((group) => group.sort((a, b) => a.seq - b.seq));
}

function countWebhook(stats: SweepStats, result: DeliverWebhookResult): void {
  if (result.status === "delivered") stats.webhooksDelivered += 1;
  else if (result.status === "retry-scheduled") stats.webhooksRetried += 1;
  else if (result.status === "gave-up") stats.webhooksGaveUp += 1;
  else stats.skipped += 1;
}

function countCallback(stats: SweepStats, result: DeliverCallbackResult | undefined): void {
  if (result === undefined) return;
  if (result.status === "delivered") stats.callbacksDelivered += 1;
  if (result.status === "gave-up" || result.status === "task-closed") stats.callbacksGaveUp += 1;
}

/**
 * The sweeper's schedule for one approval: when each reminder step, the escalation, the next
 * heartbeat and the deadline fall, which of them are due at a given instant, and `computeDueAt`, the one place that
 * says when the approval is next due. Every write that changes the schedule stores its result as
 * `dueAt`, the sort key of the sparse due index, so the sweeper reads only approvals with
 * something to do.
 */
import type { Approval, FinalStatus } from "./approval.ts";

/** What the schedule reads from a PENDING approval. */
export type ScheduleInput = Pick<Approval, "createdAt" | "deadline"> &
  Partial<
    Pick<
      Approval,
      | "reminders"
      | "reminderStep"
      | "escalation"
      | "escalatedAt"
      | "heartbeatSeconds"
      | "heartbeatAt"
    >
  >;

/**
 * Heartbeats go out every third of the Task's HeartbeatSeconds, so the Task still hears one in
 * time when a sweep runs late by up to two thirds of it (on AWS the sweeper runs every minute).
 */
export const HEARTBEATS_PER_TIMEOUT = 3;

/** Most `reminders.at` points a request may name. */
export const MAX_REMINDER_POINTS = 10;

/** How many reminder steps fall strictly before the deadline. */
export function countReminderSteps(approval: ScheduleInput): number {
  const plan = approval.reminders;
  if (plan === undefined) return 0;
  if ("at" in plan) return plan.at.length;
  const span = Date.parse(approval.deadline) - Date.parse(approval.createdAt);
  const every = plan.everySeconds * 1000;
  if (!(every > 0) || !(span > 0)) return 0;
  return Math.max(0, Math.ceil(span / every) - 1);
}

/** Epoch milliseconds of reminder step `step` (1-based), or undefined when there is no such step. */
export function reminderStepAt(approval: ScheduleInput, step: number): number | undefined {
  const plan = approval.reminders;
  if (plan === undefined || step < 1 || step > countReminderSteps(approval)) return undefined;
  const created = Date.parse(approval.createdAt);
  if ("everySeconds" in plan) return created + step * plan.everySeconds * 1000;
  const span = Date.parse(approval.deadline) - created;
  return created + Math.round(plan.at[step - 1]! * span);
}

/**
 * The reminder step to claim at `now`: the latest step whose time has come, when it is later than
 * the last one claimed. A sweeper that runs late sends one reminder for the latest missed step,
 * not one per missed step.
 */
export function dueReminderStep(approval: ScheduleInput, now: number): number | undefined {
  const claimed = approval.reminderStep ?? 0;
  let step: number;
  const plan = approval.reminders;
  if (plan !== undefined && "everySeconds" in plan) {
    const elapsed = now - Date.parse(approval.createdAt);
    step = Math.min(Math.floor(elapsed / (plan.everySeconds * 1000)), countReminderSteps(approval));
  } else {
    step = claimed;
    while ((reminderStepAt(approval, step + 1) ?? Number.POSITIVE_INFINITY) <= now) step += 1;
  }
  return step > claimed ? step : undefined;
}

/** Epoch milliseconds at which the approval escalates; undefined without a plan or once done. */
export function escalationAt(approval: ScheduleInput): number | undefined {
  if (approval.escalation === undefined || approval.escalatedAt !== undefined) return undefined;
  return Date.parse(approval.createdAt) + approval.escalation.afterSeconds * 1000;
}

/** Epoch milliseconds of the next heartbeat; undefined when the request asked for none. */
export function nextHeartbeatAt(approval: ScheduleInput): number | undefined {
  if (approval.heartbeatSeconds === undefined) return undefined;
  const last = approval.heartbeatAt ?? Date.parse(approval.createdAt);
  return last + Math.round((approval.heartbeatSeconds * 1000) / HEARTBEATS_PER_TIMEOUT);
}

/** A settled approval as `computeDueAt` sees it: only a pending callback keeps it due. */
export interface SettledScheduleInput {
  status: FinalStatus;
  callback: Approval["callback"];
}

/**
 * When the approval is next due: for a PENDING one, the earliest of its deadline, its next
 * reminder step, its escalation and its next heartbeat; for a settled one, `callbackRetryAt` while its callback is
 * PENDING (the retry that `deliverCallback` scheduled), otherwise never (undefined).
 *
 * A writer that computed this from a slightly stale approval can only get an earlier time than
 * the truth (steps are only ever claimed, never unclaimed, and heartbeats only move forward), so the approval is never missed: at
 * worst the sweeper reads it once early and stores the corrected time.
 */
export function computeDueAt(
  approval: (ScheduleInput & { status: "PENDING" }) | SettledScheduleInput,
  options: { callbackRetryAt?: number } = {},
): number | undefined {
  if (approval.status !== "PENDING") {
    return approval.callback === "PENDING" ? options.callbackRetryAt : undefined;
  }
  const next = [
    Date.parse(approval.deadline),
    reminderStepAt(approval, (approval.reminderStep ?? 0) + 1),
    escalationAt(approval),
    nextHeartbeatAt(approval),
  ].filter((at): at is number => at !== undefined && Number.isFinite(at));
  return Math.min(...next);
}

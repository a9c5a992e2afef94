/**
 * The approval's two state machines. Stores enforce them with conditional writes; these guards
 * let flows and adapters check a change before asking for it, and fail loudly on a bug.
 *
 *   status:   PENDING → APPROVED | REJECTED | EXPIRED | CANCELLED   (a final status never changes,
 *             except that a callback which finds the task closed may rewrite it to EXPIRED or
 *             CANCELLED; see `canRewriteOutcome`)
 *   callback: NONE → PENDING → DELIVERED | GAVE_UP
 */
import type { ApprovalStatus, CallbackState, FinalStatus } from "./approval.ts";
import { InvalidTransitionError } from "./errors.ts";

const STATUS_TRANSITIONS: Record<ApprovalStatus, readonly ApprovalStatus[]> = {
  PENDING: ["APPROVED", "REJECTED", "EXPIRED", "CANCELLED"],
  APPROVED: [],
  REJECTED: [],
  EXPIRED: [],
  CANCELLED: [],
};

const CALLBACK_TRANSITIONS: Record<CallbackState, readonly CallbackState[]> = {
  NONE: ["PENDING"],
  PENDING: ["DELIVERED", "GAVE_UP"],
  DELIVERED: [],
  GAVE_UP: [],
};

/** Whether `status` is one of the final statuses. */
export function isFinalStatus(status: ApprovalStatus): status is FinalStatus {
  return status !== "PENDING";
}

/** Whether an approval may move from status `from` to `to`. */
export function canTransition(from: ApprovalStatus, to: ApprovalStatus): boolean {
  return STATUS_TRANSITIONS[from].includes(to);
}

/** Whether the callback may move from `from` to `to`. */
export function canTransitionCallback(from: CallbackState, to: CallbackState): boolean {
  return CALLBACK_TRANSITIONS[from].includes(to);
}

/**
 * Whether a settled outcome may be replaced when its callback ends: only while the callback is
 * PENDING, and only by EXPIRED or CANCELLED, because the task was closed before it heard.
 */
export function canRewriteOutcome(callback: CallbackState, to: FinalStatus): boolean {
  return callback === "PENDING" && (to === "EXPIRED" || to === "CANCELLED");
}

/** Throws `InvalidTransitionError` unless `from → to` is an allowed status change. */
export function assertTransition(from: ApprovalStatus, to: ApprovalStatus): void {
  if (!canTransition(from, to)) {
    throw new InvalidTransitionError(`approval cannot move from ${from} to ${to}`);
  }
}

/** Throws `InvalidTransitionError` unless `from → to` is an allowed callback change. */
export function assertCallbackTransition(from: CallbackState, to: CallbackState): void {
  if (!canTransitionCallback(from, to)) {
    throw new InvalidTransitionError(`callback cannot move from ${from} to ${to}`);
  }
}

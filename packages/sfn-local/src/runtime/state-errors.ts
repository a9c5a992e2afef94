import type { CompiledState } from "../definition/compiled-types.ts";
import { restoreReferences } from "../definition/context-references.ts";

/**
 * An error raised inside a state. aws-local-stepfunctions matches Retry and Catch on `name` and
 * builds the Catch output as `{ Error: name, Cause: message }`, so `name` is the States error
 * name (e.g. "States.HeartbeatTimeout") and `message` is the cause.
 */
export class StateError extends Error {
  readonly isRetryable: boolean;
  readonly isCatchable: boolean;

  constructor(
    error: string | undefined,
    cause: string | undefined,
    flags: { retryable?: boolean; catchable?: boolean } = {},
  ) {
    super(cause ?? "");
    this.name = error ?? "";
    this.isRetryable = flags.retryable ?? true;
    this.isCatchable = flags.catchable ?? true;
  }
}

/** Raised into a state whose execution was stopped; nothing may retry or catch it. */
export function abortedError(): StateError {
  return new StateError("States.Aborted", "The execution was stopped", {
    retryable: false,
    catchable: false,
  });
}

/** A States.Runtime failure: not retryable, not catchable, as in AWS. */
export function runtimeError(cause: string): StateError {
  return new StateError("States.Runtime", cause, { retryable: false, catchable: false });
}

/** How a run or state failed, as reported in history and DescribeExecution. */
export interface Failure {
  error?: string;
  cause?: string;
  retryable: boolean;
  catchable: boolean;
}

/**
 * Normalizes what a run threw. The library names a Fail state's error "FailStateError" and its
 * cause "Execution failed because of a Fail state" when the state sets neither; AWS reports none.
 */
export function describeFailure(thrown: unknown, failedIn: CompiledState | undefined): Failure {
  const failure = describeThrown(thrown, failedIn);
  if (failure.cause !== undefined) failure.cause = restoreReferences(failure.cause);
  return failure;
}

function describeThrown(thrown: unknown, failedIn: CompiledState | undefined): Failure {
  if (!(thrown instanceof Error)) {
    return { error: "States.Runtime", cause: String(thrown), retryable: false, catchable: false };
  }
  const flags = thrown as { isRetryable?: unknown; isCatchable?: unknown };
  const retryable = flags.isRetryable !== false;
  const catchable = flags.isCatchable !== false;
  if (failedIn?.type === "Fail" && thrown.name !== "States.Runtime") {
    const source = failedIn.source;
    const failure: Failure = { retryable, catchable };
    if ("Error" in source || "ErrorPath" in source) failure.error = thrown.name;
    if ("Cause" in source || "CausePath" in source) failure.cause = thrown.message;
    return failure;
  }
  if (flags.isRetryable === undefined && !(thrown instanceof StateError)) {
    // A plain JavaScript error escaped the library: report it as the runtime failure it is.
    return { error: "States.Runtime", cause: thrown.message, retryable: false, catchable: false };
  }
  const failure: Failure = { retryable, catchable };
  if (thrown.name !== "") failure.error = thrown.name;
  // Library errors such as States.Timeout carry their own name as message; that is no cause.
  if (thrown.message !== "" && thrown.message !== thrown.name) failure.cause = thrown.message;
  return failure;
}

/** Turns a failure back into an error, to fail an enclosing Map or Parallel state with it. */
export function failureToError(failure: Failure): StateError {
  return new StateError(failure.error, failure.cause, {
    retryable: failure.retryable,
    catchable: failure.catchable,
  });
}

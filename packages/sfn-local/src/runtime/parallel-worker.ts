import type { ParallelState } from "../definition/compiled-types.ts";
import type { JsonValue } from "../json.ts";
import type { Attempt } from "./attempt.ts";
import { failureToError } from "./state-errors.ts";
import type { ChildRun, StateHost } from "./state-host.ts";

/**
 * Runs a Parallel state: every branch as a nested run on the same input, results in branch
 * order. The first failing branch aborts the others and fails the state with its error.
 */
export function startParallel(
  host: StateHost,
  attempt: Attempt,
  state: ParallelState,
  input: JsonValue,
): void {
  const started = host.record("ParallelStateStarted");
  const results: JsonValue[] = new Array(state.branches.length).fill(null);
  const running = new Set<ChildRun>();
  let pending = state.branches.length;
  let finished = false;

  const abortRunning = () => {
    for (const child of running) child.abort();
    running.clear();
  };
  attempt.onEnd(() => {
    if (finished) return;
    // The execution was stopped while branches were running.
    finished = true;
    abortRunning();
    host.record("ParallelStateAborted", undefined, host.scope.history.lastId);
  });

  if (pending === 0) {
    finished = true;
    host.record("ParallelStateSucceeded");
    attempt.resolve([]);
    return;
  }
  state.branches.forEach((branch, index) => {
    const child = host.spawn(branch, started.id);
    running.add(child);
    void child.start(input).then((outcome) => {
      if (finished || outcome.status === "aborted") return;
      running.delete(child);
      if (outcome.status === "failed") {
        finished = true;
        abortRunning();
        host.record("ParallelStateFailed", undefined, host.scope.history.lastId);
        attempt.reject(failureToError(outcome.failure));
        return;
      }
      results[index] = outcome.output;
      pending -= 1;
      if (pending > 0) return;
      finished = true;
      host.record("ParallelStateSucceeded", undefined, host.scope.history.lastId);
      attempt.resolve(results);
    });
  });
}

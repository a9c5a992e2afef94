import type { JsonValue } from "../json.ts";
import type { Attempt } from "./attempt.ts";
import { type JsonPathAssignHost, startChoice, startPass } from "./jsonpath-assign.ts";
import { startMap } from "./map-worker.ts";
import { startParallel } from "./parallel-worker.ts";
import { startTask } from "./task-worker.ts";
import { startWait } from "./wait-worker.ts";

/**
 * Starts the work of a JSONPath Task, Map, Parallel or Wait state, or Pass or Choice state with
 * Assign, for one attempt.
 */
export function startHandledState(
  host: JsonPathAssignHost,
  attempt: Attempt,
  input: JsonValue,
): void {
  const state = attempt.state;
  switch (state.kind) {
    case "task":
      startTask(host, attempt, state, input);
      return;
    case "map":
      startMap(host, attempt, state, input);
      return;
    case "parallel":
      startParallel(host, attempt, state, input);
      return;
    case "wait":
      startWait(host, attempt, state, input);
      return;
    case "pass":
      startPass(attempt, state, input);
      return;
    case "choice":
      startChoice(host, attempt, state, input);
      return;
  }
}

import type { JsonValue } from "../json.ts";
import type { Attempt } from "./attempt.ts";
import { startMap } from "./map-worker.ts";
import { startParallel } from "./parallel-worker.ts";
import type { StateHost } from "./state-host.ts";
import { startTask } from "./task-worker.ts";
import { startWait } from "./wait-worker.ts";

/** Starts the work of a Task, Map, Parallel or Wait state for one attempt. */
export function startHandledState(host: StateHost, attempt: Attempt, input: JsonValue): void {
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
  }
}

import type { MapState } from "../definition/compiled-types.ts";
import { isJsonObject, type JsonValue } from "../json.ts";
import type { Attempt } from "./attempt.ts";
import { failureToError, runtimeError } from "./state-errors.ts";
import type { ChildRun, StateHost } from "./state-host.ts";
import { evaluateTemplate } from "./template-evaluator.ts";

function readConcurrency(state: MapState, value: JsonValue | undefined): number | undefined {
  if (value === undefined) return state.maxConcurrency;
  if (typeof value !== "number" || !Number.isInteger(value) || value < 0) {
    throw runtimeError(
      `MaxConcurrencyPath of state "${state.name}" must point to a non-negative integer`,
    );
  }
  return value;
}

/**
 * Runs an inline Map state: one nested run per item, at most MaxConcurrency at a time (0 or
 * absent: no limit), results in item order. The first failing iteration aborts the others and
 * fails the state with its error, so the Map's Retry and Catch apply.
 */
export function startMap(
  host: StateHost,
  attempt: Attempt,
  state: MapState,
  input: JsonValue,
): void {
  const parameters = isJsonObject(input) ? input : {};
  const items = parameters.items;
  let concurrency: number | undefined;
  try {
    if (!Array.isArray(items)) {
      throw runtimeError(`Items of Map state "${state.name}" must be an array`);
    }
    concurrency = readConcurrency(state, parameters.maxConcurrency);
  } catch (error) {
    attempt.reject(error);
    return;
  }
  const effectiveInput = parameters.input ?? null;
  const limit = concurrency ? concurrency : Number.POSITIVE_INFINITY;
  const results: JsonValue[] = new Array(items.length).fill(null);
  // Iterations that have started, with their run once their input is ready.
  const running = new Map<number, ChildRun | undefined>();
  const name = state.name;
  let nextIndex = 0;
  let pending = items.length;
  let finished = false;

  host.record("MapStateStarted", { length: items.length });

  const abortRunning = () => {
    for (const [index, child] of running) {
      child?.abort();
      host.record("MapIterationAborted", { name, index });
    }
    running.clear();
  };
  const fail = (error: unknown) => {
    finished = true;
    abortRunning();
    host.record("MapStateFailed", undefined, host.scope.history.lastId);
    attempt.reject(error);
  };
  attempt.onEnd(() => {
    if (finished) return;
    // The execution was stopped while iterations were running.
    finished = true;
    abortRunning();
    host.record("MapStateAborted", undefined, host.scope.history.lastId);
  });

  const iterate = async (index: number, item: JsonValue) => {
    const started = host.record("MapIterationStarted", { name, index });
    let iterationInput = item;
    if (state.itemSelector !== undefined) {
      const context = host.templateContext({ Map: { Item: { Index: index, Value: item } } });
      iterationInput = await evaluateTemplate(state.itemSelector, effectiveInput, context);
    }
    if (finished) return;
    const child = host.spawn(state.iterator, started.id);
    running.set(index, child);
    const outcome = await child.start(iterationInput);
    if (finished || outcome.status === "aborted") return;
    running.delete(index);
    if (outcome.status === "failed") {
      host.record("MapIterationFailed", { name, index }, child.lastEventId);
      fail(failureToError(outcome.failure));
      return;
    }
    results[index] = outcome.output;
    host.record("MapIterationSucceeded", { name, index }, child.lastEventId);
    pending -= 1;
    if (pending > 0) return launch();
    finished = true;
    host.record("MapStateSucceeded", undefined, host.scope.history.lastId);
    attempt.resolve(results);
  };

  const launch = () => {
    while (!finished && running.size < limit && nextIndex < items.length) {
      const index = nextIndex;
      nextIndex += 1;
      running.set(index, undefined);
      iterate(index, items[index] ?? null).catch((error: unknown) => {
        if (!finished) fail(error);
      });
    }
  };

  if (items.length === 0) {
    finished = true;
    host.record("MapStateSucceeded");
    attempt.resolve([]);
    return;
  }
  launch();
}

import type { HandledState, MapState, TaskState, WaitState } from "../definition/compiled-types.ts";
import type { JsonataTemplate } from "../definition/jsonata-template.ts";
import { isJsonObject, type JsonObject, type JsonValue } from "../json.ts";
import type { Attempt } from "./attempt.ts";
import { evaluateJsonata, type JsonataScope, queryEvaluationError } from "./jsonata-evaluator.ts";
import { type JsonataHost, produceOutput, reportFailure } from "./jsonata-output.ts";
import { createLibraryTimeoutError } from "./library-timeout-error.ts";
import { setLongTimeout } from "./long-timer.ts";
import { startMap } from "./map-worker.ts";
import { startParallel } from "./parallel-worker.ts";
import { StateError } from "./state-errors.ts";
import { startTask } from "./task-worker.ts";
import { startWait } from "./wait-worker.ts";

const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})$/;

async function readInteger(
  template: JsonataTemplate,
  scope: JsonataScope,
  field: string,
  minimum: number,
): Promise<number> {
  const value = await evaluateJsonata(template, scope);
  if (typeof value !== "number" || !Number.isInteger(value) || value < minimum) {
    throw queryEvaluationError(
      scope,
      field,
      `The value of the field '${field}' must be an integer of at least ${minimum}, not ${JSON.stringify(value)}.`,
    );
  }
  return value;
}

async function readString(
  template: JsonataTemplate,
  scope: JsonataScope,
  field: string,
): Promise<string> {
  const value = await evaluateJsonata(template, scope);
  if (typeof value !== "string") {
    throw queryEvaluationError(
      scope,
      field,
      `The value of the field '${field}' must be a string, not ${JSON.stringify(value)}.`,
    );
  }
  return value;
}

/**
 * Runs one attempt of a JSONata state: evaluates its fields against `$states` and the
 * variables in scope, does the state's work (a Task's call, a Wait's sleep, a Choice's
 * decision, a Fail's error), then evaluates `Output` and `Assign` from the result. Evaluation
 * errors fail the attempt with States.QueryEvaluationError, which Retry and Catch see.
 */
export function startJsonataState(host: JsonataHost, attempt: Attempt, input: JsonValue): void {
  const state = attempt.state;
  const fields = state.jsonata ?? {};
  const scope = host.jsonataScope(input);
  const finishWith =
    (defaultOutput: (result: JsonValue) => JsonValue, hasResult: boolean) =>
    (result: JsonValue): Promise<JsonValue> => {
      const after = hasResult ? { ...scope, states: { ...scope.states, result } } : scope;
      return reportFailure(
        host,
        produceOutput(host, after, fields.output, [fields.assign], defaultOutput(result)),
      );
    };
  const run = async () => {
    switch (state.kind) {
      case "task":
        return runTask(
          host,
          attempt,
          state,
          input,
          scope,
          finishWith((result) => result, true),
        );
      case "wait":
        return runWait(
          host,
          attempt,
          state,
          input,
          scope,
          finishWith(() => input, false),
        );
      case "map":
        return runMap(
          host,
          attempt,
          state,
          input,
          scope,
          finishWith((result) => result, true),
        );
      case "parallel": {
        const branchInput = fields.arguments
          ? await evaluateJsonata(fields.arguments, scope)
          : input;
        if (attempt.settled) return;
        attempt.finish = finishWith((result) => result, true);
        startParallel(host, attempt, state, branchInput);
        return;
      }
      case "expression":
        attempt.finish = finishWith(() => input, false);
        if (state.type === "Choice") return choose(host, attempt, state, input, scope);
        if (state.type === "Fail") return failState(attempt, scope);
        attempt.resolve(input);
        return;
      case "pass":
      case "choice":
        // Kinds of JSONPath states only; a JSONata state never compiles to them.
        throw new Error(`state "${state.name}" is not a JSONata state`);
      default: {
        const unreachable: never = state;
        return unreachable;
      }
    }
  };
  reportFailure(host, run()).catch((error: unknown) => attempt.reject(error));
}

async function runTask(
  host: JsonataHost,
  attempt: Attempt,
  state: TaskState,
  input: JsonValue,
  scope: JsonataScope,
  finish: (result: JsonValue) => Promise<JsonValue>,
): Promise<void> {
  const fields = state.jsonata ?? {};
  const args = fields.arguments ? await evaluateJsonata(fields.arguments, scope) : input;
  const limits: { timeoutSeconds?: number; heartbeatSeconds?: number } = {};
  if (state.timeoutSeconds !== undefined) limits.timeoutSeconds = state.timeoutSeconds;
  else if (fields.timeoutSeconds) {
    limits.timeoutSeconds = await readInteger(fields.timeoutSeconds, scope, "TimeoutSeconds", 1);
  }
  if (state.heartbeatSeconds !== undefined) limits.heartbeatSeconds = state.heartbeatSeconds;
  else if (fields.heartbeatSeconds) {
    limits.heartbeatSeconds = await readInteger(
      fields.heartbeatSeconds,
      scope,
      "HeartbeatSeconds",
      1,
    );
  }
  if (attempt.settled) return;
  attempt.finish = finish;
  // The library armed its timer before these values were known: sfn-local keeps the time.
  if (limits.timeoutSeconds !== undefined) {
    const timer = setLongTimeout(() => {
      void createLibraryTimeoutError().then((error) => attempt.timeOutWith(error));
    }, limits.timeoutSeconds * 1000);
    attempt.onEnd(() => timer.clear());
  }
  startTask(host, attempt, state, args, limits);
}

// ItemSelector is evaluated for every item before the first iteration starts (AWS evaluates it
// as each iteration starts; only the order of evaluation errors can differ).
async function runMap(
  host: JsonataHost,
  attempt: Attempt,
  state: MapState,
  input: JsonValue,
  scope: JsonataScope,
  finish: (result: JsonValue) => Promise<JsonValue>,
): Promise<void> {
  const fields = state.jsonata ?? {};
  const items = fields.items ? await evaluateJsonata(fields.items, scope) : input;
  if (!Array.isArray(items)) {
    throw queryEvaluationError(
      scope,
      "Items",
      `The value of the field 'Items' must be an array, not ${JSON.stringify(items)}.`,
    );
  }
  let maxConcurrency = state.maxConcurrency;
  if (fields.maxConcurrency) {
    maxConcurrency = await readInteger(fields.maxConcurrency, scope, "MaxConcurrency", 0);
  }
  let selected = items;
  const { itemSelector } = fields;
  if (itemSelector) {
    const context = isJsonObject(scope.states.context) ? scope.states.context : {};
    selected = [];
    for (const [index, value] of items.entries()) {
      const itemContext = { ...context, Map: { Item: { Index: index, Value: value } } };
      const itemScope = { ...scope, states: { ...scope.states, context: itemContext } };
      selected.push(await evaluateJsonata(itemSelector, itemScope));
    }
  }
  if (attempt.settled) return;
  attempt.finish = finish;
  const parameters: JsonObject = { items: selected };
  if (maxConcurrency !== undefined) parameters.maxConcurrency = maxConcurrency;
  startMap(host, attempt, state, parameters);
}

async function runWait(
  host: JsonataHost,
  attempt: Attempt,
  state: WaitState,
  input: JsonValue,
  scope: JsonataScope,
  finish: (result: JsonValue) => Promise<JsonValue>,
): Promise<void> {
  const fields = state.jsonata ?? {};
  const timed: WaitState = { ...state };
  if (fields.seconds) timed.seconds = await readInteger(fields.seconds, scope, "Seconds", 0);
  if (fields.timestamp) {
    const timestamp = await readString(fields.timestamp, scope, "Timestamp");
    if (!RFC3339.test(timestamp)) {
      throw queryEvaluationError(
        scope,
        "Timestamp",
        `The value of the field 'Timestamp' must be an RFC 3339 timestamp, not ${JSON.stringify(timestamp)}.`,
      );
    }
    timed.timestamp = timestamp;
  }
  if (attempt.settled) return;
  attempt.finish = finish;
  startWait(host, attempt, timed, input);
}

// A matched rule's own Output replaces the state's; its Assign adds to the state's, which
// applies whichever rule matches (AWS, "Choice workflow state").
async function choose(
  host: JsonataHost,
  attempt: Attempt,
  state: HandledState,
  input: JsonValue,
  scope: JsonataScope,
): Promise<void> {
  const fields = state.jsonata ?? {};
  for (const [index, rule] of (fields.choices ?? []).entries()) {
    const value = await evaluateJsonata(rule.condition, scope);
    if (typeof value !== "boolean") {
      throw queryEvaluationError(
        scope,
        `Choices[${index}]/Condition`,
        `The Condition of Choices[${index}] must evaluate to a boolean, not ${JSON.stringify(value)}.`,
      );
    }
    if (value) {
      attempt.next = rule.next;
      attempt.finish = () =>
        reportFailure(
          host,
          produceOutput(
            host,
            scope,
            rule.output ?? fields.output,
            [fields.assign, rule.assign],
            input,
          ),
        );
      attempt.resolve(input);
      return;
    }
  }
  if (fields.default !== undefined) {
    attempt.next = fields.default;
    attempt.resolve(input);
    return;
  }
  throw new StateError(
    "States.NoChoiceMatched",
    `No Choice Rule matched in state '${state.name}'`,
    {
      retryable: false,
      catchable: false,
    },
  );
}

async function failState(attempt: Attempt, scope: JsonataScope): Promise<void> {
  const fields = attempt.state.jsonata ?? {};
  const error = fields.error ? await readString(fields.error, scope, "Error") : undefined;
  const cause = fields.cause ? await readString(fields.cause, scope, "Cause") : undefined;
  attempt.reject(new StateError(error, cause, { retryable: false, catchable: false }));
}

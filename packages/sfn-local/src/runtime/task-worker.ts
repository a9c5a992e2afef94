import type { TaskState } from "../definition/compiled-types.ts";
import { isJsonObject, type JsonValue } from "../json.ts";
import { parseFunctionName } from "../lambda/function-name.ts";
import { lambdaInvokeResponse } from "../lambda/invoke-response.ts";
import type { Attempt } from "./attempt.ts";
import { setLongTimeout } from "./long-timer.ts";
import { runtimeError, StateError } from "./state-errors.ts";
import type { StateHost } from "./state-host.ts";
import { type TaskEvents, taskEvents } from "./task-events.ts";

interface TaskLimits {
  timeoutSeconds?: number;
  heartbeatSeconds?: number;
}

function readPositiveInteger(value: JsonValue | undefined, field: string, state: string): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < 1) {
    throw runtimeError(`${field} of state "${state}" must point to a positive integer`);
  }
  return value;
}

// Parameters were wrapped at compile time when TimeoutSecondsPath or HeartbeatSecondsPath is
// used, so the library evaluates those paths against the state's effective input.
function unwrapParameters(
  state: TaskState,
  input: JsonValue,
  evaluated: TaskLimits | undefined,
): [JsonValue, TaskLimits] {
  if (evaluated) return [input, evaluated];
  const limits: TaskLimits = {};
  if (state.timeoutSeconds !== undefined) limits.timeoutSeconds = state.timeoutSeconds;
  if (state.heartbeatSeconds !== undefined) limits.heartbeatSeconds = state.heartbeatSeconds;
  if (!state.wrapsParameters || !isJsonObject(input)) return [input, limits];
  if ("timeoutSeconds" in input) {
    limits.timeoutSeconds = readPositiveInteger(
      input.timeoutSeconds,
      "TimeoutSecondsPath",
      state.name,
    );
  }
  if ("heartbeatSeconds" in input) {
    limits.heartbeatSeconds = readPositiveInteger(
      input.heartbeatSeconds,
      "HeartbeatSecondsPath",
      state.name,
    );
  }
  return [input.parameters ?? null, limits];
}

/**
 * Runs a Task state's attempt: calls the in-process Lambda function and, for
 * `.waitForTaskToken`, waits until SendTaskSuccess or SendTaskFailure completes the task.
 * HeartbeatSeconds is enforced here; TimeoutSeconds through the attempt's deadline. A JSONata
 * state passes its evaluated Arguments as `input` and its evaluated limits.
 */
export function startTask(
  host: StateHost,
  attempt: Attempt,
  state: TaskState,
  input: JsonValue,
  evaluatedLimits?: TaskLimits,
): void {
  let parameters: JsonValue;
  let limits: TaskLimits;
  try {
    [parameters, limits] = unwrapParameters(state, input, evaluatedLimits);
  } catch (error) {
    attempt.reject(error);
    return;
  }
  const events = taskEvents(host, state, parameters, limits);
  if (limits.timeoutSeconds !== undefined) {
    attempt.deadline = Date.now() + limits.timeoutSeconds * 1000;
  }
  attempt.onTimedOut = () => events.timedOut("States.Timeout");
  const fail = (error: string | undefined, cause: string | undefined) => {
    if (attempt.settled) return;
    events.failed(error, cause);
    attempt.reject(new StateError(error, cause));
  };

  if (state.resource.kind === "lambda-arn") {
    const reference = { name: state.resource.functionName, qualifier: state.resource.qualifier };
    events.scheduled();
    events.started();
    watchHeartbeat(attempt, events, limits.heartbeatSeconds);
    void host.scope.services.functions.invoke(reference, parameters).then((result) => {
      if (attempt.settled) return;
      if (!result.ok) return fail(result.failure.error, result.failure.cause);
      events.succeeded(JSON.stringify(result.payload));
      attempt.resolve(result.payload);
    });
    return;
  }

  if (!isJsonObject(parameters) || typeof parameters.FunctionName !== "string") {
    attempt.reject(
      runtimeError(`Parameters.FunctionName of state "${state.name}" must be a string`),
    );
    return;
  }
  const qualifier = typeof parameters.Qualifier === "string" ? parameters.Qualifier : undefined;
  const reference = parseFunctionName(parameters.FunctionName, qualifier);
  events.scheduled();
  events.started();
  if (!reference) {
    fail(
      "Lambda.InvalidParameterValueException",
      `Invalid function name: ${parameters.FunctionName}`,
    );
    return;
  }
  const restartHeartbeat = watchHeartbeat(attempt, events, limits.heartbeatSeconds);
  const payload = "Payload" in parameters ? (parameters.Payload ?? null) : {};
  const { functions, log } = host.scope.services;
  const waits = state.resource.waitForTaskToken;
  if (waits) waitForToken(host, attempt, events, fail, restartHeartbeat);

  if (parameters.InvocationType === "Event") {
    // An asynchronous invocation: Lambda answers 202 at once and its outcome is not reported,
    // so nothing else would tell the developer why the task is still waiting: say so loudly.
    // Only names: the cause may quote the payload, and the payload may carry the task token.
    const execution = host.scope.execution.arn;
    void functions.invoke(reference, payload).then((result) => {
      if (result.ok) return;
      const waiting = waits ? "; the task keeps waiting for its token" : "";
      log(
        "error",
        `sfn-local: asynchronous invocation of ${reference.name} failed with ${result.failure.error} (state "${state.name}" of ${execution})${waiting}`,
      );
    });
    const accepted = lambdaInvokeResponse(null, 202);
    if (waits) {
      events.submitted(accepted);
    } else {
      events.succeeded(JSON.stringify(accepted));
      attempt.resolve(accepted);
    }
    return;
  }
  void functions.invoke(reference, payload).then((result) => {
    if (attempt.settled) return;
    if (!result.ok) return fail(result.failure.error, result.failure.cause);
    const response = lambdaInvokeResponse(result.payload);
    if (waits) return events.submitted(response);
    events.succeeded(JSON.stringify(response));
    attempt.resolve(response);
  });
}

// Makes the attempt's token usable by SendTaskSuccess / SendTaskFailure / SendTaskHeartbeat
// until the attempt ends, however it ends.
function waitForToken(
  host: StateHost,
  attempt: Attempt,
  events: TaskEvents,
  fail: (error: string | undefined, cause: string | undefined) => void,
  restartHeartbeat: () => void,
): void {
  const token = attempt.token;
  if (token === undefined) return;
  const { tokens } = host.scope.services;
  tokens.open(token, {
    succeed: (output, outputText) => {
      if (attempt.settled) return;
      events.succeeded(outputText);
      attempt.resolve(output as JsonValue);
    },
    fail,
    heartbeat: restartHeartbeat,
  });
  attempt.onEnd(() => tokens.close(token));
}

// Fails the attempt with States.HeartbeatTimeout when no heartbeat arrives in time; returns
// the function SendTaskHeartbeat calls to restart the clock.
function watchHeartbeat(
  attempt: Attempt,
  events: TaskEvents,
  heartbeatSeconds: number | undefined,
): () => void {
  if (heartbeatSeconds === undefined) return () => {};
  const expire = () => {
    if (attempt.settled) return;
    events.timedOut("States.HeartbeatTimeout");
    attempt.reject(new StateError("States.HeartbeatTimeout", undefined));
  };
  let timer = setLongTimeout(expire, heartbeatSeconds * 1000);
  attempt.onEnd(() => timer.clear());
  return () => {
    if (attempt.settled) return;
    timer.clear();
    timer = setLongTimeout(expire, heartbeatSeconds * 1000);
  };
}

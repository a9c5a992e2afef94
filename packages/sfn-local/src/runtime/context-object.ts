import { CONTEXT_KEY } from "../definition/context-references.ts";
import type { JsonObject, JsonValue } from "../json.ts";

/** What a run knows about its execution and its current state, read when a path asks. */
export interface ContextSource {
  readonly execution: {
    arn: string;
    name: string;
    input: JsonValue;
    startTime: Date;
    roleArn: string;
    stateMachineArn: string;
    stateMachineName: string;
  };
  currentStateName(): string | undefined;
  currentStateEnteredTime(): Date | undefined;
  currentRetryCount(): number | undefined;
  currentTaskToken(): string | undefined;
  /** The run's variables as they read now (`$name` in JSONPath is rewritten to read them). */
  currentVariables?(): JsonObject;
}

function executionObject(source: ContextSource): JsonObject {
  const { execution } = source;
  return {
    Id: execution.arn,
    Input: structuredClone(execution.input),
    Name: execution.name,
    RoleArn: execution.roleArn,
    StartTime: execution.startTime.toISOString(),
    RedriveCount: 0,
  };
}

function stateObject(source: ContextSource): JsonObject {
  const name = source.currentStateName();
  if (name === undefined) return {};
  return {
    EnteredTime: source.currentStateEnteredTime()?.toISOString() ?? null,
    Name: name,
    RetryCount: source.currentRetryCount() ?? 0,
  };
}

/** The context object as plain JSON, as it reads now (`$$` in JSONPath, `$states.context`). */
export function snapshotContextObject(source: ContextSource, extra: JsonObject = {}): JsonObject {
  const { execution } = source;
  const snapshot: JsonObject = {
    Execution: executionObject(source),
    StateMachine: { Id: execution.stateMachineArn, Name: execution.stateMachineName },
    State: stateObject(source),
    ...extra,
  };
  const token = source.currentTaskToken();
  if (token !== undefined) snapshot.Task = { Token: token };
  return snapshot;
}

/**
 * The context object (`$$`) handed to aws-local-stepfunctions for one run. Values that change
 * while the run moves (current state, task token) are getters one level down, read when a path
 * is evaluated: the library spreads the top level once per run, which would freeze a top-level
 * getter. `$$.Task` and `$$.State` therefore evaluate to these live objects; the run copies a
 * handled state's evaluated Parameters before its attempt starts, and keeps the task token
 * fixed for the attempt, so a later read of a live object agrees with the first.
 * `$$.Execution…` and a bare `$$` are rewritten to the `SfnLocal` branch at compile time, because
 * the library overwrites `Execution` for nested runs.
 */
export function createContextObject(
  source: ContextSource,
  extra: JsonObject = {},
): Record<string, unknown> {
  const { execution } = source;
  const stateMachine = { Id: execution.stateMachineArn, Name: execution.stateMachineName };
  return {
    ...extra,
    Execution: executionObject(source),
    StateMachine: stateMachine,
    State: {
      get EnteredTime() {
        return source.currentStateEnteredTime()?.toISOString();
      },
      get Name() {
        return source.currentStateName();
      },
      get RetryCount() {
        return source.currentRetryCount();
      },
    },
    Task: {
      get Token() {
        return source.currentTaskToken();
      },
    },
    [CONTEXT_KEY]: {
      get Execution() {
        return executionObject(source);
      },
      get Context() {
        return snapshotContextObject(source, extra);
      },
      get Variables() {
        // A copy: an evaluated value must not alias a variable that a later state replaces.
        return structuredClone(source.currentVariables?.() ?? {});
      },
    },
  };
}

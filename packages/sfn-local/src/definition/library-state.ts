import { isJsonObject, type JsonObject, type JsonValue } from "../json.ts";
import { fixChoiceRule } from "./choice-rules.ts";
import { rewriteContextReferences, rewriteTemplate } from "./context-references.ts";

/** Longest delay a Node timer can take (2^31-1 ms), in whole seconds. */
export const MAX_TIMER_SECONDS = 2_147_483;

/**
 * Resource names of the library Task states that stand in for Map, Parallel, Wait, JSONata
 * states, and JSONPath Pass and Choice states with Assign.
 */
export const HANDLED_RESOURCE = {
  JSONata: "sfn-local:jsonata",
  Map: "sfn-local:map",
  Pass: "sfn-local:pass",
  Choice: "sfn-local:choice",
  Parallel: "sfn-local:parallel",
  Wait: "sfn-local:wait",
} as const;

// The library treats States.TaskFailed as a wildcard for any state of type "Task". Map, Parallel
// and Wait run as library Tasks, so their retriers and catchers get a name that only matches
// itself, keeping the wildcard to real Task states as the States Language specifies.
const LITERAL_TASK_FAILED = "States.TaskFailed (literal)";

type Library = Record<string, unknown>;

function rewritePath(value: JsonValue | undefined): JsonValue | undefined {
  return typeof value === "string" ? rewriteContextReferences(value) : value;
}

function copyTransitions(state: JsonObject, into: Library): void {
  if (state.Next !== undefined) into.Next = state.Next;
  if (state.End !== undefined) into.End = state.End;
}

function copyInputOutput(state: JsonObject, into: Library): void {
  if ("InputPath" in state) into.InputPath = rewritePath(state.InputPath);
  if ("OutputPath" in state) into.OutputPath = rewritePath(state.OutputPath);
}

// The library writes `ResultPath: "$"` into a field literally named "$"; leaving the field out
// gives the same meaning ("the result replaces the input") and the library handles that right.
function copyResultHandling(state: JsonObject, into: Library): void {
  if ("ResultSelector" in state)
    into.ResultSelector = rewriteTemplate(state.ResultSelector ?? null);
  if ("ResultPath" in state && state.ResultPath !== "$") into.ResultPath = state.ResultPath;
}

function renameTaskFailed(errors: JsonValue | undefined, literal: boolean): JsonValue | undefined {
  if (!literal || !Array.isArray(errors)) return errors;
  return errors.map((name) => (name === "States.TaskFailed" ? LITERAL_TASK_FAILED : name));
}

function copyErrorHandling(state: JsonObject, into: Library, literalTaskFailed: boolean): void {
  if (Array.isArray(state.Retry)) {
    into.Retry = state.Retry.filter(isJsonObject).map((retrier) => {
      const copy: Library = { ...retrier };
      copy.ErrorEquals = renameTaskFailed(retrier.ErrorEquals, literalTaskFailed);
      // Retry delays go through a plain setTimeout in the library; keep them below its limit.
      const maxDelay =
        typeof retrier.MaxDelaySeconds === "number" ? retrier.MaxDelaySeconds : Infinity;
      copy.MaxDelaySeconds = Math.min(maxDelay, MAX_TIMER_SECONDS);
      return copy;
    });
  }
  if (Array.isArray(state.Catch)) {
    into.Catch = state.Catch.filter(isJsonObject).map((catcher) => {
      const copy: Library = { ...catcher };
      copy.ErrorEquals = renameTaskFailed(catcher.ErrorEquals, literalTaskFailed);
      if (catcher.ResultPath === "$") delete copy.ResultPath;
      return copy;
    });
  }
}

/** The library form of a Pass, Choice, Succeed or Fail state. */
export function nativeLibraryState(state: JsonObject): Library {
  const out: Library = { Type: state.Type };
  copyInputOutput(state, out);
  copyTransitions(state, out);
  switch (state.Type) {
    case "Pass":
      if ("Parameters" in state) out.Parameters = rewriteTemplate(state.Parameters ?? null);
      if ("Result" in state) {
        // The library ignores a falsy Result (0, false, "", null) and passes the input through;
        // a literal Parameters value yields the same output as AWS's Result.
        if (state.Result) out.Result = state.Result;
        else out.Parameters = state.Result ?? null;
      }
      copyResultHandling(state, out);
      break;
    case "Choice":
      out.Choices = Array.isArray(state.Choices)
        ? state.Choices.filter(isJsonObject).map(fixChoiceRule)
        : [];
      if (state.Default !== undefined) out.Default = state.Default;
      break;
    case "Fail":
      for (const field of ["Error", "Cause"]) if (field in state) out[field] = state[field];
      for (const field of ["ErrorPath", "CausePath"]) {
        if (field in state) out[field] = rewritePath(state[field]);
      }
      break;
  }
  return out;
}

/**
 * The library form of a JSONPath Pass state with Assign: a Task whose handler returns the
 * state's result (Result, or the effective input after Parameters), so that sfn-local can
 * evaluate Assign against it before ResultPath and OutputPath apply.
 */
export function passLibraryState(state: JsonObject): Library {
  const out: Library = { Type: "Task", Resource: HANDLED_RESOURCE.Pass };
  copyInputOutput(state, out);
  if ("Parameters" in state) out.Parameters = rewriteTemplate(state.Parameters ?? null);
  if ("ResultPath" in state && state.ResultPath !== "$") out.ResultPath = state.ResultPath;
  copyTransitions(state, out);
  return out;
}

/**
 * The library form of a JSONPath Choice state with Assign: a Task whose handler picks the rule
 * and evaluates the Assign blocks; its `Next` is set per run (see Run). The result is the
 * effective input, so OutputPath applies to it as it does for a Choice.
 */
export function choiceLibraryState(state: JsonObject): Library {
  const out: Library = { Type: "Task", Resource: HANDLED_RESOURCE.Choice };
  copyInputOutput(state, out);
  return out;
}

/**
 * A library machine that runs a Choice state's rules and outputs `{ rule }`: the index of the
 * matching rule, or -1 for Default. Without a match or Default it fails with
 * States.NoChoiceMatched, as the Choice state would.
 */
export function choiceChooser(state: JsonObject): Library {
  const rules = Array.isArray(state.Choices) ? state.Choices.filter(isJsonObject) : [];
  const states: Library = {
    Choose: {
      Type: "Choice",
      Choices: rules.map((rule, index) => ({ ...fixChoiceRule(rule), Next: `Rule${index}` })),
      ...(state.Default === undefined ? {} : { Default: "Default" }),
    },
    Default: { Type: "Pass", Result: { rule: -1 }, End: true },
  };
  rules.forEach((_rule, index) => {
    states[`Rule${index}`] = { Type: "Pass", Result: { rule: index }, End: true };
  });
  return { StartAt: "Choose", States: states };
}

/**
 * The library form of a Task state: timeouts and heartbeats are removed (sfn-local enforces
 * them) and, when TimeoutSecondsPath or HeartbeatSecondsPath is used, Parameters are wrapped so
 * the handler also receives those values evaluated against the state's effective input.
 */
export function taskLibraryState(state: JsonObject): {
  library: Library;
  wrapsParameters: boolean;
} {
  const out: Library = { Type: "Task", Resource: state.Resource };
  copyInputOutput(state, out);
  const parameters = "Parameters" in state ? rewriteTemplate(state.Parameters ?? null) : undefined;
  const wrapsParameters = "TimeoutSecondsPath" in state || "HeartbeatSecondsPath" in state;
  if (wrapsParameters) {
    const wrapped: Library = parameters === undefined ? { "parameters.$": "$" } : { parameters };
    if (typeof state.TimeoutSecondsPath === "string") {
      wrapped["timeoutSeconds.$"] = rewriteContextReferences(state.TimeoutSecondsPath);
    }
    if (typeof state.HeartbeatSecondsPath === "string") {
      wrapped["heartbeatSeconds.$"] = rewriteContextReferences(state.HeartbeatSecondsPath);
    }
    out.Parameters = wrapped;
  } else if (parameters !== undefined) {
    out.Parameters = parameters;
  }
  copyResultHandling(state, out);
  copyErrorHandling(state, out, false);
  copyTransitions(state, out);
  return { library: out, wrapsParameters };
}

/** The library form of a Map state: a Task whose handler receives the items to process. */
export function mapLibraryState(state: JsonObject): Library {
  const out: Library = { Type: "Task", Resource: HANDLED_RESOURCE.Map };
  copyInputOutput(state, out);
  const parameters: Library = {
    "items.$":
      typeof state.ItemsPath === "string" ? rewriteContextReferences(state.ItemsPath) : "$",
  };
  if (typeof state.MaxConcurrencyPath === "string") {
    parameters["maxConcurrency.$"] = rewriteContextReferences(state.MaxConcurrencyPath);
  }
  if (state.ItemSelector !== undefined || state.Parameters !== undefined) {
    parameters["input.$"] = "$";
  }
  out.Parameters = parameters;
  copyResultHandling(state, out);
  copyErrorHandling(state, out, true);
  copyTransitions(state, out);
  return out;
}

/** The library form of a Parallel state: a Task whose handler receives the branches' input. */
export function parallelLibraryState(state: JsonObject): Library {
  const out: Library = { Type: "Task", Resource: HANDLED_RESOURCE.Parallel };
  copyInputOutput(state, out);
  if ("Parameters" in state) out.Parameters = rewriteTemplate(state.Parameters ?? null);
  copyResultHandling(state, out);
  copyErrorHandling(state, out, true);
  copyTransitions(state, out);
  return out;
}

/** The library form of a Wait state: a Task whose handler sleeps, then returns its input. */
export function waitLibraryState(state: JsonObject): Library {
  const out: Library = { Type: "Task", Resource: HANDLED_RESOURCE.Wait };
  copyInputOutput(state, out);
  if (typeof state.SecondsPath === "string") {
    out.Parameters = { "input.$": "$", "seconds.$": rewriteContextReferences(state.SecondsPath) };
  } else if (typeof state.TimestampPath === "string") {
    out.Parameters = {
      "input.$": "$",
      "timestamp.$": rewriteContextReferences(state.TimestampPath),
    };
  }
  copyTransitions(state, out);
  return out;
}

/**
 * The library form of any JSONata state: a Task whose handler evaluates the state's expressions
 * and does its work. A Choice gets its `Next` per run (see Run); Succeed and Fail end the run.
 */
export function expressionLibraryState(state: JsonObject): Library {
  const out: Library = { Type: "Task", Resource: HANDLED_RESOURCE.JSONata };
  if (state.Type === "Task" || state.Type === "Map" || state.Type === "Parallel") {
    copyErrorHandling(state, out, state.Type !== "Task");
  }
  if (state.Type === "Succeed" || state.Type === "Fail") out.End = true;
  else copyTransitions(state, out);
  return out;
}

import { ApiErrorCode, SfnApiError } from "../api/api-error.ts";
import { isJsonObject, type JsonObject, tryParseJson } from "../json.ts";
import { validateAsl } from "./asl-validation.ts";
import type {
  CompiledDefinition,
  CompiledMachine,
  CompiledState,
  StateType,
} from "./compiled-types.ts";
import { rewriteTemplate } from "./context-references.ts";
import {
  mapLibraryState,
  nativeLibraryState,
  parallelLibraryState,
  taskLibraryState,
  waitLibraryState,
} from "./library-state.ts";
import { findUnsupportedFeatures } from "./refusals.ts";
import { parseTaskResource } from "./task-resources.ts";

function invalid(problems: string[]): SfnApiError {
  return new SfnApiError(
    ApiErrorCode.InvalidDefinition,
    `Invalid State Machine Definition: '${problems.join(", ")}'`,
  );
}

/**
 * Parses and validates a definition and prepares it for aws-local-stepfunctions. Anything
 * sfn-local cannot run faithfully is refused with InvalidDefinition naming the feature and state.
 */
export function compileDefinition(text: string): CompiledDefinition {
  const parsed = tryParseJson(text);
  if (!parsed || !isJsonObject(parsed.value)) {
    throw invalid(["INVALID_JSON_DESCRIPTION: the definition is not a JSON object"]);
  }
  const definition = parsed.value;
  const unsupported = findUnsupportedFeatures(definition);
  if (unsupported.length > 0) throw invalid(unsupported);
  const problems = validateAsl(text, definition);
  if (problems.length > 0) throw invalid(problems);
  const compiled: CompiledDefinition = { root: compileMachine(definition) };
  if (typeof definition.TimeoutSeconds === "number") {
    compiled.timeoutSeconds = definition.TimeoutSeconds;
  }
  return compiled;
}

function compileMachine(machine: JsonObject): CompiledMachine {
  const states = new Map<string, CompiledState>();
  const source = isJsonObject(machine.States) ? machine.States : {};
  for (const [name, state] of Object.entries(source)) {
    if (isJsonObject(state)) states.set(name, compileState(name, state));
  }
  return { startAt: String(machine.StartAt), states };
}

function compileState(name: string, state: JsonObject): CompiledState {
  const type = state.Type as StateType;
  const base = { name, type, source: state };
  switch (type) {
    case "Task": {
      const parsed = parseTaskResource(String(state.Resource));
      // Refusals ran first, so every resource that reaches this point is supported.
      if (!("resource" in parsed)) throw invalid([`UNSUPPORTED_FEATURE: ${parsed.unsupported}`]);
      const { library, wrapsParameters } = taskLibraryState(state);
      const task: CompiledState = {
        ...base,
        kind: "task",
        library,
        resource: parsed.resource,
        wrapsParameters,
      };
      if (typeof state.TimeoutSeconds === "number") task.timeoutSeconds = state.TimeoutSeconds;
      if (typeof state.HeartbeatSeconds === "number")
        task.heartbeatSeconds = state.HeartbeatSeconds;
      return task;
    }
    case "Map": {
      const processor = state.ItemProcessor ?? state.Iterator;
      const selector = state.ItemSelector ?? state.Parameters;
      const map: CompiledState = {
        ...base,
        kind: "map",
        library: mapLibraryState(state),
        iterator: compileMachine(isJsonObject(processor) ? processor : {}),
      };
      if (selector !== undefined) map.itemSelector = rewriteTemplate(selector);
      if (typeof state.MaxConcurrency === "number") map.maxConcurrency = state.MaxConcurrency;
      return map;
    }
    case "Parallel":
      return {
        ...base,
        kind: "parallel",
        library: parallelLibraryState(state),
        branches: (Array.isArray(state.Branches) ? state.Branches : [])
          .filter(isJsonObject)
          .map(compileMachine),
      };
    case "Wait": {
      const wait: CompiledState = { ...base, kind: "wait", library: waitLibraryState(state) };
      if (typeof state.Seconds === "number") wait.seconds = state.Seconds;
      if (typeof state.Timestamp === "string") wait.timestamp = state.Timestamp;
      return wait;
    }
    default:
      return { ...base, kind: "native", library: nativeLibraryState(state) };
  }
}

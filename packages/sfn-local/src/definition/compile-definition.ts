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
import { compileJsonataFields } from "./jsonata-fields.ts";
import { choiceAssigns, compileJsonPathAssign } from "./jsonpath-assign.ts";
import {
  choiceChooser,
  choiceLibraryState,
  expressionLibraryState,
  mapLibraryState,
  nativeLibraryState,
  parallelLibraryState,
  passLibraryState,
  taskLibraryState,
  waitLibraryState,
} from "./library-state.ts";
import {
  checkQueryLanguageFields,
  type QueryLanguage,
  stateLanguage,
  topLevelLanguage,
} from "./query-language.ts";
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
  const wrongLanguage = checkQueryLanguageFields(definition);
  if (wrongLanguage.length > 0) throw invalid(wrongLanguage);
  const unsupported = findUnsupportedFeatures(definition);
  if (unsupported.length > 0) throw invalid(unsupported);
  const problems = validateAsl(text, definition);
  if (problems.length > 0) throw invalid(problems);
  const expressionProblems: string[] = [];
  const root = compileMachine(definition, topLevelLanguage(definition), expressionProblems, "");
  if (expressionProblems.length > 0) throw invalid(expressionProblems);
  const compiled: CompiledDefinition = { root };
  if (typeof definition.TimeoutSeconds === "number") {
    compiled.timeoutSeconds = definition.TimeoutSeconds;
  }
  return compiled;
}

// States inside a Map or Parallel inherit the top-level language, as on AWS.
function compileMachine(
  machine: JsonObject,
  topLevel: QueryLanguage,
  problems: string[],
  pointer: string,
): CompiledMachine {
  const states = new Map<string, CompiledState>();
  const source = isJsonObject(machine.States) ? machine.States : {};
  for (const [name, state] of Object.entries(source)) {
    if (!isJsonObject(state)) continue;
    const at = `${pointer}/States/${name}`;
    states.set(
      name,
      stateLanguage(state, topLevel) === "JSONata"
        ? compileJsonataState(name, state, topLevel, { list: problems, at })
        : compileState(name, state, topLevel, problems, at),
    );
  }
  return { startAt: String(machine.StartAt), states };
}

function compileJsonataState(
  name: string,
  state: JsonObject,
  topLevel: QueryLanguage,
  problems: { list: string[]; at: string },
): CompiledState {
  const type = state.Type as StateType;
  const jsonata = compileJsonataFields(state, problems);
  const base = { name, type, source: state, jsonata };
  switch (type) {
    case "Task": {
      const parsed = parseTaskResource(String(state.Resource));
      if (!("resource" in parsed)) throw invalid([`UNSUPPORTED_FEATURE: ${parsed.unsupported}`]);
      const task: CompiledState = {
        ...base,
        kind: "task",
        library: expressionLibraryState(state),
        resource: parsed.resource,
        wrapsParameters: false,
      };
      if (typeof state.TimeoutSeconds === "number") task.timeoutSeconds = state.TimeoutSeconds;
      if (typeof state.HeartbeatSeconds === "number") {
        task.heartbeatSeconds = state.HeartbeatSeconds;
      }
      return task;
    }
    case "Wait": {
      const wait: CompiledState = { ...base, kind: "wait", library: expressionLibraryState(state) };
      if (typeof state.Seconds === "number") wait.seconds = state.Seconds;
      if (typeof state.Timestamp === "string" && jsonata.timestamp === undefined) {
        wait.timestamp = state.Timestamp;
      }
      return wait;
    }
    case "Map": {
      const processor = state.ItemProcessor ?? state.Iterator;
      const key = state.ItemProcessor === undefined ? "Iterator" : "ItemProcessor";
      const map: CompiledState = {
        ...base,
        kind: "map",
        library: expressionLibraryState(state),
        iterator: compileMachine(
          isJsonObject(processor) ? processor : {},
          topLevel,
          problems.list,
          `${problems.at}/${key}`,
        ),
      };
      if (typeof state.MaxConcurrency === "number") map.maxConcurrency = state.MaxConcurrency;
      return map;
    }
    case "Parallel":
      return {
        ...base,
        kind: "parallel",
        library: expressionLibraryState(state),
        branches: (Array.isArray(state.Branches) ? state.Branches : []).map((branch, index) =>
          compileMachine(
            isJsonObject(branch) ? branch : {},
            topLevel,
            problems.list,
            `${problems.at}/Branches/${index}`,
          ),
        ),
      };
    default:
      // Pass, Choice, Succeed and Fail.
      return { ...base, kind: "expression", library: expressionLibraryState(state) };
  }
}

function compileState(
  name: string,
  state: JsonObject,
  topLevel: QueryLanguage,
  problems: string[],
  pointer: string,
): CompiledState {
  const type = state.Type as StateType;
  const jsonPath = compileJsonPathAssign(state);
  const base = { name, type, source: state, ...(jsonPath ? { jsonPath } : {}) };
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
        iterator: compileMachine(
          isJsonObject(processor) ? processor : {},
          topLevel,
          problems,
          `${pointer}/${state.ItemProcessor === undefined ? "Iterator" : "ItemProcessor"}`,
        ),
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
        branches: (Array.isArray(state.Branches) ? state.Branches : []).map((branch, index) =>
          compileMachine(
            isJsonObject(branch) ? branch : {},
            topLevel,
            problems,
            `${pointer}/Branches/${index}`,
          ),
        ),
      };
    case "Wait": {
      const wait: CompiledState = { ...base, kind: "wait", library: waitLibraryState(state) };
      if (typeof state.Seconds === "number") wait.seconds = state.Seconds;
      if (typeof state.Timestamp === "string") wait.timestamp = state.Timestamp;
      return wait;
    }
    case "Pass":
      if (!("Assign" in state)) {
        return { ...base, kind: "native", library: nativeLibraryState(state) };
      }
      return {
        ...base,
        kind: "pass",
        library: passLibraryState(state),
        ...("Result" in state ? { result: state.Result ?? null } : {}),
      };
    case "Choice": {
      if (!choiceAssigns(state)) {
        return { ...base, kind: "native", library: nativeLibraryState(state) };
      }
      const rules = Array.isArray(state.Choices) ? state.Choices.filter(isJsonObject) : [];
      const choice: CompiledState = {
        ...base,
        kind: "choice",
        library: choiceLibraryState(state),
        chooser: choiceChooser(state),
        nexts: rules.map((rule) => String(rule.Next)),
      };
      if (typeof state.Default === "string") choice.default = state.Default;
      return choice;
    }
    default:
      return { ...base, kind: "native", library: nativeLibraryState(state) };
  }
}

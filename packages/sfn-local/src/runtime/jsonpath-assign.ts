import type { ChoiceState, PassState } from "../definition/compiled-types.ts";
import { isJsonObject, type JsonObject, type JsonValue } from "../json.ts";
import type { Attempt } from "./attempt.ts";
import { runtimeError } from "./state-errors.ts";
import type { StateHost } from "./state-host.ts";
import { evaluateTemplate, runLibraryMachine } from "./template-evaluator.ts";

/** What a JSONPath state with Assign needs from its run. */
export interface JsonPathAssignHost extends StateHost {
  /**
   * Records the current state's assignments; they take effect when the state exits, so its own
   * ResultPath and OutputPath still read the variables as they were before it.
   */
  assignAfterState(values: JsonObject): void;
}

/**
 * Evaluates a JSONPath Assign payload template with `$` = `value`, against the variables as
 * they are now (the state's assignments are not applied yet). A path that selects nothing
 * fails the state with States.Runtime, as a Parameters path does.
 */
export async function evaluateAssign(
  template: JsonValue,
  value: JsonValue,
  context: Record<string, unknown>,
  stateName: string,
): Promise<JsonObject> {
  try {
    const values = await evaluateTemplate(template, value, context);
    return isJsonObject(values) ? values : {};
  } catch (error) {
    const cause = error instanceof Error ? error.message : String(error);
    throw runtimeError(`The Assign field of state "${stateName}" could not be evaluated: ${cause}`);
  }
}

/**
 * For a JSONPath Task, Map, Parallel, Wait or Pass state with Assign: evaluates Assign with
 * `$` = the state's result, as the States Language specifies ("Using Assign": the result, not
 * the effective result after ResultSelector; for Wait the effective input, which is its result
 * here). The library then applies ResultSelector, ResultPath and OutputPath to the result.
 */
export function finishWithAssign(host: JsonPathAssignHost, attempt: Attempt): void {
  const state = attempt.state;
  const assign = state.jsonPath?.assign;
  if (assign === undefined) return;
  attempt.finish = async (result) => {
    const context = host.templateContext({});
    host.assignAfterState(await evaluateAssign(assign, result, context, state.name));
    return result;
  };
}

/** A JSONPath Pass state with Assign: its result is Result, else its effective input. */
export function startPass(attempt: Attempt, state: PassState, input: JsonValue): void {
  attempt.resolve(state.result === undefined ? input : structuredClone(state.result));
}

/**
 * A JSONPath Choice state with Assign: picks the first matching rule (or Default), then
 * evaluates the state's Assign and the rule's, both with `$` = the effective input; the rule's
 * wins for the same name. Its output is the effective input (OutputPath still applies).
 */
export function startChoice(
  host: JsonPathAssignHost,
  attempt: Attempt,
  state: ChoiceState,
  input: JsonValue,
): void {
  const choose = async () => {
    const context = host.templateContext({});
    const chosen = await runLibraryMachine(state.chooser, input, context);
    const rule = isJsonObject(chosen) && typeof chosen.rule === "number" ? chosen.rule : -1;
    const values: JsonObject = {};
    const fields = state.jsonPath;
    const assigns = [fields?.assign, rule >= 0 ? fields?.ruleAssigns?.[rule] : undefined];
    for (const assign of assigns) {
      if (assign === undefined) continue;
      Object.assign(values, await evaluateAssign(assign, input, context, state.name));
    }
    if (attempt.settled) return;
    attempt.next = rule >= 0 ? state.nexts[rule] : state.default;
    host.assignAfterState(values);
    attempt.resolve(input);
  };
  choose().catch((error: unknown) => attempt.reject(error));
}

/**
 * The output of a caught error with the catcher's ResultPath, as the library computes it: the
 * error output placed into the failed state's raw input (or replacing it, or discarded).
 */
export function applyCatcherResultPath(
  resultPath: JsonValue | undefined,
  rawInput: JsonValue,
  errorOutput: JsonObject,
  context: Record<string, unknown>,
): Promise<JsonValue> {
  if (resultPath === undefined || resultPath === "$") return Promise.resolve(errorOutput);
  const definition = {
    StartAt: "Place",
    States: { Place: { Type: "Pass", Result: errorOutput, ResultPath: resultPath, End: true } },
  };
  return runLibraryMachine(definition, rawInput, context);
}

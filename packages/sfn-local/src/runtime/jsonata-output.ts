import type { JsonataTemplate } from "../definition/jsonata-template.ts";
import { isJsonObject, type JsonObject, type JsonValue } from "../json.ts";
import { evaluateJsonata, type JsonataScope, QueryEvaluationError } from "./jsonata-evaluator.ts";
import type { StateHost } from "./state-host.ts";

/** What a JSONata state needs from its run beyond what every handled state gets. */
export interface JsonataHost extends StateHost {
  /** The scope for the current state: name, entered event, variables, `$states` of `input`. */
  jsonataScope(input: JsonValue): JsonataScope;
  /** Applies a state's `Assign`: visible to the states after it. */
  assignVariables(values: JsonObject): void;
}

/**
 * Evaluates `Output` (or passes `defaultOutput` on) and the `Assign` blocks, all against the
 * variables as they were before the state, then applies the assignments: they take effect
 * after the state, as on AWS. Later blocks win for the same name.
 */
export async function produceOutput(
  host: JsonataHost,
  scope: JsonataScope,
  output: JsonataTemplate | undefined,
  assigns: Array<JsonataTemplate | undefined>,
  defaultOutput: JsonValue,
): Promise<JsonValue> {
  const value = output ? await evaluateJsonata(output, scope) : defaultOutput;
  const assigned: JsonObject = {};
  for (const assign of assigns) {
    if (!assign) continue;
    const values = await evaluateJsonata(assign, scope);
    if (isJsonObject(values)) Object.assign(assigned, values);
  }
  host.assignVariables(assigned);
  return value;
}

/**
 * Records an EvaluationFailed history event (state, field, error, cause) when `work` fails with
 * States.QueryEvaluationError, then passes the outcome on unchanged.
 */
export async function reportFailure<T>(host: StateHost, work: Promise<T>): Promise<T> {
  try {
    return await work;
  } catch (error) {
    if (error instanceof QueryEvaluationError) {
      host.record("EvaluationFailed", {
        error: error.name,
        cause: error.message,
        location: error.location,
        state: error.state,
      });
    }
    throw error;
  }
}

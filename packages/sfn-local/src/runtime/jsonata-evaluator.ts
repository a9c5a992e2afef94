import type { JsonataExpression, JsonataTemplate } from "../definition/jsonata-template.ts";
import type { JsonValue } from "../json.ts";
import { STEP_FUNCTIONS_JSONATA_FUNCTIONS } from "./jsonata-functions.ts";
import { StateError } from "./state-errors.ts";

/** The reserved `$states` variable of a JSONata state. */
export interface StatesVariable {
  input: JsonValue;
  context: JsonValue;
  result?: JsonValue;
  errorOutput?: JsonValue;
}

/** What an expression can see, and where it is written (for error causes). */
export interface JsonataScope {
  stateName: string;
  enteredEventId: number;
  states: StatesVariable;
  variables: Readonly<Record<string, JsonValue>>;
}

/** A JSONata expression failed or yielded nothing; catchable and retryable. */
export class QueryEvaluationError extends StateError {
  /** The state, and the field in it (`Arguments/Payload/id`), for the EvaluationFailed event. */
  readonly state: string;
  readonly location: string;

  constructor(scope: JsonataScope, location: string, detail: string) {
    super(
      "States.QueryEvaluationError",
      `An error occurred while executing the state '${scope.stateName}' (entered at the event id #${scope.enteredEventId}). ${detail}`,
    );
    this.state = scope.stateName;
    this.location = location;
  }
}

/** The error of a JSONata expression (or the value it gave) in `location`. */
export function queryEvaluationError(
  scope: JsonataScope,
  location: string,
  detail: string,
): QueryEvaluationError {
  return new QueryEvaluationError(scope, location, detail);
}

function describeThrown(thrown: unknown): string {
  if (thrown instanceof Error) return thrown.message;
  if (typeof thrown === "object" && thrown !== null && "message" in thrown) {
    const { code, message } = thrown as { code?: unknown; message?: unknown };
    return typeof code === "string" ? `${code}: ${String(message)}` : String(message);
  }
  return String(thrown);
}

// JSONata results may be sequences (arrays with extra properties) or hold functions; a JSON
// round trip gives the plain value a state passes on.
function toJson(value: unknown): JsonValue {
  return JSON.parse(JSON.stringify(value)) as JsonValue;
}

/** Evaluates one expression; `undefined` when it yields nothing. */
export async function evaluateExpression(
  expression: JsonataExpression,
  scope: JsonataScope,
): Promise<JsonValue | undefined> {
  const bindings = {
    ...STEP_FUNCTIONS_JSONATA_FUNCTIONS,
    ...scope.variables,
    states: scope.states,
  };
  let value: unknown;
  try {
    value = await expression.expression.evaluate(scope.states.input, bindings);
  } catch (thrown) {
    throw queryEvaluationError(
      scope,
      expression.field,
      `The JSONata expression '${expression.source}' specified for the field '${expression.field}' threw an error during evaluation. ${describeThrown(thrown)}`,
    );
  }
  return value === undefined ? undefined : toJson(value);
}

/**
 * Evaluates a JSONata field: every `{% %}` string, at any depth. An expression that yields
 * nothing fails the state with States.QueryEvaluationError, as on AWS.
 */
export async function evaluateJsonata(
  template: JsonataTemplate,
  scope: JsonataScope,
): Promise<JsonValue> {
  switch (template.kind) {
    case "literal":
      return template.value;
    case "expression": {
      const value = await evaluateExpression(template.expression, scope);
      if (value === undefined) {
        throw queryEvaluationError(
          scope,
          template.expression.field,
          `The JSONata expression '${template.expression.source}' specified for the field '${template.expression.field}' returned nothing (undefined).`,
        );
      }
      return value;
    }
    case "array": {
      const items: JsonValue[] = [];
      for (const item of template.items) items.push(await evaluateJsonata(item, scope));
      return items;
    }
    case "object": {
      const out: Record<string, JsonValue> = {};
      for (const [key, value] of template.entries) out[key] = await evaluateJsonata(value, scope);
      return out;
    }
  }
}

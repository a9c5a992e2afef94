import "../promise-with-resolvers.ts";
import {
  type RunOptions,
  StateMachine,
  type StateMachineDefinition,
} from "aws-local-stepfunctions";
import type { JsonValue } from "../json.ts";
import { describeFailure, failureToError } from "./state-errors.ts";

/**
 * Evaluates a payload template (paths, intrinsic functions, `$$` references) with the library's
 * own evaluator, by running a one-state Pass machine. Used for a Map state's ItemSelector, which
 * sfn-local evaluates per item because it runs Map iterations itself.
 */
export function evaluateTemplate(
  template: JsonValue,
  input: JsonValue,
  context: Record<string, unknown>,
): Promise<JsonValue> {
  const definition = {
    StartAt: "Evaluate",
    States: { Evaluate: { Type: "Pass", Parameters: template, End: true } },
  };
  return runLibraryMachine(definition, input, context);
}

/**
 * Runs a small library state machine to its output with the given context object; its failure
 * is thrown as the StateError it describes.
 */
export async function runLibraryMachine(
  definition: Record<string, unknown>,
  input: JsonValue,
  context: Record<string, unknown>,
): Promise<JsonValue> {
  const machine = new StateMachine(definition as unknown as StateMachineDefinition, {
    validationOptions: { noValidate: true },
  });
  try {
    const options = { context: context as RunOptions["context"] };
    return (await machine.run(input, options).result) as JsonValue;
  } catch (thrown) {
    const cause = thrown instanceof Error && thrown.cause !== undefined ? thrown.cause : thrown;
    throw failureToError(describeFailure(cause, undefined));
  }
}

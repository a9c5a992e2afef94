import { isJsonObject, type JsonObject } from "../json.ts";
import { LAMBDA_INVOKE_PARAMETERS, parseTaskResource } from "./task-resources.ts";
import { walkStates } from "./walk-states.ts";

// Fields aws-local-stepfunctions would silently ignore; running without them would be wrong.
const UNSUPPORTED_FIELDS: Readonly<Record<string, string>> = {
  Assign: "variables (Assign)",
  Credentials: "cross-account Task Credentials",
  ItemReader: "distributed Map ItemReader",
  ItemBatcher: "distributed Map ItemBatcher",
  ResultWriter: "distributed Map ResultWriter",
  ToleratedFailureCount: "Map ToleratedFailureCount",
  ToleratedFailureCountPath: "Map ToleratedFailureCountPath",
  ToleratedFailurePercentage: "Map ToleratedFailurePercentage",
  ToleratedFailurePercentagePath: "Map ToleratedFailurePercentagePath",
};

/**
 * Lists what sfn-local cannot run in a definition, one message per problem, each naming the
 * feature and the state. An empty list means every feature used is supported.
 */
export function findUnsupportedFeatures(definition: JsonObject): string[] {
  const problems: string[] = [];
  if (definition.QueryLanguage === "JSONata") {
    problems.push(
      'UNSUPPORTED_FEATURE: QueryLanguage "JSONata" at the top level; sfn-local runs JSONPath state machines only',
    );
  }
  walkStates(definition, (name, state, pointer) => {
    const refuse = (feature: string) =>
      problems.push(`UNSUPPORTED_FEATURE: ${feature} in state "${name}" (${pointer})`);
    if (state.QueryLanguage === "JSONata") {
      refuse('QueryLanguage "JSONata" (sfn-local runs JSONPath only)');
    }
    for (const [field, feature] of Object.entries(UNSUPPORTED_FIELDS)) {
      if (field in state) refuse(feature);
    }
    if (isJsonObject(state.ItemProcessor) && isJsonObject(state.ItemProcessor.ProcessorConfig)) {
      if (state.ItemProcessor.ProcessorConfig.Mode === "DISTRIBUTED") refuse("distributed Map");
    }
    if (state.Type === "Fail") {
      for (const field of ["ErrorPath", "CausePath"]) {
        const value = state[field];
        if (typeof value === "string" && !value.startsWith("$")) {
          refuse(`an intrinsic function in ${field}`);
        }
      }
    }
    if (state.Type === "Task" && typeof state.Resource === "string") {
      const parsed = parseTaskResource(state.Resource);
      if ("unsupported" in parsed) {
        refuse(
          `${parsed.unsupported} (supported: arn:aws:states:::lambda:invoke, arn:aws:states:::lambda:invoke.waitForTaskToken and Lambda function ARNs)`,
        );
      } else if (parsed.resource.kind === "lambda-invoke") {
        problems.push(...checkLambdaInvokeParameters(name, pointer, state.Parameters));
      }
    }
  });
  return problems;
}

function checkLambdaInvokeParameters(name: string, pointer: string, parameters: unknown): string[] {
  if (!isJsonObject(parameters)) {
    return [
      `SCHEMA_VALIDATION_FAILED: The field "FunctionName" is required but was missing in state "${name}" (${pointer}/Parameters)`,
    ];
  }
  const problems: string[] = [];
  const fields = Object.keys(parameters).map((key) => key.replace(/\.\$$/, ""));
  if (!fields.includes("FunctionName")) {
    problems.push(
      `SCHEMA_VALIDATION_FAILED: The field "FunctionName" is required but was missing in state "${name}" (${pointer}/Parameters)`,
    );
  }
  for (const field of fields) {
    if (!LAMBDA_INVOKE_PARAMETERS.has(field)) {
      problems.push(
        `SCHEMA_VALIDATION_FAILED: The field "${field}" is not supported by Step Functions in state "${name}" (${pointer}/Parameters)`,
      );
    }
  }
  if (parameters.InvocationType === "DryRun") {
    problems.push(
      `UNSUPPORTED_FEATURE: InvocationType "DryRun" in state "${name}" (${pointer}/Parameters)`,
    );
  }
  return problems;
}

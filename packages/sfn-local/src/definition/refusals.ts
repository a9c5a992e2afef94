import { isJsonObject, type JsonObject, type JsonValue } from "../json.ts";
import { isJsonataExpression } from "./jsonata-template.ts";
import { stateLanguage, topLevelLanguage } from "./query-language.ts";
import { LAMBDA_INVOKE_PARAMETERS, parseTaskResource } from "./task-resources.ts";
import { walkStates } from "./walk-states.ts";

// Fields aws-local-stepfunctions would silently ignore; running without them would be wrong.
const UNSUPPORTED_FIELDS: Readonly<Record<string, string>> = {
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
  const topLevel = topLevelLanguage(definition);
  walkStates(definition, (name, state, pointer) => {
    const refuse = (feature: string) =>
      problems.push(`UNSUPPORTED_FEATURE: ${feature} in state "${name}" (${pointer})`);
    const jsonata = stateLanguage(state, topLevel) === "JSONata";
    if (!jsonata) {
      for (const reference of variablesInResultPaths(state)) {
        refuse(
          `a variable reference (${reference}) in ResultPath (a reference path into the input)`,
        );
      }
    }
    if (!jsonata && variableInFilter(state)) {
      refuse("a variable reference inside a JSONPath filter expression ([?(…)])");
    }
    if (assignsReservedName(state.Assign)) refuse("assigning the reserved variable $states");
    if (
      Array.isArray(state.Catch) &&
      state.Catch.some((c) => isJsonObject(c) && assignsReservedName(c.Assign))
    ) {
      refuse("assigning the reserved variable $states");
    }
    if (
      Array.isArray(state.Choices) &&
      state.Choices.some((c) => isJsonObject(c) && assignsReservedName(c.Assign))
    ) {
      refuse("assigning the reserved variable $states");
    }
    if ((state.Type === "Succeed" || state.Type === "Fail") && "Assign" in state) {
      refuse(`Assign in a ${String(state.Type)} state`);
    }
    if (jsonata && state.Type === "Pass" && "Result" in state) {
      refuse("Result in a JSONata Pass state (sfn-local runs Output there)");
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
        const field = jsonata ? "Arguments" : "Parameters";
        // A whole-expression Arguments can only be checked when it is evaluated.
        if (!(jsonata && isJsonataExpression(state.Arguments))) {
          problems.push(...checkLambdaInvokeParameters(name, pointer, state[field], field));
        }
      }
    }
  });
  return problems;
}

// `$name` (not `$.`, `$[`, `$$`) starts a variable reference in a JSONPath path.
const VARIABLE_REFERENCE = /(?:^|[\s(,])(\$[\p{ID_Start}_][\p{ID_Continue}]*)/gu;

function assignsReservedName(assign: JsonValue | undefined): boolean {
  return isJsonObject(assign) && ("states" in assign || "states.$" in assign);
}

// sfn-local redirects `$name` to the run's variables by rewriting paths; inside a filter
// expression the rewritten path would be script, so such references are not run.
function variableInFilter(value: JsonValue | undefined, key = ""): boolean {
  if (Array.isArray(value)) return value.some((item) => variableInFilter(item, key));
  if (isJsonObject(value)) {
    if (key === "ItemProcessor" || key === "Iterator" || key === "Branches") return false;
    return Object.entries(value).some(([field, item]) => variableInFilter(item, field));
  }
  const isPath = key.endsWith(".$") || key.endsWith("Path") || key === "Variable";
  if (!isPath || typeof value !== "string") return false;
  const filter = value.indexOf("[?(");
  return filter >= 0 && VARIABLE_REFERENCE_ANYWHERE.test(value.slice(filter));
}

const VARIABLE_REFERENCE_ANYWHERE = /\$[\p{ID_Start}_]/u;

// ResultPath says where in the state's input the result goes; a variable is no place there.
function variablesInResultPaths(state: JsonObject): string[] {
  const paths = [state.ResultPath];
  if (Array.isArray(state.Catch)) {
    for (const catcher of state.Catch) if (isJsonObject(catcher)) paths.push(catcher.ResultPath);
  }
  return paths.flatMap((path) =>
    typeof path === "string"
      ? [...path.matchAll(VARIABLE_REFERENCE)].map((match) => match[1] ?? "")
      : [],
  );
}

function checkLambdaInvokeParameters(
  name: string,
  pointer: string,
  parameters: unknown,
  field: string,
): string[] {
  if (!isJsonObject(parameters)) {
    return [
      `SCHEMA_VALIDATION_FAILED: The field "FunctionName" is required but was missing in state "${name}" (${pointer}/${field})`,
    ];
  }
  const problems: string[] = [];
  const fields = Object.keys(parameters).map((key) => key.replace(/\.\$$/, ""));
  if (!fields.includes("FunctionName")) {
    problems.push(
      `SCHEMA_VALIDATION_FAILED: The field "FunctionName" is required but was missing in state "${name}" (${pointer}/${field})`,
    );
  }
  for (const field of fields) {
    if (!LAMBDA_INVOKE_PARAMETERS.has(field)) {
      problems.push(
        `SCHEMA_VALIDATION_FAILED: The field "${field}" is not supported by Step Functions in state "${name}" (${pointer}/${field})`,
      );
    }
  }
  if (parameters.InvocationType === "DryRun") {
    problems.push(
      `UNSUPPORTED_FEATURE: InvocationType "DryRun" in state "${name}" (${pointer}/${field})`,
    );
  }
  return problems;
}

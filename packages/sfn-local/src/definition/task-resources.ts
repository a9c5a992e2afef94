import type { TaskResource } from "./compiled-types.ts";

const LAMBDA_INVOKE = "arn:aws:states:::lambda:invoke";
const LAMBDA_INVOKE_WAIT = "arn:aws:states:::lambda:invoke.waitForTaskToken";
const LAMBDA_FUNCTION_ARN =
  /^arn:aws[a-z-]*:lambda:[a-z0-9-]+:\d{12}:function:([A-Za-z0-9_-]+)(?::([A-Za-z0-9_$-]+))?$/;
const ACTIVITY_ARN = /^arn:aws[a-z-]*:states:[a-z0-9-]*:\d{12}:activity:/;

/** Fields the lambda:invoke integration accepts in Parameters. */
export const LAMBDA_INVOKE_PARAMETERS = new Set([
  "FunctionName",
  "Payload",
  "Qualifier",
  "InvocationType",
  "ClientContext",
  "LogType",
]);

/** Classifies a Task resource; `unsupported` carries the feature name to refuse loudly. */
export function parseTaskResource(
  resource: string,
): { resource: TaskResource } | { unsupported: string } {
  if (resource === LAMBDA_INVOKE || resource === LAMBDA_INVOKE_WAIT) {
    return {
      resource: {
        kind: "lambda-invoke",
        arn: resource,
        waitForTaskToken: resource === LAMBDA_INVOKE_WAIT,
      },
    };
  }
  const lambda = LAMBDA_FUNCTION_ARN.exec(resource);
  if (lambda?.[1] !== undefined) {
    const parsed: TaskResource = { kind: "lambda-arn", arn: resource, functionName: lambda[1] };
    if (lambda[2] !== undefined) parsed.qualifier = lambda[2];
    return { resource: parsed };
  }
  if (ACTIVITY_ARN.test(resource)) return { unsupported: `activity Task resource "${resource}"` };
  return { unsupported: `Task resource "${resource}"` };
}

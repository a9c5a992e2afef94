/** A Lambda function reference split into the name sfn-local registers and its qualifier. */
export interface FunctionReference {
  name: string;
  qualifier?: string;
}

const FULL_ARN = /^arn:aws[a-z-]*:lambda:[a-z0-9-]+:\d{12}:function:([^:]+)(?::([^:]+))?$/;
const PARTIAL_ARN = /^\d{12}:function:([^:]+)(?::([^:]+))?$/;
const NAME = /^([^:]+)(?::([^:]+))?$/;

/**
 * Parses a Lambda FunctionName as the Invoke API accepts it: `name`, `name:alias`, a partial ARN
 * (`123456789012:function:name`) or a full ARN, each with an optional version or alias.
 * A separate Qualifier parameter wins over one inside the name.
 */
export function parseFunctionName(
  functionName: string,
  qualifier?: string,
): FunctionReference | undefined {
  const match =
    FULL_ARN.exec(functionName) ?? PARTIAL_ARN.exec(functionName) ?? NAME.exec(functionName);
  if (!match?.[1]) return undefined;
  const reference: FunctionReference = { name: match[1] };
  const resolvedQualifier = qualifier ?? match[2];
  if (resolvedQualifier !== undefined) reference.qualifier = resolvedQualifier;
  return reference;
}

/** The full ARN AWS would report for a function reference. */
export function functionArn(
  reference: FunctionReference,
  scope: { region: string; accountId: string },
): string {
  const base = `arn:aws:lambda:${scope.region}:${scope.accountId}:function:${reference.name}`;
  return reference.qualifier === undefined ? base : `${base}:${reference.qualifier}`;
}

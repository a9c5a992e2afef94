import { ApiErrorCode, SfnApiError } from "./api-error.ts";

/** Where ARNs point: the region and account sfn-local pretends to be. */
export interface ArnScope {
  region: string;
  accountId: string;
}

/** Builds a state machine ARN shaped like AWS's. */
export function stateMachineArn(scope: ArnScope, name: string): string {
  return `arn:aws:states:${scope.region}:${scope.accountId}:stateMachine:${name}`;
}

/** Builds an execution ARN shaped like AWS's. */
export function executionArn(scope: ArnScope, stateMachineName: string, name: string): string {
  return `arn:aws:states:${scope.region}:${scope.accountId}:execution:${stateMachineName}:${name}`;
}

const STATE_MACHINE_ARN = /^arn:aws[a-z-]*:states:[a-z0-9-]+:\d{12}:stateMachine:[^:]+$/;
const EXECUTION_ARN = /^arn:aws[a-z-]*:states:[a-z0-9-]+:\d{12}:execution:[^:]+:[^:]+$/;

/** Checks a state machine ARN's shape; a malformed one answers InvalidArn as AWS does. */
export function checkStateMachineArn(arn: string): void {
  if (!STATE_MACHINE_ARN.test(arn)) {
    throw new SfnApiError(ApiErrorCode.InvalidArn, `Invalid Arn: 'Invalid ARN prefix: ${arn}'`);
  }
}

/** Checks an execution ARN's shape; a malformed one answers InvalidArn as AWS does. */
export function checkExecutionArn(arn: string): void {
  if (!EXECUTION_ARN.test(arn)) {
    throw new SfnApiError(ApiErrorCode.InvalidArn, `Invalid Arn: 'Invalid ARN prefix: ${arn}'`);
  }
}

// Step Functions names exclude whitespace, brackets, wildcards, these punctuation marks and
// control characters (https://docs.aws.amazon.com/step-functions/latest/apireference/API_StartExecution.html).
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what it rejects.
const FORBIDDEN_NAME_CHARACTERS = /[\s<>{}[\]?*"#%\\^|~`$&,;:/\u0000-\u001f\u007f-\u009f]/;

/** Checks a state machine or execution name; a bad one answers InvalidName. */
export function checkName(name: string): void {
  if (name.length < 1 || name.length > 80 || FORBIDDEN_NAME_CHARACTERS.test(name)) {
    throw new SfnApiError(ApiErrorCode.InvalidName, `Invalid Name: '${name}'`);
  }
}

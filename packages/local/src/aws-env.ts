import { LOCAL_CREDENTIALS } from "./constants.ts";

/** The AWS endpoints of the stack's emulators. */
export interface AwsEndpoints {
  dynamodb: string;
  sesv2: string;
  stepfunctions: string;
}

/**
 * The environment that points unmodified AWS SDK v3 clients (and the AWS CLI) at the stack.
 *
 * The SDK builds the variable name from the client's service id, upper-cased with spaces as
 * underscores: DynamoDB → AWS_ENDPOINT_URL_DYNAMODB, SESv2 → AWS_ENDPOINT_URL_SESV2,
 * SFN → AWS_ENDPOINT_URL_SFN. AWS_DEFAULT_REGION is there for the AWS CLI.
 */
export function buildAwsEnv(region: string, endpoints: AwsEndpoints): Record<string, string> {
  return {
    AWS_ENDPOINT_URL_DYNAMODB: endpoints.dynamodb,
    AWS_ENDPOINT_URL_SESV2: endpoints.sesv2,
    AWS_ENDPOINT_URL_SFN: endpoints.stepfunctions,
    AWS_REGION: region,
    AWS_DEFAULT_REGION: region,
    AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
  };
}

/**
 * Variables that would pull SDK clients away from the stack's dummy credentials: with AWS_PROFILE
 * set, the SDK's default chain skips AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY and uses the profile
 * (real keys, or an SSO login that may have expired); a real session token must not ride along
 * with dummy keys.
 */
export const CONFLICTING_AWS_VARIABLES = ["AWS_PROFILE", "AWS_SESSION_TOKEN"] as const;

/**
 * Points SDK clients created afterwards in this process (or in a child given `target`) at the
 * stack: sets the stack's variables and removes the ones that would override them.
 */
export function applyStackEnv(
  env: Readonly<Record<string, string>>,
  target: NodeJS.ProcessEnv = process.env,
): void {
  for (const name of CONFLICTING_AWS_VARIABLES) delete target[name];
  Object.assign(target, env);
}

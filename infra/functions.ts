// Lambda functions: request-approval (invoked by state machines), the HTTP API, the sweeper on a
// one-minute schedule, and cancel with the EventBridge rule that feeds it ended executions.
import { api } from "./api.ts";
import { email } from "./email.ts";
import { linkKeys, tokenKeys } from "./secrets.ts";
import { table } from "./table.ts";

const HANDLERS = "packages/functions/src/handlers";

// Resolving a task token is all the API and the sweeper do with Step Functions. The tokens name no
// resource, so the actions cannot be narrowed below "*".
const sendTaskResult = {
  actions: ["states:SendTaskSuccess", "states:SendTaskFailure", "states:SendTaskHeartbeat"],
  resources: ["*"],
};

/**
 * What every handler needs: config.ts validates the whole configuration in each of them. Links
 * expose the resources through `Resource`; the plain variables carry the same non-secret values
 * for code that reads `process.env`, as on the local stack. The keyrings travel only by link, in
 * SST's encrypted resource file, never as plain environment variables.
 */
function baseArgs(handler: string) {
  return {
    handler: `${HANDLERS}/${handler}`,
    runtime: "nodejs22.x",
    architecture: "arm64",
    link: [table, email, api, linkKeys, tokenKeys],
    environment: {
      SIGNOFF_TABLE_NAME: table.name,
      SIGNOFF_SENDER: email.sender,
      SIGNOFF_PUBLIC_URL: api.url,
      ...stageSetting("SIGNOFF_DEFAULT_APPROVERS"),
      ...stageSetting("SIGNOFF_DEFAULT_TIMEOUT_SECONDS"),
      ...stageSetting("SIGNOFF_DEFAULT_REMINDERS"),
      ...stageSetting("SIGNOFF_MIN_REMINDER_INTERVAL_SECONDS"),
      ...stageSetting("SIGNOFF_REQUEST_MAX_ATTEMPTS"),
    },
  } satisfies sst.aws.FunctionArgs;
}

// Optional per-stage settings come from the deploying shell or `.env.<stage>`, like SIGNOFF_SENDER.
function stageSetting(name: string): Record<string, string> {
  const value = process.env[name]?.trim();
  return value ? { [name]: value } : {};
}

export const requestApproval = new sst.aws.Function("RequestApproval", {
  ...baseArgs("request-approval.handler"),
  timeout: "30 seconds",
});

// The REST API and the inbox trust the stage's OIDC provider; without SIGNOFF_OIDC_ISSUER they
// answer 503 rather than serve anyone unchecked (the link pages work either way).
const OIDC_SETTINGS = [
  "SIGNOFF_OIDC_ISSUER",
  "SIGNOFF_OIDC_AUDIENCE",
  "SIGNOFF_OIDC_JWKS_URL",
  "SIGNOFF_OIDC_EMAIL_CLAIM",
  "SIGNOFF_OIDC_GROUPS_CLAIM",
  "SIGNOFF_OIDC_ADMIN_GROUP",
  "SIGNOFF_OIDC_MAX_TOKEN_LIFETIME_SECONDS",
  "SIGNOFF_INBOX_LOGIN_URL",
] as const;

const apiArgs = baseArgs("api.handler");
export const apiFunction = new sst.aws.Function("ApiFunction", {
  ...apiArgs,
  environment: {
    ...apiArgs.environment,
    ...Object.assign({}, ...OIDC_SETTINGS.map(stageSetting)),
  },
  permissions: [sendTaskResult],
});
api.route("$default", apiFunction.arn);

export const sweeper = new sst.aws.Function("Sweeper", {
  ...baseArgs("sweeper.handler"),
  permissions: [sendTaskResult],
  // Under the schedule's period, so one sweep ends before the next starts.
  timeout: "50 seconds",
});

export const sweeperSchedule = new sst.aws.CronV2("SweeperSchedule", {
  function: sweeper,
  schedule: "rate(1 minute)",
});

// Cancels the approvals of executions that ended without succeeding. It reads and writes the table
// and emails the "no longer needed" notices; it never calls Step Functions (nobody is waiting).
export const cancel = new sst.aws.Function("Cancel", {
  ...baseArgs("cancel.handler"),
  timeout: "30 seconds",
});

// Step Functions sends every execution status change to the account's default event bus; this rule
// matches the endings that leave an approval with nobody waiting for it.
const executionEnded = new aws.cloudwatch.EventRule("ExecutionEnded", {
  description: "signoff: cancel the approvals of executions that ended without succeeding",
  eventPattern: JSON.stringify({
    source: ["aws.states"],
    "detail-type": ["Step Functions Execution Status Change"],
    detail: { status: ["ABORTED", "TIMED_OUT", "FAILED"] },
  }),
});

const executionEndedInvoke = new aws.lambda.Permission("ExecutionEndedInvoke", {
  action: "lambda:InvokeFunction",
  function: cancel.name,
  principal: "events.amazonaws.com",
  sourceArn: executionEnded.arn,
});

export const executionEndedTarget = new aws.cloudwatch.EventTarget(
  "ExecutionEndedTarget",
  { rule: executionEnded.name, arn: cancel.arn },
  { dependsOn: [executionEndedInvoke] },
);

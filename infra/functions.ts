// Lambda functions: request-approval (invoked by state machines), the HTTP API, the sweeper on a
// one-minute schedule with sweep-shard working the due shards it hands on, cancel with the EventBridge rule that feeds it ended executions, and
// ses-events with the rule that feeds it SES bounces and complaints.
//
// Least privilege: each function's role allows exactly the AWS actions its bundled code can call
// (infra/aws-permissions.json, derived from the code by `npm run generate:permissions`) on exactly
// the resources they act on, and each is linked to only the keyrings it reads. Nothing is linked
// for its IAM: SST's links grant `dynamodb:*` and `ses:*`, so the table and sender reach the code
// as plain variables and the grants are written here.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { TableSchema } from "../packages/core/src/table-schema.ts";
import { api } from "./api.ts";
import { configurationSet, configurationSetArn, identityArn, sender } from "./email.ts";
import { deadLetters, dueShards } from "./queues.ts";
import {
  linkKeys,
  slackBotToken,
  slackSigningSecret,
  tokenKeys,
  webhookSecret,
} from "./secrets.ts";
import { API_SETTINGS, FUNCTION_SETTINGS, pickSettings } from "./stage-settings.ts";
import { table } from "./table.ts";

const HANDLERS = "packages/functions/src/handlers";
const PERMISSIONS_FILE = "infra/aws-permissions.json";

/** The actions each handler's code can call, by handler file name. */
const CODE_PERMISSIONS = JSON.parse(
  readFileSync(join($cli.paths.root, PERMISSIONS_FILE), "utf8"),
) as Record<string, string[]>;

const indexArns = [
  TableSchema.dueIndex.name,
  TableSchema.executionIndex.name,
  TableSchema.listIndex.name,
  TableSchema.listStatusIndex.name,
].map((index) => $interpolate`${table.arn}/index/${index}`);

/**
 * The resources an action acts on. Queries read the table (an approval's audit events) and its
 * indexes; every other item action the table alone. SendEmail is authorised on the identity and
 * the configuration set it sends through. A task token names no resource, so the Step Functions
 * callback actions cannot be narrowed below "*" (the token itself is the capability).
 */
function resourcesOf(action: string): $util.Input<string>[] {
  if (action === "dynamodb:Query") return [table.arn, ...indexArns];
  if (action.startsWith("dynamodb:")) return [table.arn];
  if (action === "ses:SendEmail") return [identityArn, configurationSetArn];
  if (action.startsWith("states:SendTask")) return ["*"];
  // The sweepers' code sends to the due shards queue only (dead letters are granted apart).
  if (action === "sqs:SendMessage") return [dueShards.arn];
  throw new Error(
    `${PERMISSIONS_FILE} lists ${action}, which infra/functions.ts does not know the resources of`,
  );
}

/** One statement per action: the code's calls, each on its own resources. */
function grantsFor(handler: string): { actions: string[]; resources: $util.Input<string>[] }[] {
  const actions = CODE_PERMISSIONS[handler];
  if (!actions) {
    throw new Error(
      `${PERMISSIONS_FILE} has no entry for ${handler}: run npm run generate:permissions`,
    );
  }
  return actions.map((action) => ({ actions: [action], resources: resourcesOf(action) }));
}

const LAMBDA_TRUST_POLICY = JSON.stringify({
  Version: "2012-10-17",
  Statement: [
    { Effect: "Allow", Principal: { Service: "lambda.amazonaws.com" }, Action: "sts:AssumeRole" },
  ],
});

const account = aws.getCallerIdentityOutput().accountId;

/** The optional Slack secrets: every function that may post to or update Slack reads them. */
const SLACK = [slackBotToken, slackSigningSecret];

/**
 * Which secrets each function's code reads: the keyrings (cancel and ses-events decrypt and sign
 * nothing) and Slack's (ses-events never touches Slack).
 */
const KEYRINGS: Record<string, sst.Secret[]> = {
  // The webhook secret signs in the sweepers; the request and API functions read it to know
  // webhooks are on (a request may then name URLs).
  "request-approval": [linkKeys, tokenKeys, webhookSecret, ...SLACK],
  api: [linkKeys, tokenKeys, webhookSecret, ...SLACK],
  sweeper: [linkKeys, tokenKeys, webhookSecret, ...SLACK],
  "sweep-shard": [linkKeys, tokenKeys, webhookSecret, ...SLACK],
  cancel: [...SLACK],
  "ses-events": [],
};

/**
 * What every handler gets. Links carry only the keyrings, in SST's encrypted resource file, never
 * as plain environment variables; the non-secret values are plain variables, as on the local
 * stack. Invoked asynchronously (a state machine's Event invocation, EventBridge), Lambda tries
 * twice more and then puts the event on the dead-letter queue, whose alarm says so.
 */
function functionArgs(handler: string, extra: Record<string, $util.Input<string>> = {}) {
  const keyrings = KEYRINGS[handler];
  if (!keyrings) throw new Error(`infra/functions.ts: no KEYRINGS entry for ${handler}`);
  return {
    handler: `${HANDLERS}/${handler}.handler`,
    runtime: "nodejs22.x",
    architecture: "arm64",
    // splitting: the API's `/v1` (zod, the OpenAPI machinery) is its own file, loaded on first use.
    nodejs: { minify: true, splitting: true },
    link: keyrings,
    permissions: [
      ...grantsFor(handler),
      // Lambda sends a failed asynchronous event to the queue with the function's role.
      { actions: ["sqs:SendMessage"], resources: [deadLetters.arn] },
    ],
    environment: {
      SIGNOFF_TABLE_NAME: table.name,
      SIGNOFF_SENDER: sender,
      SIGNOFF_SES_CONFIGURATION_SET: configurationSet.configurationSetName,
      SIGNOFF_PUBLIC_URL: api.url,
      POWERTOOLS_SERVICE_NAME: `signoff-${handler}`,
      POWERTOOLS_METRICS_NAMESPACE: "signoff",
      ...pickSettings(process.env, FUNCTION_SETTINGS),
      ...extra,
    },
    retries: 2,
    transform: {
      eventInvokeConfig: (args: aws.lambda.FunctionEventInvokeConfigArgs) => {
        args.destinationConfig = { onFailure: { destination: deadLetters.arn } };
      },
      // SST's role also trusts the account root (its `sst dev` trust policy, taken on deploy
      // too): only Lambda may assume a function's role.
      role: (args: aws.iam.RoleArgs) => {
        args.assumeRolePolicy = LAMBDA_TRUST_POLICY;
      },
    },
  } satisfies sst.aws.FunctionArgs;
}

export const requestApproval = new sst.aws.Function("RequestApproval", {
  ...functionArgs("request-approval"),
  timeout: "30 seconds",
});

// The REST API and the inbox trust the stage's OIDC provider; without SIGNOFF_OIDC_ISSUER they
// answer 503 rather than serve anyone unchecked (the link pages work either way).
export const apiFunction = new sst.aws.Function("ApiFunction", {
  ...functionArgs("api", pickSettings(process.env, API_SETTINGS)),
  timeout: "29 seconds",
});
api.route("$default", apiFunction.arn);

// Stops taking new work 10 s before this timeout, so a run ends well inside the schedule's period.
// Shards with more due than a page go to the DueShards queue.
export const sweeper = new sst.aws.Function("Sweeper", {
  ...functionArgs("sweeper", { SIGNOFF_SWEEP_QUEUE_URL: dueShards.url }),
  timeout: "50 seconds",
});

// Sweeps each shard handed on, one message (one shard) per invocation, and hands it on again when
// its time runs out with more due: Lambda's concurrency, one invocation per busy shard, is what
// keeps up with a backlog. SST grants it receiving and deleting the queue's messages.
export const sweepShard = dueShards.subscribe(
  {
    // Its figures (SweeperLag, OldestPendingCallbackAge) are the sweeper's, for the same alarms.
    ...functionArgs("sweep-shard", {
      SIGNOFF_SWEEP_QUEUE_URL: dueShards.url,
      POWERTOOLS_SERVICE_NAME: "signoff-sweeper",
    }),
    timeout: "60 seconds",
  },
  { batch: { size: 1 } },
);

// No retries: a failed run is followed by the next one a minute later, and a retry would overlap
// it. A run that fails is an alarm (infra/monitoring.ts), not a silent retry.
export const sweeperSchedule = new sst.aws.CronV2("SweeperSchedule", {
  function: sweeper,
  schedule: "rate(1 minute)",
  retries: 0,
  transform: {
    // Only EventBridge Scheduler acting for this account may assume the schedule's role.
    role: (args) => {
      args.assumeRolePolicy = $jsonStringify({
        Version: "2012-10-17",
        Statement: [
          {
            Effect: "Allow",
            Principal: { Service: "scheduler.amazonaws.com" },
            Action: "sts:AssumeRole",
            Condition: { StringEquals: { "aws:SourceAccount": account } },
          },
        ],
      });
    },
  },
});

// Cancels the approvals of executions that ended without succeeding. It reads and writes the table
// and emails the "no longer needed" notices; it never calls Step Functions (nobody is waiting).
export const cancel = new sst.aws.Function("Cancel", {
  ...functionArgs("cancel"),
  timeout: "30 seconds",
});

// Records SES bounces and complaints on the approval whose mail it was.
export const sesEvents = new sst.aws.Function("SesEvents", {
  ...functionArgs("ses-events"),
  timeout: "30 seconds",
});

/**
 * An EventBridge rule on the default bus invoking `fn`, with EventBridge's own retries and, for an
 * event it still cannot deliver, the dead-letter queue.
 */
function invokeOnEvent(
  name: string,
  description: string,
  pattern: $util.Input<string>,
  fn: sst.aws.Function,
) {
  const rule = new aws.cloudwatch.EventRule(name, { description, eventPattern: pattern });
  const permission = new aws.lambda.Permission(`${name}Invoke`, {
    action: "lambda:InvokeFunction",
    function: fn.name,
    principal: "events.amazonaws.com",
    sourceArn: rule.arn,
  });
  const target = new aws.cloudwatch.EventTarget(
    `${name}Target`,
    {
      rule: rule.name,
      arn: fn.arn,
      retryPolicy: { maximumRetryAttempts: 20, maximumEventAgeInSeconds: 3600 },
      deadLetterConfig: { arn: deadLetters.arn },
    },
    { dependsOn: [permission] },
  );
  return { rule, target };
}

// Step Functions sends every execution status change to the account's default event bus; this rule
// matches the endings that leave an approval with nobody waiting for it.
export const executionEnded = invokeOnEvent(
  "ExecutionEnded",
  "signoff: cancel the approvals of executions that ended without succeeding",
  JSON.stringify({
    source: ["aws.states"],
    "detail-type": ["Step Functions Execution Status Change"],
    detail: { status: ["ABORTED", "TIMED_OUT", "FAILED"] },
  }),
  cancel,
);

// SES publishes the configuration set's events to the default bus; only this stage's set.
export const emailProblems = invokeOnEvent(
  "EmailProblemEvents",
  "signoff: record bounces and complaints of approval mail on the approval",
  $jsonStringify({
    source: ["aws.ses"],
    "detail-type": [
      "Email Bounced",
      "Email Complaint Received",
      "Email Rejected",
      "Email Delivery Delayed",
    ],
    detail: {
      mail: { tags: { "ses:configuration-set": [configurationSet.configurationSetName] } },
    },
  }),
  sesEvents,
);

export const ruleArns = [executionEnded.rule.arn, emailProblems.rule.arn];

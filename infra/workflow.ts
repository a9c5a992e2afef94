// The demo state machines (STANDARD), built from the same infra/workflows/*.asl.json the local
// stack runs, with the request-approval function's ARN substituted in: approval-demo in JSONPath
// and its twin approval-demo-jsonata in JSONata, the same approval, retries and catches.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { requestApproval } from "./functions.ts";

const PLACEHOLDER = /\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g;

/**
 * Replaces each `${Name}` in the definition's text with its value. ARNs hold no character JSON
 * would need escaped; a placeholder without a value fails the deploy rather than the execution.
 */
function fillPlaceholders(file: string, text: string, values: ReadonlyMap<string, string>): string {
  return text.replace(PLACEHOLDER, (_match, name: string) => {
    const value = values.get(name);
    if (value === undefined) {
      throw new Error(`${file} uses \${${name}}, which infra/workflow.ts does not fill`);
    }
    return value;
  });
}

const region = aws.getRegionOutput().name;
const account = aws.getCallerIdentityOutput().accountId;
const partition = aws.getPartitionOutput().partition;

// Only Step Functions in this account, for this account's state machines, may assume the role
// (the confused-deputy guard AWS recommends).
const role = new aws.iam.Role("ApprovalDemoRole", {
  assumeRolePolicy: $jsonStringify({
    Version: "2012-10-17",
    Statement: [
      {
        Effect: "Allow",
        Principal: { Service: "states.amazonaws.com" },
        Action: "sts:AssumeRole",
        Condition: {
          StringEquals: { "aws:SourceAccount": account },
          ArnLike: {
            "aws:SourceArn": $interpolate`arn:${partition}:states:${region}:${account}:stateMachine:*`,
          },
        },
      },
    ],
  }),
});

// The state machine calls exactly one function (any of its versions or aliases, as a Task with
// `Qualifier` does), and writes its error log and X-Ray traces. Log delivery and X-Ray actions
// take no resource narrower than "*" (AWS's documented policy for Step Functions logging).
const invokePolicy = new aws.iam.RolePolicy("ApprovalDemoInvoke", {
  role: role.id,
  policy: $jsonStringify({
    Version: "2012-10-17",
    Statement: [
      {
        Effect: "Allow",
        Action: "lambda:InvokeFunction",
        Resource: [requestApproval.arn, $interpolate`${requestApproval.arn}:*`],
      },
      {
        Effect: "Allow",
        Action: [
          "logs:CreateLogDelivery",
          "logs:GetLogDelivery",
          "logs:UpdateLogDelivery",
          "logs:DeleteLogDelivery",
          "logs:ListLogDeliveries",
          "logs:PutResourcePolicy",
          "logs:DescribeResourcePolicies",
          "logs:DescribeLogGroups",
        ],
        Resource: "*",
      },
      {
        Effect: "Allow",
        Action: [
          "xray:PutTraceSegments",
          "xray:PutTelemetryRecords",
          "xray:GetSamplingRules",
          "xray:GetSamplingTargets",
        ],
        Resource: "*",
      },
    ],
  }),
});

/**
 * One demo state machine from `infra/workflows/<file>.asl.json`, logging its errors (never the
 * execution's data: a Task's input holds its task token) to its own log group, traced with X-Ray.
 * STANDARD: Express workflows cannot wait for a task token.
 */
function demoStateMachine(name: string, file: string) {
  const path = `infra/workflows/${file}.asl.json`;
  const source = readFileSync(join($cli.paths.root, path), "utf8");
  const logGroup = new aws.cloudwatch.LogGroup(`${name}Logs`, {
    name: $interpolate`/aws/vendedlogs/states/${$app.name}-${$app.stage}-${file}`,
    retentionInDays: 30,
  });
  const stateMachine = new aws.sfn.StateMachine(
    name,
    {
      type: "STANDARD",
      roleArn: role.arn,
      definition: requestApproval.arn.apply((arn) =>
        fillPlaceholders(path, source, new Map([["RequestApprovalFunctionArn", arn]])),
      ),
      loggingConfiguration: {
        level: "ERROR",
        includeExecutionData: false,
        logDestination: $interpolate`${logGroup.arn}:*`,
      },
      tracingConfiguration: { enabled: true },
    },
    { dependsOn: [invokePolicy] },
  );
  return { stateMachine, logGroup };
}

export const approvalDemo = demoStateMachine("ApprovalDemo", "approval-demo").stateMachine;
export const approvalDemoJsonata = demoStateMachine(
  "ApprovalDemoJsonata",
  "approval-demo-jsonata",
).stateMachine;

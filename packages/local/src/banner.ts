import { DEMO_APPROVERS } from "./constants.ts";
import { formatRequestDefaults, type RequestSettings } from "./request-settings.ts";
import type { StackFileAuth } from "./stack-file.ts";
import type { Stack } from "./stack-types.ts";

/** The first line of the banner; scripts and tests wait for it. */
export const READY_MARKER = "signoff local stack is ready";

/** The text printed once the stack is up: where everything is and how to point tools at it. */
export function formatBanner(options: {
  stack: Stack;
  stackFilePath: string;
  /** The dev issuer's block of stack.json; null when the stack runs none. */
  auth?: StackFileAuth | null;
  /** What requests that leave fields out get; printed when given. */
  requestSettings?: RequestSettings;
  readyMs: number;
}): string {
  const { stack, stackFilePath, readyMs } = options;
  const auth = options.auth ?? null;
  const { endpoints } = stack;
  const row = (label: string, value: string) => `  ${label.padEnd(16)}${value}`;
  const machines = Object.entries(stack.stateMachines).map(([name, arn]) => row(name, arn));
  return [
    "",
    `${READY_MARKER} (${(readyMs / 1000).toFixed(1)} s)`,
    "",
    row("Inbox", `${endpoints.inbox}   ← open in a browser to read sent mail`),
    row("DynamoDB", endpoints.dynamodb),
    row("SES v2", endpoints.sesv2),
    row("Step Functions", endpoints.stepfunctions),
    row("API", endpoints.api ?? "not part of the stack yet"),
    ...(endpoints.api && auth ? [row("Approver inbox", `${endpoints.api}/inbox`)] : []),
    ...(auth
      ? [row("Dev sign-in", `${auth.login}   ← sign in to the inbox as a demo person`)]
      : []),
    ...(endpoints.slack
      ? [row("Slack", `${endpoints.slack}   ← the Slack stand-in: messages, buttons`)]
      : []),
    row("Table", stack.tableName),
    row("Stack file", stackFilePath),
    "",
    "State machines:",
    ...(machines.length > 0 ? machines : ["  (none in infra/workflows/)"]),
    "",
    ...(options.requestSettings
      ? [
          "Requests that leave these out get (set the variable before npm start to change it):",
          ...formatRequestDefaults(options.requestSettings),
          "",
        ]
      : []),
    ...formatAuth(auth, stackFilePath, endpoints.api),
    "Point the AWS CLI or SDK at it:",
    ...Object.entries(stack.env).map(([name, value]) => `  export ${name}=${value}`),
    "",
    "Ctrl-C stops everything.",
    "",
  ].join("\n");
}

/** One printed token (the first demo approver's) and where the others are; dev-only, and says so. */
function formatAuth(
  auth: StackFileAuth | null,
  stackFilePath: string,
  apiUrl: string | undefined,
): string[] {
  if (!auth) return [];
  const email = DEMO_APPROVERS[0];
  const token = auth.tokens[email];
  if (!token) return [];
  const others = Object.keys(auth.tokens).filter((other) => other !== email);
  return [
    `Call /v1 as ${email} (a DEV-ONLY token from the local issuer, valid 12 h):`,
    ...(apiUrl ? [`  export SIGNOFF_URL=${apiUrl}`] : []),
    `  export SIGNOFF_TOKEN=${token}`,
    ...(apiUrl ? [`  curl -H "Authorization: Bearer $SIGNOFF_TOKEN" ${apiUrl}/v1/approvals`] : []),
    `  Tokens for ${others.join(", ")}: "auth.tokens" in ${stackFilePath}`,
    "",
  ];
}

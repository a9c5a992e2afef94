import type { Stack } from "./stack-types.ts";

/** The first line of the banner; scripts and tests wait for it. */
export const READY_MARKER = "signoff local stack is ready";

/** The text printed once the stack is up: where everything is and how to point tools at it. */
export function formatBanner(options: {
  stack: Stack;
  stackFilePath: string;
  readyMs: number;
}): string {
  const { stack, stackFilePath, readyMs } = options;
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
    row("Table", stack.tableName),
    row("Stack file", stackFilePath),
    "",
    "State machines:",
    ...(machines.length > 0 ? machines : ["  (none in infra/workflows/)"]),
    "",
    "Point the AWS CLI or SDK at it:",
    ...Object.entries(stack.env).map(([name, value]) => `  export ${name}=${value}`),
    "",
    "Ctrl-C stops everything.",
    "",
  ].join("\n");
}

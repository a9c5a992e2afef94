/**
 * `npm start`'s demo: one execution of infra/workflows/approval-demo.asl.json, which asks two
 * people to approve a deployment. It prints where to click and, when someone decides, how
 * the execution ended. The state machine client is configured only by the environment.
 */
import { SFNClient, StartExecutionCommand } from "@aws-sdk/client-sfn";
import { DEMO_APPROVERS } from "./constants.ts";
import { type ExecutionEnd, waitForExecution } from "./wait-for-execution.ts";

/** The demo workflow's name: its file's basename. */
export const APPROVAL_DEMO = "approval-demo";

/** The execution input: the fields approval-demo.asl.json passes to request-approval. */
export const DEMO_INPUT = {
  approvers: DEMO_APPROVERS,
  subject: "Deploy checkout-service 2.3.0 to production",
  details: {
    service: "checkout-service",
    version: "2.3.0",
    changes: "Faster card validation; retries on payment timeouts",
    risk: "low: canary at 5% for 30 minutes passed",
  },
  requestedBy: "dev@example.com",
  timeoutSeconds: 3600,
} as const;

/** Starts the demo execution, tells the user where to click, and reports how it ended. */
export async function runApprovalDemo(options: {
  stateMachineArn: string;
  inbox: string;
  log: (line: string) => void;
  signal?: AbortSignal;
}): Promise<ExecutionEnd> {
  const client = new SFNClient({});
  try {
    const { executionArn } = await client.send(
      new StartExecutionCommand({
        stateMachineArn: options.stateMachineArn,
        input: JSON.stringify(DEMO_INPUT),
      }),
    );
    options.log(
      [
        `demo: started ${APPROVAL_DEMO}: "${DEMO_INPUT.subject}" waits for ${DEMO_INPUT.approvers.join(" or ")}.`,
        `demo: open the inbox at ${options.inbox}, open the mail to ${DEMO_INPUT.approvers[0]}, click Approve (or Reject),`,
        "demo: then confirm on the page that opens. Nothing is decided until you press the button there.",
      ].join("\n"),
    );
    const end = await waitForExecution(client, executionArn!, {
      ...(options.signal && { signal: options.signal }),
    });
    options.log(describeEnd(end));
    return end;
  } finally {
    client.destroy();
  }
}

function describeEnd(end: ExecutionEnd): string {
  if (end.status === "SUCCEEDED") {
    return `demo: the execution SUCCEEDED with output ${JSON.stringify(end.output)}`;
  }
  return `demo: the execution ${end.status}${end.error ? `: ${end.error}` : ""}${end.cause ? ` (${end.cause})` : ""}`;
}

import { readFile } from "node:fs/promises";
import { SendTaskFailureCommand, SendTaskSuccessCommand } from "@aws-sdk/client-sfn";
import { describe, expect, it } from "vitest";
import {
  createStateMachine,
  startExecution,
  useTestServer,
  waitFor,
  waitForEnd,
} from "./test-support.ts";

// signoff's demo workflow and its JSONata twin (infra/workflows/) must behave alike: the same
// request to the function, the same retries, the same catches. Here the request function is a
// stand-in that records what it is sent; the local stack runs both against the real one.
const WORKFLOWS = new URL("../../../infra/workflows/", import.meta.url);

async function loadWorkflow(file: string): Promise<object> {
  const text = await readFile(new URL(file, WORKFLOWS), "utf8");
  // The placeholder infra/ and the local stack fill in; here the stand-in's name.
  return JSON.parse(text.replaceAll("$" + "{RequestApprovalFunctionArn}", "request-approval"));
}

const requests: Array<Record<string, unknown>> = [];
let failFirstCall = false;

const server = useTestServer({
  functions: {
    "request-approval": (payload) => {
      if (failFirstCall) {
        failFirstCall = false;
        throw Object.assign(new Error("throttled"), { name: "Lambda.TooManyRequestsException" });
      }
      requests.push(payload as Record<string, unknown>);
      return { ok: true };
    },
  },
});

const INPUT = {
  approvers: ["alice@example.com"],
  subject: "Deploy checkout-service 2.3.0",
  details: { risk: "low" },
  requestedBy: "dev@example.com",
  timeoutSeconds: 3600,
};

type Decide = (token: string) => Promise<unknown>;

async function runDemo(file: string, decide: Decide) {
  requests.length = 0;
  const stateMachineArn = await createStateMachine(server.client, await loadWorkflow(file), "demo");
  const executionArn = await startExecution(server.client, stateMachineArn, INPUT);
  const request = await waitFor(() => requests[0], 5000, "the approval request");
  const token = String(request.taskToken ?? request.TaskToken);
  await decide(token);
  const ended = await waitForEnd(server.client, executionArn);
  const rest = { ...request };
  delete rest.taskToken;
  delete rest.TaskToken;
  return {
    request: { ...rest, executionArn: rest.executionArn === executionArn },
    status: ended.status,
    error: ended.error,
    cause: ended.cause,
    output: ended.output,
  };
}

const DECISIONS: Array<[string, Decide]> = [
  [
    "approved",
    (taskToken) =>
      server.client.send(
        new SendTaskSuccessCommand({
          taskToken,
          output: JSON.stringify({ approvalId: "a1", outcome: "approved", decisions: [] }),
        }),
      ),
  ],
  [
    "rejected",
    (taskToken) =>
      server.client.send(
        new SendTaskFailureCommand({ taskToken, error: "Approval.Rejected", cause: "{}" }),
      ),
  ],
  [
    "timed out",
    (taskToken) =>
      server.client.send(new SendTaskFailureCommand({ taskToken, error: "Approval.TimedOut" })),
  ],
];

describe("the demo workflow and its JSONata twin", () => {
  it.each(DECISIONS)("end alike when the approval is %s", async (_outcome, decide) => {
    const jsonPath = await runDemo("approval-demo.asl.json", decide);
    const jsonata = await runDemo("approval-demo-jsonata.asl.json", decide);
    expect(jsonata).toEqual(jsonPath);
    expect(jsonPath.request).toEqual({ ...INPUT, executionArn: true });
  });

  it("retry a throttled request function alike", async () => {
    for (const file of ["approval-demo.asl.json", "approval-demo-jsonata.asl.json"]) {
      failFirstCall = true;
      const approved = DECISIONS[0]?.[1];
      if (!approved) throw new Error("no decision");
      const ended = await runDemo(file, approved);
      expect(ended.status, file).toBe("SUCCEEDED");
      expect(failFirstCall).toBe(false);
    }
  }, 15000);
});

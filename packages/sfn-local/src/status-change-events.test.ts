import { SendTaskSuccessCommand, StopExecutionCommand } from "@aws-sdk/client-sfn";
import { beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  createStateMachine,
  startExecution,
  useTestServer,
  waitFor,
  waitForEnd,
} from "./test-support.ts";
import type { ExecutionStatusChangeEvent } from "./types.ts";

const WAITING = {
  StartAt: "Wait",
  States: {
    Wait: {
      Type: "Task",
      Resource: "arn:aws:states:::lambda:invoke.waitForTaskToken",
      Parameters: { FunctionName: "park", Payload: { "token.$": "$$.Task.Token" } },
      End: true,
    },
  },
};

const events: ExecutionStatusChangeEvent[] = [];
const logged: string[] = [];
const tokens: string[] = [];
let failListener = false;
let stateMachineArn: string;

const server = useTestServer({
  region: "eu-west-1",
  accountId: "210987654321",
  functions: { park: (payload) => void tokens.push((payload as { token: string }).token) },
  onExecutionStatusChange: async (event) => {
    events.push(event);
    if (failListener) throw new Error("listener broke");
  },
  log: (level, message) => void logged.push(`${level}: ${message}`),
});

beforeAll(async () => {
  stateMachineArn = await createStateMachine(server.client, WAITING, "events");
});

beforeEach(() => {
  events.length = 0;
  failListener = false;
});

function eventsFor(executionArn: string) {
  return events.filter((event) => event.detail.executionArn === executionArn);
}

describe("onExecutionStatusChange", () => {
  it("receives RUNNING and SUCCEEDED events shaped like EventBridge's", async () => {
    const seen = tokens.length;
    const executionArn = await startExecution(server.client, stateMachineArn, { id: 1 });
    const token = await waitFor(() => tokens[seen]);
    await server.client.send(
      new SendTaskSuccessCommand({ taskToken: token, output: '{"ok":true}' }),
    );
    await waitForEnd(server.client, executionArn);
    const [running, succeeded] = await waitFor(() => {
      const mine = eventsFor(executionArn);
      return mine.length === 2 ? mine : undefined;
    });

    expect(executionArn).toMatch(/^arn:aws:states:eu-west-1:210987654321:execution:events-/);
    expect(running).toMatchObject({
      version: "0",
      "detail-type": "Step Functions Execution Status Change",
      source: "aws.states",
      account: "210987654321",
      region: "eu-west-1",
      resources: [executionArn],
      detail: {
        executionArn,
        stateMachineArn,
        status: "RUNNING",
        input: '{"id":1}',
        stopDate: null,
        output: null,
      },
    });
    expect(running?.time).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
    expect(running?.id).not.toBe(succeeded?.id);
    expect(succeeded?.detail).toMatchObject({
      status: "SUCCEEDED",
      output: '{"ok":true}',
      name: executionArn.split(":").at(-1),
    });
    expect(succeeded?.detail.stopDate).toBeGreaterThanOrEqual(succeeded?.detail.startDate ?? 0);
  });

  it("receives an ABORTED event with the error and cause given to StopExecution", async () => {
    const executionArn = await startExecution(server.client, stateMachineArn);
    await server.client.send(
      new StopExecutionCommand({ executionArn, error: "Ops.Stop", cause: "maintenance" }),
    );
    const aborted = await waitFor(() =>
      eventsFor(executionArn).find((event) => event.detail.status === "ABORTED"),
    );
    expect(aborted.detail).toMatchObject({
      status: "ABORTED",
      error: "Ops.Stop",
      cause: "maintenance",
      output: null,
    });
    expect(typeof aborted.detail.stopDate).toBe("number");
  });

  it("logs a failing listener and keeps the server working", async () => {
    failListener = true;
    const executionArn = await startExecution(server.client, stateMachineArn);
    await waitFor(() => logged.find((line) => line.includes("listener failed")));
    await server.client.send(new StopExecutionCommand({ executionArn }));
    const ended = await waitForEnd(server.client, executionArn);
    expect(ended.status).toBe("ABORTED");
  });
});

import {
  InvalidOutput,
  InvalidToken,
  SendTaskFailureCommand,
  SendTaskHeartbeatCommand,
  SendTaskSuccessCommand,
  TaskDoesNotExist,
  TaskTimedOut,
} from "@aws-sdk/client-sfn";
import { beforeAll, describe, expect, it } from "vitest";
import { createTaskToken } from "./runtime/task-tokens.ts";
import {
  createStateMachine,
  startExecution,
  useTestServer,
  waitFor,
  waitForEnd,
} from "./test-support.ts";

const tokens: string[] = [];
const retryCounts: number[] = [];
let stateMachineArn: string;

const server = useTestServer({
  functions: {
    "capture-token": (payload) => {
      const { token, retryCount } = payload as { token: string; retryCount?: number };
      tokens.push(token);
      if (retryCount !== undefined) retryCounts.push(retryCount);
    },
  },
});

beforeAll(async () => {
  stateMachineArn = await createStateMachine(server.client, {
    StartAt: "Wait",
    States: {
      Wait: {
        Type: "Task",
        Resource: "arn:aws:states:::lambda:invoke.waitForTaskToken",
        Parameters: { FunctionName: "capture-token", Payload: { "token.$": "$$.Task.Token" } },
        End: true,
      },
    },
  });
});

async function waitingTask() {
  const seen = tokens.length;
  const executionArn = await startExecution(server.client, stateMachineArn);
  const token = await waitFor(() => tokens[seen], 5000, "a task token");
  return { executionArn, token };
}

describe("SendTask* error semantics", () => {
  it("answers TaskDoesNotExist for a well-formed token that was never issued", async () => {
    const taskToken = createTaskToken();
    await expect(
      server.client.send(new SendTaskSuccessCommand({ taskToken, output: "{}" })),
    ).rejects.toBeInstanceOf(TaskDoesNotExist);
    await expect(
      server.client.send(new SendTaskHeartbeatCommand({ taskToken })),
    ).rejects.toBeInstanceOf(TaskDoesNotExist);
  });

  it("answers InvalidToken for a malformed token", async () => {
    await expect(
      server.client.send(new SendTaskSuccessCommand({ taskToken: "not-a-token", output: "{}" })),
    ).rejects.toBeInstanceOf(InvalidToken);
    await expect(
      server.client.send(new SendTaskFailureCommand({ taskToken: "AQ==", error: "E" })),
    ).rejects.toBeInstanceOf(InvalidToken);
  });

  it("answers TaskTimedOut when the task has already succeeded", async () => {
    const { executionArn, token } = await waitingTask();
    await server.client.send(new SendTaskSuccessCommand({ taskToken: token, output: "{}" }));
    await waitForEnd(server.client, executionArn);

    await expect(
      server.client.send(new SendTaskSuccessCommand({ taskToken: token, output: "{}" })),
    ).rejects.toBeInstanceOf(TaskTimedOut);
    await expect(
      server.client.send(new SendTaskFailureCommand({ taskToken: token, error: "Late" })),
    ).rejects.toBeInstanceOf(TaskTimedOut);
    await expect(
      server.client.send(new SendTaskHeartbeatCommand({ taskToken: token })),
    ).rejects.toBeInstanceOf(TaskTimedOut);
  });

  it("answers InvalidOutput for output that is not JSON and keeps the task waiting", async () => {
    const { executionArn, token } = await waitingTask();

    await expect(
      server.client.send(new SendTaskSuccessCommand({ taskToken: token, output: "{not json" })),
    ).rejects.toBeInstanceOf(InvalidOutput);

    await server.client.send(new SendTaskSuccessCommand({ taskToken: token, output: "[1,2]" }));
    const ended = await waitForEnd(server.client, executionArn);
    expect(ended.status).toBe("SUCCEEDED");
    expect(ended.output).toBe("[1,2]");
  });

  it("issues a fresh token when a failed task is retried, closing the old one", async () => {
    const retryingArn = await createStateMachine(server.client, {
      StartAt: "Wait",
      States: {
        Wait: {
          Type: "Task",
          Resource: "arn:aws:states:::lambda:invoke.waitForTaskToken",
          Parameters: {
            FunctionName: "capture-token",
            Payload: { "token.$": "$$.Task.Token", "retryCount.$": "$$.State.RetryCount" },
          },
          Retry: [{ ErrorEquals: ["Review.Again"], IntervalSeconds: 1, MaxAttempts: 1 }],
          End: true,
        },
      },
    });
    const seen = tokens.length;
    const executionArn = await startExecution(server.client, retryingArn);
    const first = await waitFor(() => tokens[seen]);
    await server.client.send(
      new SendTaskFailureCommand({ taskToken: first, error: "Review.Again" }),
    );
    const second = await waitFor(() => tokens[seen + 1], 5000, "the retried task's token");

    expect(second).not.toBe(first);
    expect(retryCounts.slice(-2)).toEqual([0, 1]);
    await expect(
      server.client.send(new SendTaskSuccessCommand({ taskToken: first, output: "{}" })),
    ).rejects.toBeInstanceOf(TaskTimedOut);
    await server.client.send(new SendTaskSuccessCommand({ taskToken: second, output: "{}" }));
    expect((await waitForEnd(server.client, executionArn)).status).toBe("SUCCEEDED");
  });

  it("issues a different token for every task entry", async () => {
    const first = await waitingTask();
    const second = await waitingTask();
    expect(first.token).not.toBe(second.token);
    for (const { token } of [first, second]) {
      await server.client.send(new SendTaskSuccessCommand({ taskToken: token, output: "{}" }));
    }
  });
});

describe("the wire protocol", () => {
  async function post(target: string | undefined, body: unknown) {
    const headers: Record<string, string> = { "content-type": "application/x-amz-json-1.0" };
    if (target !== undefined) headers["x-amz-target"] = target;
    const response = await fetch(server.sfn.url, {
      method: "POST",
      headers,
      body: JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as Record<string, string> };
  }

  it("answers UnknownOperationException naming an operation it does not serve", async () => {
    const answer = await post("AWSStepFunctions.CreateActivity", { name: "x" });
    expect(answer.status).toBe(400);
    expect(answer.body.__type).toBe("UnknownOperationException");
    expect(answer.body.message).toContain("CreateActivity");
  });

  it("answers errors as HTTP 400 with __type and message", async () => {
    const answer = await post("AWSStepFunctions.DescribeExecution", {
      executionArn: "arn:aws:states:us-east-1:123456789012:execution:nope:nope",
    });
    expect(answer).toEqual({
      status: 400,
      body: {
        __type: "ExecutionDoesNotExist",
        message:
          "Execution Does Not Exist: 'arn:aws:states:us-east-1:123456789012:execution:nope:nope'",
      },
    });
  });
});

import { SendTaskFailureCommand, SendTaskSuccessCommand, TaskTimedOut } from "@aws-sdk/client-sfn";
import { describe, expect, it } from "vitest";
import {
  createStateMachine,
  startExecution,
  useTestServer,
  waitFor,
  waitForEnd,
} from "./test-support.ts";

interface Seen {
  taskToken: string;
  task: { Token: string };
  context: { Task: { Token: string } };
  again: string;
  state: { Name: string; RetryCount: number };
  retryCount: number;
}

const calls: Seen[] = [];

const server = useTestServer({
  functions: { "see-token": (payload) => void calls.push(payload as Seen) },
});

// Every way a Payload can name the token; on AWS they all read the one token of the attempt.
const PAYLOAD = {
  "taskToken.$": "$$.Task.Token",
  "task.$": "$$.Task",
  "context.$": "$$",
  "again.$": "$$.Task.Token",
  "state.$": "$$.State",
  "retryCount.$": "$$.State.RetryCount",
};

function waitingTask(retry?: object) {
  return {
    StartAt: "Wait",
    States: {
      Wait: {
        Type: "Task",
        Resource: "arn:aws:states:::lambda:invoke.waitForTaskToken",
        Parameters: { FunctionName: "see-token", Payload: PAYLOAD },
        ...(retry ? { Retry: [retry] } : {}),
        End: true,
      },
    },
  };
}

function expectOneToken(seen: Seen): string {
  expect(seen.task.Token).toBe(seen.taskToken);
  expect(seen.context.Task.Token).toBe(seen.taskToken);
  expect(seen.again).toBe(seen.taskToken);
  expect(seen.state.RetryCount).toBe(seen.retryCount);
  return seen.taskToken;
}

describe("the task token of one attempt", () => {
  it("is the same token through $$.Task.Token, $$.Task and $$, and completes the task", async () => {
    const stateMachineArn = await createStateMachine(server.client, waitingTask(), "one-token");
    const seen = calls.length;
    const executionArn = await startExecution(server.client, stateMachineArn);
    const call = await waitFor(() => calls[seen], 5000, "the function to be called");

    const token = expectOneToken(call);
    await server.client.send(new SendTaskSuccessCommand({ taskToken: token, output: '"done"' }));

    const ended = await waitForEnd(server.client, executionArn);
    expect(ended.status).toBe("SUCCEEDED");
    expect(ended.output).toBe('"done"');
  });

  it("is minted anew for a retry, again one token however it is read", async () => {
    const retry = { ErrorEquals: ["Again"], IntervalSeconds: 0, MaxAttempts: 1 };
    const stateMachineArn = await createStateMachine(server.client, waitingTask(retry), "retry");
    const seen = calls.length;
    const executionArn = await startExecution(server.client, stateMachineArn);
    const first = expectOneToken(await waitFor(() => calls[seen], 5000, "the first attempt"));
    await server.client.send(new SendTaskFailureCommand({ taskToken: first, error: "Again" }));
    const second = expectOneToken(await waitFor(() => calls[seen + 1], 5000, "the retry"));

    expect(second).not.toBe(first);
    expect(calls.slice(seen).map((call) => call.retryCount)).toEqual([0, 1]);
    await expect(
      server.client.send(new SendTaskSuccessCommand({ taskToken: first, output: "{}" })),
    ).rejects.toBeInstanceOf(TaskTimedOut);
    await server.client.send(new SendTaskSuccessCommand({ taskToken: second, output: "{}" }));
    expect((await waitForEnd(server.client, executionArn)).status).toBe("SUCCEEDED");
  });
});

import {
  DescribeExecutionCommand,
  SendTaskFailureCommand,
  SendTaskHeartbeatCommand,
  SendTaskSuccessCommand,
  StopExecutionCommand,
  TaskTimedOut,
} from "@aws-sdk/client-sfn";
import { beforeEach, describe, expect, it } from "vitest";
import {
  createStateMachine,
  historyOf,
  startExecution,
  useTestServer,
  waitFor,
  waitForEnd,
} from "./test-support.ts";

// The callback example from the Step Functions documentation, as the issue gives it.
const CALLBACK_DEFINITION = {
  StartAt: "GetManualReview",
  States: {
    GetManualReview: {
      Type: "Task",
      Resource: "arn:aws:states:::lambda:invoke.waitForTaskToken",
      Parameters: {
        FunctionName: "get-model-review-decision",
        Payload: { "model.$": "$.new_model", "token.$": "$$.Task.Token" },
        Qualifier: "prod-v1",
      },
      End: true,
    },
  },
};

function callbackWith(limits: Record<string, number>) {
  const state = { ...CALLBACK_DEFINITION.States.GetManualReview, ...limits };
  return { ...CALLBACK_DEFINITION, States: { GetManualReview: state } };
}

interface ReviewCall {
  payload: { model: unknown; token: string };
  context: { functionName: string; qualifier?: string };
}

let calls: ReviewCall[];

const server = useTestServer();

beforeEach(() => {
  calls = [];
  server.sfn.registerFunction("get-model-review-decision", (payload, context) => {
    calls.push({ payload: payload as ReviewCall["payload"], context });
  });
});

async function startReview(definition: object = CALLBACK_DEFINITION) {
  const stateMachineArn = await createStateMachine(server.client, definition, "review");
  const executionArn = await startExecution(server.client, stateMachineArn, {
    new_model: { name: "churn-v7", accuracy: 0.93 },
  });
  const call = await waitFor(() => calls[0], 5000, "the review function to be called");
  return { executionArn, token: call.payload.token, call };
}

describe("a .waitForTaskToken task", () => {
  it("hands $$.Task.Token to the function and completes through SendTaskSuccess", async () => {
    const { executionArn, token, call } = await startReview();

    expect(call.payload.model).toEqual({ name: "churn-v7", accuracy: 0.93 });
    expect(call.context).toEqual({
      functionName: "get-model-review-decision",
      qualifier: "prod-v1",
    });
    expect(token).toMatch(/^[A-Za-z0-9+/]{100,2047}$/);
    const running = await server.client.send(new DescribeExecutionCommand({ executionArn }));
    expect(running.status).toBe("RUNNING");

    const decision = JSON.stringify({ decision: "approved", reviewer: "ana" });
    await server.client.send(new SendTaskSuccessCommand({ taskToken: token, output: decision }));

    const ended = await waitForEnd(server.client, executionArn);
    expect(ended.status).toBe("SUCCEEDED");
    expect(ended.output).toBe(decision);
    const types = (await historyOf(server.client, executionArn)).map((event) => event.type);
    expect(types).toEqual([
      "ExecutionStarted",
      "TaskStateEntered",
      "TaskScheduled",
      "TaskStarted",
      "TaskSubmitted",
      "TaskSucceeded",
      "TaskStateExited",
      "ExecutionSucceeded",
    ]);
  });

  it("fails the execution with the error and cause given to SendTaskFailure", async () => {
    const { executionArn, token } = await startReview();

    await server.client.send(
      new SendTaskFailureCommand({
        taskToken: token,
        error: "Review.Rejected",
        cause: "accuracy below the bar",
      }),
    );

    const ended = await waitForEnd(server.client, executionArn);
    expect(ended.status).toBe("FAILED");
    expect(ended.error).toBe("Review.Rejected");
    expect(ended.cause).toBe("accuracy below the bar");
    const failed = (await historyOf(server.client, executionArn)).find(
      (event) => event.type === "TaskFailed",
    );
    expect(failed?.taskFailedEventDetails).toMatchObject({
      resourceType: "lambda",
      resource: "invoke.waitForTaskToken",
      error: "Review.Rejected",
      cause: "accuracy below the bar",
    });
  });

  it("times out with States.HeartbeatTimeout when no heartbeat arrives", async () => {
    const { executionArn, token } = await startReview(callbackWith({ HeartbeatSeconds: 1 }));

    const ended = await waitForEnd(server.client, executionArn);
    expect(ended.status).toBe("FAILED");
    expect(ended.error).toBe("States.HeartbeatTimeout");
    const timedOut = (await historyOf(server.client, executionArn)).find(
      (event) => event.type === "TaskTimedOut",
    );
    expect(timedOut?.taskTimedOutEventDetails?.error).toBe("States.HeartbeatTimeout");
    await expect(
      server.client.send(new SendTaskSuccessCommand({ taskToken: token, output: "{}" })),
    ).rejects.toBeInstanceOf(TaskTimedOut);
  });

  it("stays alive past a heartbeat interval when SendTaskHeartbeat arrives in time", async () => {
    const { executionArn, token } = await startReview(callbackWith({ HeartbeatSeconds: 1 }));

    // Heartbeat halfway, then look again after the first interval would have ended.
    await new Promise((resolve) => setTimeout(resolve, 500));
    await server.client.send(new SendTaskHeartbeatCommand({ taskToken: token }));
    await new Promise((resolve) => setTimeout(resolve, 550));
    const alive = await server.client.send(new DescribeExecutionCommand({ executionArn }));
    expect(alive.status).toBe("RUNNING");

    await server.client.send(new SendTaskSuccessCommand({ taskToken: token, output: '"ok"' }));
    const ended = await waitForEnd(server.client, executionArn);
    expect(ended.status).toBe("SUCCEEDED");
    expect(ended.output).toBe('"ok"');
  });

  it("fails with States.Timeout once TimeoutSeconds has passed", async () => {
    const { executionArn, token } = await startReview(callbackWith({ TimeoutSeconds: 1 }));

    const ended = await waitForEnd(server.client, executionArn);
    expect(ended.status).toBe("FAILED");
    expect(ended.error).toBe("States.Timeout");
    expect(ended.stopDate!.getTime() - ended.startDate!.getTime()).toBeGreaterThanOrEqual(900);
    const history = await historyOf(server.client, executionArn);
    expect(history.map((event) => event.type)).toContain("TaskTimedOut");
    await expect(
      server.client.send(new SendTaskSuccessCommand({ taskToken: token, output: "{}" })),
    ).rejects.toBeInstanceOf(TaskTimedOut);
  });

  it("is aborted by StopExecution, after which SendTaskSuccess answers TaskTimedOut", async () => {
    const { executionArn, token } = await startReview();

    await server.client.send(
      new StopExecutionCommand({ executionArn, error: "Ops.Cancelled", cause: "no longer needed" }),
    );

    const ended = await server.client.send(new DescribeExecutionCommand({ executionArn }));
    expect(ended.status).toBe("ABORTED");
    expect(ended.error).toBe("Ops.Cancelled");
    expect(ended.cause).toBe("no longer needed");
    const last = (await historyOf(server.client, executionArn)).at(-1);
    expect(last?.type).toBe("ExecutionAborted");
    expect(last?.executionAbortedEventDetails).toEqual({
      error: "Ops.Cancelled",
      cause: "no longer needed",
    });
    await expect(
      server.client.send(new SendTaskSuccessCommand({ taskToken: token, output: "{}" })),
    ).rejects.toBeInstanceOf(TaskTimedOut);
  });

  it("reads TimeoutSecondsPath from the state's input and still passes the same payload", async () => {
    const state = { ...CALLBACK_DEFINITION.States.GetManualReview, TimeoutSecondsPath: "$.limit" };
    const stateMachineArn = await createStateMachine(
      server.client,
      { ...CALLBACK_DEFINITION, States: { GetManualReview: state } },
      "review",
    );
    const executionArn = await startExecution(server.client, stateMachineArn, {
      new_model: { name: "m" },
      limit: 1,
    });
    const call = await waitFor(() => calls[0], 5000, "the review function to be called");
    expect(call.payload).toEqual({ model: { name: "m" }, token: expect.any(String) });

    const ended = await waitForEnd(server.client, executionArn);
    expect(ended.error).toBe("States.Timeout");
    const scheduled = (await historyOf(server.client, executionArn)).find(
      (event) => event.type === "TaskScheduled",
    );
    expect(scheduled?.taskScheduledEventDetails?.timeoutInSeconds).toBe(1);
  });

  it("times the whole execution out at its top-level TimeoutSeconds", async () => {
    const { executionArn, token } = await startReview({
      ...CALLBACK_DEFINITION,
      TimeoutSeconds: 1,
    });

    const ended = await waitForEnd(server.client, executionArn);
    expect(ended.status).toBe("TIMED_OUT");
    expect(ended.error).toBe("States.Timeout");
    const last = (await historyOf(server.client, executionArn)).at(-1);
    expect(last?.type).toBe("ExecutionTimedOut");
    await expect(
      server.client.send(new SendTaskSuccessCommand({ taskToken: token, output: "{}" })),
    ).rejects.toBeInstanceOf(TaskTimedOut);
  });

  it("fails the task with the function's error when the function throws", async () => {
    server.sfn.registerFunction("get-model-review-decision", () => {
      throw Object.assign(new Error("model store unreachable"), { name: "Review.Unavailable" });
    });
    const stateMachineArn = await createStateMachine(server.client, CALLBACK_DEFINITION, "review");
    const executionArn = await startExecution(server.client, stateMachineArn, { new_model: {} });

    const ended = await waitForEnd(server.client, executionArn);
    expect(ended.status).toBe("FAILED");
    expect(ended.error).toBe("Review.Unavailable");
    expect(JSON.parse(ended.cause ?? "{}")).toMatchObject({
      errorType: "Review.Unavailable",
      errorMessage: "model store unreachable",
    });
  });
});

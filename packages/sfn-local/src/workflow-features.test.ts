import type { HistoryEvent } from "@aws-sdk/client-sfn";
import { describe, expect, it } from "vitest";
import {
  createStateMachine,
  historyOf,
  startExecution,
  useTestServer,
  waitForEnd,
} from "./test-support.ts";

const LAMBDA_ARN = "arn:aws:lambda:us-east-1:123456789012:function";

let flakyCalls = 0;

const server = useTestServer({
  functions: {
    "fetch-order": (payload) => {
      flakyCalls += 1;
      if (flakyCalls <= 2) {
        throw Object.assign(new Error(`attempt ${flakyCalls} failed`), {
          name: "Flaky.Transient",
        });
      }
      return { ...(payload as object), items: [1, 2, 3], priority: "high" };
    },
    square: (payload) => (payload as number) ** 2,
    charge: () => {
      throw Object.assign(new Error("card expired"), { name: "Payment.Declined" });
    },
  },
});

const ORDER_WORKFLOW = {
  Comment: "Retry, Choice, Parallel, Map and Catch in one execution",
  StartAt: "FetchOrder",
  States: {
    FetchOrder: {
      Type: "Task",
      Resource: "arn:aws:states:::lambda:invoke",
      Parameters: { FunctionName: "fetch-order", "Payload.$": "$" },
      ResultSelector: { "order.$": "$.Payload" },
      Retry: [
        { ErrorEquals: ["Flaky.Transient"], IntervalSeconds: 1, BackoffRate: 1, MaxAttempts: 3 },
      ],
      Next: "Route",
    },
    Route: {
      Type: "Choice",
      Choices: [{ Variable: "$.order.priority", StringEquals: "high", Next: "Fanout" }],
      Default: "Reject",
    },
    Reject: { Type: "Fail", Error: "Order.Rejected" },
    Fanout: {
      Type: "Parallel",
      Branches: [
        {
          StartAt: "SquareItems",
          States: {
            SquareItems: {
              Type: "Map",
              ItemsPath: "$.order.items",
              MaxConcurrency: 2,
              ItemProcessor: {
                StartAt: "Square",
                States: { Square: { Type: "Task", Resource: `${LAMBDA_ARN}:square`, End: true } },
              },
              End: true,
            },
          },
        },
        {
          StartAt: "Charge",
          States: {
            Charge: {
              Type: "Task",
              Resource: "arn:aws:states:::lambda:invoke",
              Parameters: { FunctionName: `${LAMBDA_ARN}:charge:live`, "Payload.$": "$.order" },
              Catch: [
                { ErrorEquals: ["Payment.Declined"], ResultPath: "$.chargeError", Next: "Unpaid" },
              ],
              Next: "Paid",
            },
            Paid: { Type: "Succeed" },
            Unpaid: {
              Type: "Pass",
              Parameters: { charged: false, "reason.$": "$.chargeError.Error" },
              End: true,
            },
          },
        },
      ],
      ResultPath: "$.results",
      OutputPath: "$.results",
      End: true,
    },
  },
};

function indexOf(events: HistoryEvent[], type: string, name?: string): number {
  return events.findIndex(
    (event) =>
      event.type === type &&
      (name === undefined ||
        (event.stateEnteredEventDetails ?? event.stateExitedEventDetails)?.name === name),
  );
}

describe("a workflow with Retry, Catch, Choice, Parallel and Map", () => {
  it("produces the output AWS would and a history in a sensible order", async () => {
    const stateMachineArn = await createStateMachine(server.client, ORDER_WORKFLOW, "orders");
    const executionArn = await startExecution(server.client, stateMachineArn, { orderId: "o-1" });

    const ended = await waitForEnd(server.client, executionArn, 10_000);
    expect(ended.status).toBe("SUCCEEDED");
    expect(JSON.parse(ended.output ?? "null")).toEqual([
      [1, 4, 9],
      { charged: false, reason: "Payment.Declined" },
    ]);

    const events = await historyOf(server.client, executionArn);
    const types = events.map((event) => event.type);
    expect(events.map((event) => event.id)).toEqual(events.map((_, index) => index + 1));
    expect(events[0]).toMatchObject({ type: "ExecutionStarted", previousEventId: 0 });
    for (const event of events.slice(1)) {
      expect(event.previousEventId).toBeGreaterThan(0);
      expect(event.previousEventId).toBeLessThan(event.id ?? 0);
    }
    expect(types.filter((type) => type === "TaskFailed")).toHaveLength(3);
    expect(types.filter((type) => type === "MapIterationSucceeded")).toHaveLength(3);
    expect(types.filter((type) => type === "LambdaFunctionSucceeded")).toHaveLength(3);

    const order = [
      indexOf(events, "TaskStateEntered", "FetchOrder"),
      indexOf(events, "TaskSucceeded"),
      indexOf(events, "TaskStateExited", "FetchOrder"),
      indexOf(events, "ChoiceStateEntered", "Route"),
      indexOf(events, "ChoiceStateExited", "Route"),
      indexOf(events, "ParallelStateEntered", "Fanout"),
      indexOf(events, "ParallelStateStarted"),
      indexOf(events, "MapStateEntered", "SquareItems"),
      indexOf(events, "MapStateStarted"),
      indexOf(events, "MapStateSucceeded"),
      indexOf(events, "MapStateExited", "SquareItems"),
      indexOf(events, "ParallelStateSucceeded"),
      indexOf(events, "ParallelStateExited", "Fanout"),
      indexOf(events, "ExecutionSucceeded"),
    ];
    expect(order.every((index) => index >= 0)).toBe(true);
    expect(order).toEqual([...order].sort((a, b) => a - b));
    expect(order.at(-1)).toBe(events.length - 1);

    // Everything the branches did happened between the Parallel state's start and success.
    const branchEvents = ["MapIterationStarted", "TaskStateEntered", "PassStateEntered"];
    const started = indexOf(events, "ParallelStateStarted");
    const succeeded = indexOf(events, "ParallelStateSucceeded");
    events.forEach((event, index) => {
      const name = event.stateEnteredEventDetails?.name;
      if (branchEvents.includes(event.type ?? "") && name !== "FetchOrder") {
        expect(index).toBeGreaterThan(started);
        expect(index).toBeLessThan(succeeded);
      }
    });

    const retried = events.filter((event) => event.type === "TaskFailed").slice(0, 2);
    for (const failed of retried) {
      expect(failed.taskFailedEventDetails).toMatchObject({
        resourceType: "lambda",
        resource: "invoke",
        error: "Flaky.Transient",
      });
    }
    const entered = events[indexOf(events, "TaskStateEntered", "FetchOrder")];
    expect(entered?.stateEnteredEventDetails?.input).toBe('{"orderId":"o-1"}');
    const mapStarted = events[indexOf(events, "MapStateStarted")];
    expect(mapStarted?.mapStateStartedEventDetails).toEqual({ length: 3 });
    const exited = events[indexOf(events, "ParallelStateExited", "Fanout")];
    expect(JSON.parse(exited?.stateExitedEventDetails?.output ?? "null")).toEqual(
      JSON.parse(ended.output ?? "null"),
    );
  });

  it("catches States.Timeout by name but not with States.TaskFailed", async () => {
    server.sfn.registerFunction("never-answers", () => undefined);
    const stateMachineArn = await createStateMachine(server.client, {
      StartAt: "Slow",
      States: {
        Slow: {
          Type: "Task",
          Resource: "arn:aws:states:::lambda:invoke.waitForTaskToken",
          Parameters: { FunctionName: "never-answers", Payload: { "token.$": "$$.Task.Token" } },
          TimeoutSeconds: 1,
          Catch: [
            { ErrorEquals: ["States.TaskFailed"], Next: "Wrong" },
            { ErrorEquals: ["States.Timeout"], ResultPath: "$.caught", Next: "TimedOut" },
          ],
          End: true,
        },
        Wrong: { Type: "Fail", Error: "Wrong.Catcher" },
        TimedOut: { Type: "Pass", End: true },
      },
    });
    const executionArn = await startExecution(server.client, stateMachineArn, { id: 7 });

    const ended = await waitForEnd(server.client, executionArn);
    expect(ended.status).toBe("SUCCEEDED");
    expect(JSON.parse(ended.output ?? "null")).toMatchObject({
      id: 7,
      caught: { Error: "States.Timeout" },
    });
    const types = (await historyOf(server.client, executionArn)).map((event) => event.type);
    expect(types.slice(1, 6)).toEqual([
      "TaskStateEntered",
      "TaskScheduled",
      "TaskStarted",
      "TaskSubmitted",
      "TaskTimedOut",
    ]);
  });

  it("fails a Map state with its failing iteration's error, which its Catch can handle", async () => {
    server.sfn.registerFunction("check", (payload) => {
      if (payload === 2)
        throw Object.assign(new Error("two is odd here"), { name: "Check.Failed" });
      return payload;
    });
    const stateMachineArn = await createStateMachine(server.client, {
      StartAt: "CheckAll",
      States: {
        CheckAll: {
          Type: "Map",
          ItemProcessor: {
            StartAt: "Check",
            States: { Check: { Type: "Task", Resource: `${LAMBDA_ARN}:check`, End: true } },
          },
          Catch: [{ ErrorEquals: ["States.ALL"], Next: "Failed" }],
          End: true,
        },
        Failed: { Type: "Pass", End: true },
      },
    });
    const executionArn = await startExecution(server.client, stateMachineArn, [1, 2, 3]);

    const ended = await waitForEnd(server.client, executionArn);
    expect(ended.status).toBe("SUCCEEDED");
    expect(JSON.parse(ended.output ?? "null")).toMatchObject({ Error: "Check.Failed" });
    const types = (await historyOf(server.client, executionArn)).map((event) => event.type);
    expect(types).toContain("MapIterationFailed");
    expect(types.indexOf("MapStateFailed")).toBeGreaterThan(types.indexOf("MapIterationFailed"));
    expect(types.indexOf("MapStateExited")).toBeGreaterThan(types.indexOf("MapStateFailed"));
  });
});

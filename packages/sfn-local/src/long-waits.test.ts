import { DescribeExecutionCommand, SendTaskSuccessCommand } from "@aws-sdk/client-sfn";
import { describe, expect, it } from "vitest";
import {
  createStateMachine,
  historyOf,
  startExecution,
  useTestServer,
  waitFor,
  waitForEnd,
} from "./test-support.ts";

// aws-local-stepfunctions fails every Task after 60 s unless told otherwise, and its timer
// cannot go past about 24.8 days. sfn-local hands it a long "guard" delay and re-arms it whenever
// it runs out. Here the guard is half a second, so re-arming happens several times per test.
const GUARD_SECONDS = 0.5;

const tokens: string[] = [];
const server = useTestServer(
  { functions: { park: (payload) => void tokens.push((payload as { token: string }).token) } },
  { guardSeconds: GUARD_SECONDS },
);

function callback(extra: Record<string, unknown> = {}) {
  return {
    StartAt: "Approve",
    States: {
      Approve: {
        Type: "Task",
        Resource: "arn:aws:states:::lambda:invoke.waitForTaskToken",
        Parameters: { FunctionName: "park", Payload: { "token.$": "$$.Task.Token" } },
        ...extra,
        End: true,
      },
    },
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("long waits", () => {
  it("keeps a task without TimeoutSeconds waiting past the library's own task timer", async () => {
    const seen = tokens.length;
    const stateMachineArn = await createStateMachine(server.client, callback());
    const executionArn = await startExecution(server.client, stateMachineArn);
    const token = await waitFor(() => tokens[seen]);

    await sleep(GUARD_SECONDS * 2500);
    const still = await server.client.send(new DescribeExecutionCommand({ executionArn }));
    expect(still.status).toBe("RUNNING");
    expect(tokens).toHaveLength(seen + 1);

    await server.client.send(new SendTaskSuccessCommand({ taskToken: token, output: '"late"' }));
    const ended = await waitForEnd(server.client, executionArn);
    expect(ended.status).toBe("SUCCEEDED");
    expect(ended.output).toBe('"late"');
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

  it("times a task out at TimeoutSeconds even when that is beyond the library's timer", async () => {
    const stateMachineArn = await createStateMachine(
      server.client,
      callback({ TimeoutSeconds: 1 }),
    );
    const executionArn = await startExecution(server.client, stateMachineArn);

    const ended = await waitForEnd(server.client, executionArn, 6000);
    expect(ended.status).toBe("FAILED");
    expect(ended.error).toBe("States.Timeout");
    const elapsed = (ended.stopDate?.getTime() ?? 0) - (ended.startDate?.getTime() ?? 0);
    expect(elapsed).toBeGreaterThanOrEqual(950);
    expect(elapsed).toBeLessThan(2500);
  });

  it("runs Wait, Map and Parallel states that last longer than the library's timer", async () => {
    const stateMachineArn = await createStateMachine(server.client, {
      StartAt: "Both",
      States: {
        Both: {
          Type: "Parallel",
          Branches: [
            {
              StartAt: "Each",
              States: {
                Each: {
                  Type: "Map",
                  ItemProcessor: {
                    StartAt: "Pause",
                    States: { Pause: { Type: "Wait", SecondsPath: "$.seconds", End: true } },
                  },
                  End: true,
                },
              },
            },
          ],
          End: true,
        },
      },
    });
    const executionArn = await startExecution(server.client, stateMachineArn, [{ seconds: 1 }]);

    const ended = await waitForEnd(server.client, executionArn, 6000);
    expect(ended.status).toBe("SUCCEEDED");
    expect(JSON.parse(ended.output ?? "null")).toEqual([[{ seconds: 1 }]]);
    const elapsed = (ended.stopDate?.getTime() ?? 0) - (ended.startDate?.getTime() ?? 0);
    expect(elapsed).toBeGreaterThanOrEqual(950);
  });
});

import { DescribeExecutionCommand } from "@aws-sdk/client-sfn";
import { describe, expect, it } from "vitest";
import { startSfnLocal } from "./index.ts";
import { createStateMachine, startExecution, startTestServer, waitFor } from "./test-support.ts";

function activeHandles(): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const resource of process.getActiveResourcesInfo()) {
    counts[resource] = (counts[resource] ?? 0) + 1;
  }
  return counts;
}

describe("startSfnLocal", () => {
  it("serves on 127.0.0.1 and reports its url and port", async () => {
    const sfn = await startSfnLocal({ port: 0 });
    try {
      expect(sfn.port).toBeGreaterThan(0);
      expect(sfn.url).toBe(`http://127.0.0.1:${sfn.port}`);
    } finally {
      await sfn.close();
    }
  });

  it("rejects with a message naming the port when the port is already in use", async () => {
    const first = await startSfnLocal({ port: 0 });
    try {
      await expect(startSfnLocal({ port: first.port })).rejects.toThrow(
        `sfn-local: port ${first.port} is already in use`,
      );
    } finally {
      await first.close();
    }
  });

  it("leaves no timers or sockets behind when closed with executions still waiting", async () => {
    const before = activeHandles();
    const server = await startTestServer({ functions: { park: () => undefined } });
    const stateMachineArn = await createStateMachine(server.client, {
      TimeoutSeconds: 99_999_999,
      StartAt: "Both",
      States: {
        Both: {
          Type: "Parallel",
          Branches: [
            {
              StartAt: "Approve",
              States: {
                Approve: {
                  Type: "Task",
                  Resource: "arn:aws:states:::lambda:invoke.waitForTaskToken",
                  Parameters: { FunctionName: "park", Payload: { "token.$": "$$.Task.Token" } },
                  HeartbeatSeconds: 3600,
                  TimeoutSeconds: 99_999_999,
                  End: true,
                },
              },
            },
            {
              StartAt: "Sleep",
              States: { Sleep: { Type: "Wait", Seconds: 99_999_999, End: true } },
            },
          ],
          End: true,
        },
      },
    });
    const executionArn = await startExecution(server.client, stateMachineArn);
    await waitFor(async () => {
      const described = await server.client.send(new DescribeExecutionCommand({ executionArn }));
      return described.status === "RUNNING" ? described : undefined;
    });

    await server.close();

    // Closed handles leave the list on a later turn of the event loop, hence the polling.
    const noneLeft = () =>
      Object.entries(activeHandles()).every(([kind, count]) => count <= (before[kind] ?? 0));
    await waitFor(() => (noneLeft() ? true : undefined), 1000, "handles to close");
    expect(noneLeft()).toBe(true);
  });
});

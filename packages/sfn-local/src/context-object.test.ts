import { DescribeExecutionCommand } from "@aws-sdk/client-sfn";
import { describe, expect, it } from "vitest";
import { createStateMachine, startExecution, useTestServer, waitForEnd } from "./test-support.ts";

const server = useTestServer();

describe("the context object ($$)", () => {
  it("exposes the execution, the state machine and the current state, also inside branches", async () => {
    const stateMachineArn = await createStateMachine(
      server.client,
      {
        StartAt: "Describe",
        States: {
          Describe: {
            Type: "Pass",
            Parameters: {
              "id.$": "$$.Execution.Id",
              "name.$": "$$.Execution.Name",
              "input.$": "$$.Execution.Input",
              "startTime.$": "$$.Execution.StartTime",
              "stateMachineId.$": "$$.StateMachine.Id",
              "stateMachineName.$": "$$.StateMachine.Name",
              "state.$": "$$.State.Name",
              "enteredTime.$": "$$.State.EnteredTime",
            },
            ResultPath: "$.top",
            Next: "Branches",
          },
          Branches: {
            Type: "Parallel",
            Branches: [
              {
                StartAt: "Inner",
                States: {
                  Inner: {
                    Type: "Pass",
                    Parameters: {
                      "input.$": "$$.Execution.Input",
                      "state.$": "$$.State.Name",
                      "label.$": "States.Format('{} in {}', $$.State.Name, $$.Execution.Name)",
                    },
                    End: true,
                  },
                },
              },
            ],
            ResultPath: "$.branch",
            End: true,
          },
        },
      },
      "context",
    );
    const executionArn = await startExecution(
      server.client,
      stateMachineArn,
      { order: 42 },
      "context-run-1",
    );

    const ended = await waitForEnd(server.client, executionArn);
    expect(ended.status).toBe("SUCCEEDED");
    const output = JSON.parse(ended.output ?? "null");
    const described = await server.client.send(new DescribeExecutionCommand({ executionArn }));
    expect(output.top).toEqual({
      id: executionArn,
      name: "context-run-1",
      input: { order: 42 },
      startTime: described.startDate?.toISOString(),
      stateMachineId: stateMachineArn,
      stateMachineName: stateMachineArn.split(":").at(-1),
      state: "Describe",
      enteredTime: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/),
    });
    expect(Date.parse(output.top.enteredTime)).toBeGreaterThanOrEqual(
      described.startDate?.getTime() ?? Number.POSITIVE_INFINITY,
    );
    expect(output.branch).toEqual([
      { input: { order: 42 }, state: "Inner", label: "Inner in context-run-1" },
    ]);
  });

  it("has no $$.Task.Token outside .waitForTaskToken tasks, failing the path as AWS does", async () => {
    const stateMachineArn = await createStateMachine(server.client, {
      StartAt: "NoToken",
      States: {
        NoToken: { Type: "Pass", Parameters: { "token.$": "$$.Task.Token" }, End: true },
      },
    });
    const executionArn = await startExecution(server.client, stateMachineArn);

    const ended = await waitForEnd(server.client, executionArn);
    expect(ended.status).toBe("FAILED");
    expect(ended.error).toBe("States.Runtime");
    expect(ended.cause).toContain("$$.Task.Token");
  });
});

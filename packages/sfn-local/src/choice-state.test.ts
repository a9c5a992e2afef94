import { describe, expect, it } from "vitest";
import {
  createStateMachine,
  historyOf,
  startExecution,
  useTestServer,
  waitForEnd,
} from "./test-support.ts";

const server = useTestServer();

describe("Choice states", () => {
  it("follows the Choice default into a Fail state and reports its error", async () => {
    const stateMachineArn = await createStateMachine(server.client, {
      StartAt: "Route",
      States: {
        Route: {
          Type: "Choice",
          Choices: [{ Variable: "$.priority", StringEquals: "high", Next: "Done" }],
          Default: "Reject",
        },
        Reject: { Type: "Fail", Error: "Order.Rejected" },
        Done: { Type: "Succeed" },
      },
    });
    const executionArn = await startExecution(server.client, stateMachineArn, { priority: "low" });

    const ended = await waitForEnd(server.client, executionArn);
    expect(ended.status).toBe("FAILED");
    expect(ended.error).toBe("Order.Rejected");
    expect(ended.cause).toBeUndefined();
    const types = (await historyOf(server.client, executionArn)).map((event) => event.type);
    expect(types).toEqual([
      "ExecutionStarted",
      "ChoiceStateEntered",
      "ChoiceStateExited",
      "FailStateEntered",
      "ExecutionFailed",
    ]);
  });

  it("evaluates Choice rules as AWS does where the library differs", async () => {
    const stateMachineArn = await createStateMachine(server.client, {
      StartAt: "Route",
      States: {
        Route: {
          Type: "Choice",
          Choices: [
            { Variable: "$.n", NumericLessThan: 10, Next: "Small" },
            { Variable: "$.note", IsNull: false, Next: "Noted" },
          ],
          Default: "Other",
        },
        Small: { Type: "Pass", Result: "small", End: true },
        Noted: { Type: "Pass", Result: "noted", End: true },
        Other: { Type: "Pass", Result: "other", End: true },
      },
    });
    const outputs: string[] = [];
    for (const input of [
      { n: 5, note: null },
      { n: "5", note: "x" },
      { n: "5", note: null },
    ]) {
      const executionArn = await startExecution(server.client, stateMachineArn, input);
      outputs.push((await waitForEnd(server.client, executionArn)).output ?? "");
    }
    expect(outputs).toEqual(['"small"', '"noted"', '"other"']);
  });
});

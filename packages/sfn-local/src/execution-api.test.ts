import {
  DescribeExecutionCommand,
  ExecutionAlreadyExists,
  GetExecutionHistoryCommand,
  InvalidExecutionInput,
  ListExecutionsCommand,
  SendTaskSuccessCommand,
  StartExecutionCommand,
} from "@aws-sdk/client-sfn";
import { describe, expect, it } from "vitest";
import {
  createStateMachine,
  startExecution,
  useTestServer,
  waitFor,
  waitForEnd,
} from "./test-support.ts";

const PASS = { StartAt: "Done", States: { Done: { Type: "Pass", End: true } } };

// Succeeds, fails or waits for a task token depending on its input's "mode".
const BY_MODE = {
  StartAt: "Mode",
  States: {
    Mode: {
      Type: "Choice",
      Choices: [
        { Variable: "$.mode", StringEquals: "fail", Next: "Fail" },
        { Variable: "$.mode", StringEquals: "wait", Next: "Wait" },
      ],
      Default: "Ok",
    },
    Fail: { Type: "Fail", Error: "Mode.Failed", Cause: "asked to fail" },
    Ok: { Type: "Succeed" },
    Wait: {
      Type: "Task",
      Resource: "arn:aws:states:::lambda:invoke.waitForTaskToken",
      Parameters: { FunctionName: "park", Payload: { "token.$": "$$.Task.Token" } },
      End: true,
    },
  },
};

const parked: string[] = [];
const server = useTestServer({
  functions: { park: (payload) => void parked.push((payload as { token: string }).token) },
});

describe("executions", () => {
  it("returns the running execution again for the same name and input", async () => {
    const stateMachineArn = await createStateMachine(server.client, BY_MODE, "idempotent");
    const first = await startExecution(server.client, stateMachineArn, { mode: "wait" }, "once");
    const again = await startExecution(server.client, stateMachineArn, { mode: "wait" }, "once");
    expect(again).toBe(first);

    await expect(
      startExecution(server.client, stateMachineArn, { mode: "ok" }, "once"),
    ).rejects.toBeInstanceOf(ExecutionAlreadyExists);

    const token = await waitFor(() => parked.at(-1));
    await server.client.send(new SendTaskSuccessCommand({ taskToken: token, output: "{}" }));
    await waitForEnd(server.client, first);
    // As on AWS, a name whose execution has ended cannot be started again.
    await expect(
      startExecution(server.client, stateMachineArn, { mode: "wait" }, "once"),
    ).rejects.toBeInstanceOf(ExecutionAlreadyExists);
  });

  it("names executions with a UUID when no name is given", async () => {
    const stateMachineArn = await createStateMachine(server.client, PASS);
    const executionArn = await startExecution(server.client, stateMachineArn);
    expect(executionArn.split(":").at(-1)).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/,
    );
    expect(executionArn).toContain(":execution:");
  });

  it("refuses input that is not JSON with InvalidExecutionInput", async () => {
    const stateMachineArn = await createStateMachine(server.client, PASS);
    await expect(
      server.client.send(new StartExecutionCommand({ stateMachineArn, input: "{oops" })),
    ).rejects.toBeInstanceOf(InvalidExecutionInput);
  });

  it("lists executions newest first, filtered by status and paged", async () => {
    const stateMachineArn = await createStateMachine(server.client, BY_MODE, "listing");
    const ok = await startExecution(server.client, stateMachineArn, { mode: "ok" });
    const failed = await startExecution(server.client, stateMachineArn, { mode: "fail" });
    const waiting = await startExecution(server.client, stateMachineArn, { mode: "wait" });
    await waitForEnd(server.client, ok);
    await waitForEnd(server.client, failed);

    const list = async (statusFilter?: "RUNNING" | "SUCCEEDED" | "FAILED") => {
      const answer = await server.client.send(
        new ListExecutionsCommand({ stateMachineArn, statusFilter }),
      );
      return answer.executions?.map((execution) => execution.executionArn);
    };
    expect(await list()).toEqual([waiting, failed, ok]);
    expect(await list("RUNNING")).toEqual([waiting]);
    expect(await list("SUCCEEDED")).toEqual([ok]);
    expect(await list("FAILED")).toEqual([failed]);

    const firstPage = await server.client.send(
      new ListExecutionsCommand({ stateMachineArn, maxResults: 2 }),
    );
    expect(firstPage.executions?.map((execution) => execution.executionArn)).toEqual([
      waiting,
      failed,
    ]);
    const secondPage = await server.client.send(
      new ListExecutionsCommand({ stateMachineArn, maxResults: 2, nextToken: firstPage.nextToken }),
    );
    expect(secondPage.executions?.map((execution) => execution.executionArn)).toEqual([ok]);
    expect(secondPage.nextToken).toBeUndefined();

    const described = await server.client.send(
      new DescribeExecutionCommand({ executionArn: failed }),
    );
    expect(described).toMatchObject({
      status: "FAILED",
      error: "Mode.Failed",
      cause: "asked to fail",
      input: JSON.stringify({ mode: "fail" }),
    });
    expect(described.stopDate).toBeInstanceOf(Date);
  });

  it("pages the history and reverses it on request", async () => {
    const stateMachineArn = await createStateMachine(server.client, BY_MODE);
    const executionArn = await startExecution(server.client, stateMachineArn, { mode: "ok" });
    await waitForEnd(server.client, executionArn);

    const all = await server.client.send(new GetExecutionHistoryCommand({ executionArn }));
    const types = all.events?.map((event) => event.type);
    expect(types).toEqual([
      "ExecutionStarted",
      "ChoiceStateEntered",
      "ChoiceStateExited",
      "SucceedStateEntered",
      "SucceedStateExited",
      "ExecutionSucceeded",
    ]);
    const page = await server.client.send(
      new GetExecutionHistoryCommand({ executionArn, maxResults: 4, reverseOrder: true }),
    );
    expect(page.events?.map((event) => event.id)).toEqual([6, 5, 4, 3]);
    const rest = await server.client.send(
      new GetExecutionHistoryCommand({
        executionArn,
        maxResults: 4,
        reverseOrder: true,
        nextToken: page.nextToken,
      }),
    );
    expect(rest.events?.map((event) => event.id)).toEqual([2, 1]);
    expect(all.events?.[0]?.timestamp).toBeInstanceOf(Date);
  });
});

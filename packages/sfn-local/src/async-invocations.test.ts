import { DescribeExecutionCommand, StopExecutionCommand } from "@aws-sdk/client-sfn";
import { beforeEach, describe, expect, it } from "vitest";
import {
  createStateMachine,
  historyOf,
  startExecution,
  useTestServer,
  waitFor,
  waitForEnd,
} from "./test-support.ts";

interface LogEntry {
  level: "debug" | "error";
  message: string;
  error: unknown;
}

const logged: LogEntry[] = [];
const tokens: string[] = [];

const server = useTestServer({
  functions: {
    // Refuses the request the way signoff's request-approval does, quoting the token it got.
    refuse: (payload) => {
      const { token } = payload as { token?: string };
      if (token) tokens.push(token);
      throw Object.assign(new Error(`cannot accept token ${token}`), {
        name: "Approval.InvalidRequest",
      });
    },
    accept: () => ({ ok: true }),
  },
  log: (level, message, error) => void logged.push({ level, message, error }),
});

beforeEach(() => {
  logged.length = 0;
});

function asynchronousTask(functionName: string, resource: string) {
  return {
    StartAt: "Ask",
    States: {
      Ask: {
        Type: "Task",
        Resource: resource,
        Parameters: {
          FunctionName: functionName,
          InvocationType: "Event",
          Payload: resource.endsWith(".waitForTaskToken") ? { "token.$": "$$.Task.Token" } : {},
        },
        End: true,
      },
    },
  };
}

function errorsAbout(functionName: string): LogEntry[] {
  return logged.filter((entry) => entry.level === "error" && entry.message.includes(functionName));
}

describe("an asynchronous (InvocationType Event) Lambda invocation", () => {
  it("logs a failure at error level, naming the function and the error but not the token", async () => {
    const definition = asynchronousTask(
      "refuse",
      "arn:aws:states:::lambda:invoke.waitForTaskToken",
    );
    const stateMachineArn = await createStateMachine(server.client, definition, "async");
    const seen = tokens.length;
    const executionArn = await startExecution(server.client, stateMachineArn);
    const token = await waitFor(() => tokens[seen], 5000, "the function to be called");

    const [entry] = await waitFor(() => {
      const errors = errorsAbout("refuse");
      return errors.length > 0 ? errors : undefined;
    });
    expect(entry?.message).toContain("Approval.InvalidRequest");
    expect(entry?.message).toContain(executionArn);
    for (const { message, error } of logged) {
      expect(`${message} ${String(error)} ${JSON.stringify(error ?? null)}`).not.toContain(token);
    }

    // As on AWS the task learns nothing of it: Lambda accepted the event, the task waits.
    const described = await server.client.send(new DescribeExecutionCommand({ executionArn }));
    expect(described.status).toBe("RUNNING");
    const types = (await historyOf(server.client, executionArn)).map((event) => event.type);
    expect(types).toContain("TaskSubmitted");
    await server.client.send(new StopExecutionCommand({ executionArn }));
    expect((await waitForEnd(server.client, executionArn)).status).toBe("ABORTED");
  });

  it("logs the failure of a plain lambda:invoke too, whose task has already succeeded", async () => {
    const definition = asynchronousTask("refuse", "arn:aws:states:::lambda:invoke");
    const stateMachineArn = await createStateMachine(server.client, definition, "async");
    const executionArn = await startExecution(server.client, stateMachineArn);

    const ended = await waitForEnd(server.client, executionArn);
    expect(ended.status).toBe("SUCCEEDED");
    expect(JSON.parse(ended.output ?? "null")).toMatchObject({ StatusCode: 202 });
    await waitFor(() => (errorsAbout("refuse").length > 0 ? true : undefined));
  });

  it("logs nothing at error level when the function succeeds", async () => {
    const definition = asynchronousTask("accept", "arn:aws:states:::lambda:invoke");
    const stateMachineArn = await createStateMachine(server.client, definition, "async");
    const executionArn = await startExecution(server.client, stateMachineArn);

    expect((await waitForEnd(server.client, executionArn)).status).toBe("SUCCEEDED");
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(logged.filter((entry) => entry.level === "error")).toEqual([]);
  });
});

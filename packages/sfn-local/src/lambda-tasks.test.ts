import { describe, expect, it } from "vitest";
import {
  createStateMachine,
  historyOf,
  startExecution,
  useTestServer,
  waitForEnd,
} from "./test-support.ts";

const FUNCTION_ARN = "arn:aws:lambda:us-east-1:123456789012:function";

const contexts: unknown[] = [];

const server = useTestServer({
  functions: {
    greet: (payload, context) => {
      contexts.push(context);
      return { greeting: `hello ${(payload as { name: string }).name}` };
    },
  },
});

async function run(definition: object, input: unknown) {
  const stateMachineArn = await createStateMachine(server.client, definition, "lambda");
  const executionArn = await startExecution(server.client, stateMachineArn, input);
  return { executionArn, ended: await waitForEnd(server.client, executionArn) };
}

describe("Lambda tasks", () => {
  it("wraps lambda:invoke results the way the AWS integration does", async () => {
    const { ended } = await run(
      {
        StartAt: "Greet",
        States: {
          Greet: {
            Type: "Task",
            Resource: "arn:aws:states:::lambda:invoke",
            Parameters: { FunctionName: "greet:live", "Payload.$": "$" },
            End: true,
          },
        },
      },
      { name: "ana" },
    );

    expect(ended.status).toBe("SUCCEEDED");
    const output = JSON.parse(ended.output ?? "null");
    expect(output).toMatchObject({
      ExecutedVersion: "$LATEST",
      Payload: { greeting: "hello ana" },
      StatusCode: 200,
      SdkHttpMetadata: { HttpStatusCode: 200 },
      SdkResponseMetadata: { RequestId: expect.any(String) },
    });
    expect(contexts.at(-1)).toEqual({ functionName: "greet", qualifier: "live" });
  });

  it("returns a plain Lambda ARN task's result directly and records Lambda events", async () => {
    const { executionArn, ended } = await run(
      {
        StartAt: "Greet",
        States: { Greet: { Type: "Task", Resource: `${FUNCTION_ARN}:greet`, End: true } },
      },
      { name: "bo" },
    );

    expect(ended.output).toBe('{"greeting":"hello bo"}');
    const events = await historyOf(server.client, executionArn);
    expect(events.map((event) => event.type)).toEqual([
      "ExecutionStarted",
      "TaskStateEntered",
      "LambdaFunctionScheduled",
      "LambdaFunctionStarted",
      "LambdaFunctionSucceeded",
      "TaskStateExited",
      "ExecutionSucceeded",
    ]);
    expect(events[2]?.lambdaFunctionScheduledEventDetails).toMatchObject({
      resource: `${FUNCTION_ARN}:greet`,
      input: '{"name":"bo"}',
    });
  });

  it("fails with Lambda.ResourceNotFoundException for an unregistered function, which Catch can handle", async () => {
    const { executionArn, ended } = await run(
      {
        StartAt: "Missing",
        States: {
          Missing: {
            Type: "Task",
            Resource: "arn:aws:states:::lambda:invoke",
            Parameters: { FunctionName: `${FUNCTION_ARN}:nobody:prod`, Payload: {} },
            Catch: [{ ErrorEquals: ["Lambda.ResourceNotFoundException"], Next: "Handled" }],
            End: true,
          },
          Handled: { Type: "Pass", End: true },
        },
      },
      {},
    );

    expect(ended.status).toBe("SUCCEEDED");
    const caught = JSON.parse(ended.output ?? "null");
    expect(caught.Error).toBe("Lambda.ResourceNotFoundException");
    expect(caught.Cause).toContain(`${FUNCTION_ARN}:nobody:prod`);
    const failed = (await historyOf(server.client, executionArn)).find(
      (event) => event.type === "TaskFailed",
    );
    expect(failed?.taskFailedEventDetails?.error).toBe("Lambda.ResourceNotFoundException");
  });
});

import {
  DescribeExecutionCommand,
  SendTaskFailureCommand,
  SendTaskSuccessCommand,
  type SFNClient,
  TaskTimedOut,
} from "@aws-sdk/client-sfn";
import { afterEach, describe, expect, it } from "vitest";
import { startSfnLocal } from "./index.ts";
import {
  createStateMachine,
  historyOf,
  startExecution,
  startTestServer,
  type TestServer,
  waitFor,
  waitForEnd,
} from "./test-support.ts";
import type { SfnFaultKind, SfnLocalFaults } from "./types.ts";

const WAIT_FOR_TOKEN = {
  StartAt: "Wait",
  States: {
    Wait: {
      Type: "Task",
      Resource: "arn:aws:states:::lambda:invoke.waitForTaskToken",
      Parameters: { FunctionName: "park", Payload: { "token.$": "$$.Task.Token" } },
      End: true,
    },
  },
};

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

/** A server whose faults are `faults`, and an execution waiting on a task token. */
async function startWaiting(faults: SfnLocalFaults) {
  const tokens: string[] = [];
  server = await startTestServer({
    faults,
    functions: { park: (payload) => void tokens.push((payload as { token: string }).token) },
  });
  const { client } = server;
  const stateMachineArn = await createStateMachine(client, WAIT_FOR_TOKEN, "faults");
  const executionArn = await startExecution(client, stateMachineArn);
  const token = await waitFor(() => tokens[0], 5000, "the task token");
  return { client, executionArn, token };
}

async function statusOf(client: SFNClient, executionArn: string) {
  return (await client.send(new DescribeExecutionCommand({ executionArn }))).status;
}

function succeed(client: SFNClient, token: string) {
  return client.send(new SendTaskSuccessCommand({ taskToken: token, output: '{"ok":true}' }));
}

/** What the SDK threw, reduced to what the tests compare. */
async function failureOf(call: Promise<unknown>) {
  const error = (await call.then(
    () => undefined,
    (e: unknown) => e,
  )) as { name?: string; code?: string; $metadata?: { httpStatusCode?: number } } | undefined;
  if (error === undefined) throw new Error("expected the call to fail");
  return { name: error.name, code: error.code, status: error.$metadata?.httpStatusCode };
}

const always = (kind: SfnFaultKind): SfnLocalFaults => ({ probability: 1, kinds: [kind] });

describe("fault injection", () => {
  it("throttles a callback with HTTP 400 ThrottlingException and leaves the task waiting", async () => {
    const faults = always("throttling");
    const { client, executionArn, token } = await startWaiting(faults);

    expect(await failureOf(succeed(client, token))).toMatchObject({
      name: "ThrottlingException",
      status: 400,
    });
    expect(await statusOf(client, executionArn)).toBe("RUNNING");

    // The probability is read on every request: turned off, the same call goes through.
    faults.probability = 0;
    await succeed(client, token);
    expect((await waitForEnd(client, executionArn)).status).toBe("SUCCEEDED");
  });

  it("answers a 500 or 503 for the 5xx kind and leaves the task waiting", async () => {
    const faults = always("5xx");
    const { client, executionArn, token } = await startWaiting(faults);

    const seen = new Set<string>();
    for (let i = 0; i < 12; i++) {
      const failure = await failureOf(
        client.send(new SendTaskFailureCommand({ taskToken: token, error: "E" })),
      );
      seen.add(`${failure.status} ${failure.name}`);
    }
    expect([...seen].sort()).toEqual(["500 InternalServerError", "503 ServiceUnavailable"]);
    expect(await statusOf(client, executionArn)).toBe("RUNNING");
  });

  it("resets the connection before the call takes effect for the reset kind", async () => {
    const { client, executionArn, token } = await startWaiting(always("reset"));

    const failure = await failureOf(succeed(client, token));
    expect(failure.status).toBeUndefined();
    expect(failure.code).toBe("ECONNRESET");
    expect(await statusOf(client, executionArn)).toBe("RUNNING");
    expect((await historyOf(client, executionArn)).map((e) => e.type)).not.toContain(
      "TaskSucceeded",
    );
  });

  it("lets the call take effect and then resets the connection for a lost response, so a retry finds the task closed", async () => {
    const faults = always("lost-response");
    const { client, executionArn, token } = await startWaiting(faults);

    const failure = await failureOf(succeed(client, token));
    expect(failure.code).toBe("ECONNRESET");
    const end = await waitForEnd(client, executionArn);
    expect(end).toMatchObject({ status: "SUCCEEDED", output: '{"ok":true}' });

    faults.probability = 0;
    await expect(succeed(client, token)).rejects.toBeInstanceOf(TaskTimedOut);
    const closing = (await historyOf(client, executionArn)).filter((e) =>
      ["TaskSucceeded", "TaskFailed"].includes(e.type ?? ""),
    );
    expect(closing).toHaveLength(1);
  });

  it("faults only SendTaskSuccess and SendTaskFailure unless told otherwise, and reports each fault", async () => {
    const reported: Array<{ operation: string; kind: SfnFaultKind }> = [];
    const faults: SfnLocalFaults = {
      probability: 1,
      kinds: ["throttling"],
      onFault: (fault) => reported.push(fault),
    };
    const { client, executionArn, token } = await startWaiting(faults);

    // CreateStateMachine, StartExecution and DescribeExecution went through above and here.
    expect(await statusOf(client, executionArn)).toBe("RUNNING");
    await expect(succeed(client, token)).rejects.toThrow();
    expect(reported).toEqual([{ operation: "SendTaskSuccess", kind: "throttling" }]);

    faults.operations = ["DescribeExecution"];
    await expect(statusOf(client, executionArn)).rejects.toThrow();
    expect(reported.at(-1)).toEqual({ operation: "DescribeExecution", kind: "throttling" });
  });

  it("faults about the given share of requests, choosing among the given kinds", async () => {
    let seed = 42;
    // A small LCG, so the run is the same every time.
    const random = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const counts: Record<string, number> = {};
    const faults: SfnLocalFaults = {
      probability: 0.3,
      kinds: ["throttling", "5xx"],
      operations: ["DescribeExecution"],
      random,
      onFault: ({ kind }) => {
        counts[kind] = (counts[kind] ?? 0) + 1;
      },
    };
    const { client, executionArn } = await startWaiting(faults);

    let failed = 0;
    for (let i = 0; i < 300; i++) {
      failed += await statusOf(client, executionArn).then(
        () => 0,
        () => 1,
      );
    }
    expect(failed).toBe((counts.throttling ?? 0) + (counts["5xx"] ?? 0));
    expect(failed).toBeGreaterThan(60);
    expect(failed).toBeLessThan(120);
    expect(counts.throttling).toBeGreaterThan(0);
    expect(counts["5xx"]).toBeGreaterThan(0);
  });

  it("refuses fault options it cannot apply, naming the field", async () => {
    await expect(startSfnLocal({ port: 0, faults: { probability: 1.5 } })).rejects.toThrow(
      "faults.probability must be a number from 0 to 1",
    );
    await expect(
      startSfnLocal({ port: 0, faults: { probability: 0.5, kinds: [] } }),
    ).rejects.toThrow("faults.kinds must not be empty");
    await expect(
      startSfnLocal({
        port: 0,
        faults: { probability: 0.5, kinds: ["throttling", "meteor" as SfnFaultKind] },
      }),
    ).rejects.toThrow('faults.kinds has "meteor"');
    await expect(
      startSfnLocal({ port: 0, faults: { probability: 0.5, operations: ["SendTaskSucess"] } }),
    ).rejects.toThrow('faults.operations has "SendTaskSucess"');
  });
});

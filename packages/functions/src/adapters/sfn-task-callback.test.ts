/**
 * sfn-local has not landed yet, so these tests answer the real SDK client from a small
 * awsJson1_0 server that replies the way Step Functions does (HTTP 400 `{"__type": ...}`),
 * which also covers the SDK's own error deserialization. Swap in sfn-local when it exists.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { SFNClient } from "@aws-sdk/client-sfn";
import type { TaskCallback } from "@signoff/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TEST_AWS } from "../test-support/emulators.ts";
import { TaskCallbackError } from "./errors.ts";
import { createSfnTaskCallback } from "./sfn-task-callback.ts";

interface Reply {
  status: number;
  body: Record<string, unknown>;
}

interface Received {
  operation: string;
  input: Record<string, unknown>;
}

// A token shaped like AWS's, so a leak would be unmistakable.
const TOKEN = `AQCEAAAAKgAAAAMAAAAAAAAAA${"x7Kq".repeat(150)}`;

let server: Server;
let client: SFNClient;
let callback: TaskCallback;
let reply: Reply = { status: 200, body: {} };
const received: Received[] = [];

beforeAll(async () => {
  server = createServer((request, response) => {
    let body = "";
    request.on("data", (chunk) => {
      body += chunk;
    });
    request.on("end", () => {
      const target = String(request.headers["x-amz-target"] ?? "");
      received.push({
        operation: target.replace("AWSStepFunctions.", ""),
        input: JSON.parse(body),
      });
      response.writeHead(reply.status, { "content-type": "application/x-amz-json-1.0" });
      response.end(JSON.stringify(reply.body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  // One attempt: the SDK's own retries would only slow the retryable cases down.
  client = new SFNClient({ ...TEST_AWS, endpoint: `http://127.0.0.1:${port}`, maxAttempts: 1 });
  callback = createSfnTaskCallback({ client });
});

afterAll(async () => {
  client?.destroy();
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve));
});

function awsError(type: string, status = 400): Reply {
  // AWS error messages can quote the request; this one quotes the token to prove it is dropped.
  return { status, body: { __type: type, message: `Task token ${TOKEN} is no good` } };
}

describe("SFN task callback", () => {
  it("sends success, failure and heartbeat with the token and payload", async () => {
    reply = { status: 200, body: {} };
    received.length = 0;
    expect(await callback.sendSuccess(TOKEN, '{"outcome":"approved"}')).toEqual({ ok: true });
    expect(
      await callback.sendFailure(TOKEN, "Approval.Rejected", '{"outcome":"rejected"}'),
    ).toEqual({
      ok: true,
    });
    expect(await callback.sendHeartbeat(TOKEN)).toEqual({ ok: true });
    expect(received).toEqual([
      {
        operation: "SendTaskSuccess",
        input: { taskToken: TOKEN, output: '{"outcome":"approved"}' },
      },
      {
        operation: "SendTaskFailure",
        input: { taskToken: TOKEN, error: "Approval.Rejected", cause: '{"outcome":"rejected"}' },
      },
      { operation: "SendTaskHeartbeat", input: { taskToken: TOKEN } },
    ]);
  });

  it.each([
    ["TaskTimedOut", "task-timed-out"],
    ["TaskDoesNotExist", "task-does-not-exist"],
    ["InvalidToken", "invalid-token"],
    ["InvalidOutput", "invalid-output"],
  ] as const)("maps %s to %s with a message that names the error only", async (type, reason) => {
    reply = awsError(type);
    const result = await callback.sendSuccess(TOKEN, "{}");
    expect(result).toMatchObject({ ok: false, reason });
    expect(!result.ok && result.message.startsWith(`${type}: `)).toBe(true);
    expect(JSON.stringify(result)).not.toContain(TOKEN.slice(0, 40));
    expect(JSON.stringify(result)).not.toContain("is no good");
  });

  it.each([
    ["ThrottlingException", 400],
    ["ServiceUnavailable", 503],
    ["InternalFailure", 500],
  ])("treats %s (HTTP %i) as retryable", async (type, status) => {
    reply = awsError(type, status);
    const result = await callback.sendFailure(TOKEN, "Approval.TimedOut", "{}");
    expect(result).toMatchObject({ ok: false, reason: "retryable" });
    expect(JSON.stringify(result)).not.toContain(TOKEN.slice(0, 40));
  });

  it("treats an unreachable endpoint as retryable", async () => {
    const offline = new SFNClient({ ...TEST_AWS, endpoint: "http://127.0.0.1:9", maxAttempts: 1 });
    const result = await createSfnTaskCallback({ client: offline }).sendHeartbeat(TOKEN);
    offline.destroy();
    expect(result).toMatchObject({ ok: false, reason: "retryable" });
    expect(!result.ok && result.message).toMatch(/^ECONNREFUSED: /);
  });

  it("throws an unexpected AWS error without its message or cause", async () => {
    reply = awsError("AccessDeniedException");
    const error = await callback.sendSuccess(TOKEN, "{}").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TaskCallbackError);
    expect(error).toMatchObject({ awsError: "AccessDeniedException", httpStatus: 400 });
    expect((error as Error).cause).toBeUndefined();
    expect(String((error as Error).message)).not.toContain(TOKEN.slice(0, 40));
  });
});

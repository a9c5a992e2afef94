/**
 * The metrics the Lambda entry points publish, read from what Powertools actually writes to
 * stdout (EMF), for real flows over dynalite, the SES emulator and sfn-local.
 */
import { randomUUID } from "node:crypto";
import type { LambdaEvent } from "hono/aws-lambda";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createCancelRuntime } from "./cancel-runtime.ts";
import { createApiHandler } from "./handlers/api.ts";
import { createCancelHandler, EXECUTION_STATUS_CHANGE } from "./handlers/cancel.ts";
import { createRequestApprovalHandler } from "./handlers/request-approval.ts";
import { createSweeper } from "./handlers/sweeper.ts";
import { createPowertoolsMetrics, METRICS_NAMESPACE } from "./metrics.ts";
import type { Runtime } from "./runtime.ts";
import { captureEmf, type EmfCapture, sumOf } from "./test-support/capture-emf.ts";
import { failMailTo } from "./test-support/fault-injection.ts";
import { type OidcIssuer, startOidcIssuer } from "./test-support/oidc-issuer.ts";
import { createTestRuntime } from "./test-support/runtime-fixture.ts";
import { unknownTaskToken } from "./test-support/sfn-emulator.ts";
import { useEmulators } from "./test-support/use-emulators.ts";

const emulators = useEmulators();
const start = Date.parse("2026-03-01T12:00:00.000Z");

let issuer: OidcIssuer;
let emf: EmfCapture;
let time: number;
let tableName: string;
/** Unique per test: the SES store is shared by the whole process. */
let subject: string;

beforeAll(async () => {
  issuer = await startOidcIssuer();
});
afterAll(async () => {
  await issuer?.stop();
});
beforeEach(async () => {
  time = start;
  subject = `Deploy ${randomUUID()}`;
  tableName = await emulators.dynamo.createTable();
  emf = captureEmf();
});
afterEach(() => {
  emf.stop();
});

/** A runtime as a Lambda container builds it, publishing with Powertools as `service`. */
function lambdaRuntime(service: string, sfn: "emulator" | "unreachable" = "emulator"): Runtime {
  const runtime = createTestRuntime({
    dynamo: emulators.dynamo,
    ses: emulators.ses,
    tableName,
    ...(sfn === "emulator" && { sfnEndpoint: emulators.sfn.endpoint }),
    clock: () => new Date(time),
    metrics: createPowertoolsMetrics({ serviceName: service }),
  });
  return { ...runtime, config: { ...runtime.config, apiAuth: issuer.auth } };
}

async function requestVia(runtime: Runtime, fields: Record<string, unknown> = {}) {
  const task = await emulators.sfn.startWaitingTask();
  const response = await createRequestApprovalHandler(runtime)({
    taskToken: task.token,
    approvers: ["ann@example.com", "bob@example.com"],
    subject,
    timeoutSeconds: 600,
    executionArn: task.executionArn,
    ...fields,
  });
  return { ...response, executionArn: task.executionArn };
}

/**
 * An API Gateway v2 (payload format 2.0) request, as the HTTP API hands it to the function. A
 * route without an authorizer has no `authorizer` field, which hono's type nonetheless requires.
 */
function httpEvent(
  method: string,
  path: string,
  headers: Record<string, string>,
  body?: string,
): LambdaEvent {
  const event = {
    version: "2.0",
    routeKey: "$default",
    rawPath: path,
    rawQueryString: "",
    headers: { host: "a1b2c3d4e5.execute-api.us-east-1.amazonaws.com", ...headers },
    requestContext: {
      accountId: "123456789012",
      apiId: "a1b2c3d4e5",
      domainName: "a1b2c3d4e5.execute-api.us-east-1.amazonaws.com",
      domainPrefix: "a1b2c3d4e5",
      http: { method, path, protocol: "HTTP/1.1", sourceIp: "203.0.113.7", userAgent: "test" },
      requestId: randomUUID(),
      routeKey: "$default",
      stage: "$default",
      time: new Date().toUTCString(),
      timeEpoch: Date.now(),
    },
    body: body ?? null,
    isBase64Encoded: false,
  };
  return event as unknown as LambdaEvent;
}

async function decideVia(runtime: Runtime, approvalId: string, email: string, decision: string) {
  const token = await issuer.token(email);
  const event = httpEvent(
    "POST",
    `/v1/approvals/${approvalId}/decisions`,
    { authorization: `Bearer ${token}`, "content-type": "application/json" },
    JSON.stringify({ decision }),
  );
  return createApiHandler(runtime)(event);
}

describe("the metrics the handlers publish", () => {
  it("request-approval counts a new approval once, in namespace signoff by service", async () => {
    const runtime = lambdaRuntime("signoff-request-approval");
    const task = await emulators.sfn.startWaitingTask();
    const payload = { taskToken: task.token, approvers: ["ann@example.com"], subject };
    await createRequestApprovalHandler(runtime)(payload);
    // Step Functions or Lambda retrying the invocation finds the same approval: no new count.
    await createRequestApprovalHandler(runtime)(payload);

    const requested = emf.values("ApprovalsRequested");
    expect(requested).toEqual([
      {
        namespace: METRICS_NAMESPACE,
        unit: "Count",
        dimensions: { service: "signoff-request-approval" },
        value: 1,
      },
    ]);
  });

  it("a decided approval emits ApprovalsDecided by outcome and DecisionLatency from the request", async () => {
    const runtime = lambdaRuntime("signoff-api");
    const approved = await requestVia(runtime, { approvers: ["ann@example.com"] });
    time += 90_000;
    const response = await decideVia(runtime, approved.approvalId, "ann@example.com", "approve");
    expect(response.statusCode).toBe(201);

    const rejected = await requestVia(runtime, { approvers: ["bob@example.com"] });
    time += 30_000;
    await decideVia(runtime, rejected.approvalId, "bob@example.com", "reject");

    expect(emf.values("ApprovalsDecided")).toEqual([
      expect.objectContaining({ dimensions: { service: "signoff-api", outcome: "approved" } }),
      expect.objectContaining({ dimensions: { service: "signoff-api", outcome: "rejected" } }),
    ]);
    expect(sumOf(emf.values("ApprovalsDecided"))).toBe(2);
    const latencies = emf.values("DecisionLatency");
    expect(latencies.map(({ value, unit }) => ({ value, unit }))).toEqual([
      { value: 90_000, unit: "Milliseconds" },
      { value: 30_000, unit: "Milliseconds" },
    ]);
    expect(latencies[0]?.dimensions).toEqual({ service: "signoff-api" });
  });

  it("a decision that settles nothing emits neither", async () => {
    const runtime = lambdaRuntime("signoff-api");
    const { approvalId } = await requestVia(runtime, { policy: { required: 2 } });
    await decideVia(runtime, approvalId, "ann@example.com", "approve");
    expect(emf.values("ApprovalsDecided")).toEqual([]);
    expect(emf.values("DecisionLatency")).toEqual([]);
  });

  it("an API request that records nothing writes nothing, not even Powertools' warning", async () => {
    const runtime = lambdaRuntime("signoff-api");
    const response = await createApiHandler(runtime)(httpEvent("GET", "/health", {}));
    expect(response.statusCode).toBe(200);
    expect(emf.blobs()).toEqual([]);
    expect(emf.otherLines().filter((line) => line.includes("metrics"))).toEqual([]);
  });

  it("the sweeper reports an expiry, how late the due work was, and callback retries", async () => {
    // Step Functions unreachable: the deadline's callback fails and waits for a retry.
    const runtime = lambdaRuntime("signoff-sweeper", "unreachable");
    const sweep = createSweeper(runtime);
    const { approvalId } = await createRequestApprovalHandler(runtime)({
      taskToken: unknownTaskToken(),
      approvers: ["ann@example.com"],
      subject,
      timeoutSeconds: 60,
    });
    emf.stop();
    emf = captureEmf();

    // 1. Swept 5 s after the deadline: expired, 5 s late, nothing waiting for a callback yet.
    time = start + 65_000;
    expect(await sweep()).toMatchObject({ expired: 1, lagSeconds: 5 });
    expect(sumOf(emf.values("ApprovalsExpired"))).toBe(1);
    expect(emf.values("SweeperLag")).toEqual([
      expect.objectContaining({ unit: "Seconds", value: 5 }),
    ]);
    expect(emf.values("OldestPendingCallbackAge")).toEqual([expect.objectContaining({ value: 0 })]);
    expect(emf.values("CallbacksRetried")).toEqual([]);

    // 2. The retry is due 30 s after the outcome; swept 2 s after that.
    time = start + 65_000 + 32_000;
    expect(await sweep()).toMatchObject({ callbacksRetried: 1 });
    expect(sumOf(emf.values("CallbacksRetried"))).toBe(1);
    expect(emf.values("SweeperLag").at(-1)?.value).toBe(2);
    expect(emf.values("OldestPendingCallbackAge").at(-1)).toMatchObject({
      unit: "Seconds",
      value: 32,
      dimensions: { service: "signoff-sweeper" },
    });
    expect((await runtime.deps.store.get(approvalId))?.callbackAttempts).toBe(2);
  });

  it("an idle sweep still reports a lag of 0, so an alarm on it can tell a sweeper ran", async () => {
    await createSweeper(lambdaRuntime("signoff-sweeper"))();
    expect(emf.values("SweeperLag")).toEqual([expect.objectContaining({ value: 0 })]);
  });

  it("cancel, on its keyless runtime, counts the approvals it cancelled", async () => {
    const runtime = lambdaRuntime("signoff-api");
    const { approvalId, executionArn } = await requestVia(runtime);
    await emulators.sfn.stopExecution(executionArn);
    const cancelRuntime = createCancelRuntime(
      { tableName, sender: "signoff@example.com" },
      {
        clients: { dynamo: emulators.dynamo.documentClient, ses: emulators.ses.client },
        log: () => {},
        metrics: createPowertoolsMetrics({ serviceName: "signoff-cancel" }),
      },
    );
    const response = await createCancelHandler(cancelRuntime)({
      version: "0",
      id: randomUUID(),
      "detail-type": EXECUTION_STATUS_CHANGE,
      source: "aws.states",
      account: "123456789012",
      time: new Date(time).toISOString(),
      region: "us-east-1",
      resources: [executionArn],
      detail: { executionArn, status: "ABORTED" },
    });
    expect(response).toMatchObject({ cancelled: [approvalId] });
    expect(emf.values("ApprovalsCancelled")).toEqual([
      expect.objectContaining({ dimensions: { service: "signoff-cancel" }, value: 1 }),
    ]);
  });

  it("publishes what an invocation recorded even when it throws: a failed email", async () => {
    const runtime = lambdaRuntime("signoff-request-approval");
    const refusing = {
      ...runtime,
      deps: { ...runtime.deps, mailer: failMailTo(runtime.deps.mailer, new Set(["bob@x.io"])) },
    };
    const handler = createRequestApprovalHandler(refusing);
    const task = await emulators.sfn.startWaitingTask();
    const payload = { taskToken: task.token, approvers: ["ann@x.io", "bob@x.io"], subject };
    await expect(handler(payload)).rejects.toMatchObject({ name: "EmailDeliveryError" });
    expect(sumOf(emf.values("ApprovalsRequested"))).toBe(1);
    expect(sumOf(emf.values("EmailsFailed"))).toBe(1);
  });

  it("a runtime built without Powertools (the local stack, tools) writes no metrics", async () => {
    const runtime = createTestRuntime({
      dynamo: emulators.dynamo,
      ses: emulators.ses,
      tableName,
      sfnEndpoint: emulators.sfn.endpoint,
    });
    await requestVia(runtime);
    await createSweeper(runtime)();
    expect(emf.blobs()).toEqual([]);
  });
});

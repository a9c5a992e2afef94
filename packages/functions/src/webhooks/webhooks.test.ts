/**
 * Signed webhooks end to end over the production adapters: DynamoDB on dynalite, SES on its
 * emulator, Step Functions on sfn-local (a real execution waits on every approval's token), and a
 * receiver on 127.0.0.1 that verifies each message with the `standardwebhooks` library.
 */
import { randomUUID } from "node:crypto";
import { QueryCommand } from "@aws-sdk/lib-dynamodb";
import {
  cancelApproval,
  decide,
  type FlowDeps,
  type NewApprovalInput,
  replayWebhooks,
  requestApproval,
  sweepDue,
  verifyAuditChain,
  type WebhookDelivery,
} from "@signoff/core";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { approvalPartition } from "../adapters/dynamo-approval-item.ts";
import { createTestRuntime } from "../test-support/runtime-fixture.ts";
import type { WaitingTask } from "../test-support/sfn-emulator.ts";
import { useEmulators } from "../test-support/use-emulators.ts";
import {
  createWebhookSecret,
  startWebhookReceiver,
  type WebhookReceiver,
} from "../test-support/webhook-receiver.ts";

const emulators = useEmulators();

let time: number;
let tableName: string;
let task: WaitingTask;
let receiver: WebhookReceiver;
let secret: string;
let deps: FlowDeps;
let logs: { level: string; message: string; fields: Record<string, unknown> }[];
let metrics: string[];

/** A closed port: nothing listens, so every POST fails at once. */
const DOWN_URL = "http://127.0.0.1:9/hooks";

async function setUp(urls: (receiver: WebhookReceiver) => string[]) {
  // Real time: the receiver's library refuses timestamps more than 5 minutes from its clock.
  time = Date.now();
  logs = [];
  metrics = [];
  secret = createWebhookSecret();
  [tableName, task, receiver] = await Promise.all([
    emulators.dynamo.createTable(),
    emulators.sfn.startWaitingTask(),
    startWebhookReceiver(secret),
  ]);
  const runtime = createTestRuntime({
    dynamo: emulators.dynamo,
    ses: emulators.ses,
    tableName,
    sfnEndpoint: emulators.sfn.endpoint,
    clock: () => new Date(time),
    log: (level, message, fields) => logs.push({ level, message, fields }),
    metrics: {
      record: (name) => {
        metrics.push(name);
      },
      publish: () => {},
    },
    webhooks: { secret, urls: urls(receiver), allowLoopbackHttp: true },
  });
  deps = runtime.deps;
  // Short retries, so a test walks through them in seconds of its own clock.
  deps.webhooks = { ...deps.webhooks!, retry: { maxAttempts: 3, delaysMs: [1_000, 2_000] } };
}

afterEach(async () => {
  await receiver?.stop();
});

function request(overrides: Partial<NewApprovalInput> = {}): NewApprovalInput {
  return {
    taskToken: task.token,
    approvers: ["ann@x.io", "bob@x.io"],
    subject: `Deploy ${randomUUID()}`,
    timeoutSeconds: 3600,
    policy: { required: 2 },
    context: {},
    ...overrides,
  };
}

async function requested(overrides: Partial<NewApprovalInput> = {}): Promise<string> {
  const result = await requestApproval(deps, request(overrides));
  if (!result.ok) throw new Error(result.message);
  return result.approvalId;
}

/** Sweeps at the current test time until a run has nothing left to do (at most `runs`). */
async function sweepUntilIdle(runs = 5) {
  for (let run = 0; run < runs; run++) {
    const stats = await sweepDue(deps, { limit: 100, now: new Date(time) });
    if (stats.due === 0) return;
  }
}

/** Every outbox item of the approval, as stored. */
async function outbox(approvalId: string): Promise<(WebhookDelivery & { sk: string })[]> {
  const { Items } = await emulators.dynamo.documentClient.send(
    new QueryCommand({
      TableName: tableName,
      KeyConditionExpression: "pk = :pk AND begins_with(sk, :wh)",
      ExpressionAttributeValues: { ":pk": approvalPartition(approvalId), ":wh": "WH#" },
      ConsistentRead: true,
    }),
  );
  return (Items ?? []) as (WebhookDelivery & { sk: string })[];
}

/** Invariants of every message received: signed right, about this approval, never the token. */
function expectWellFormed(approvalId: string) {
  for (const message of receiver.received) {
    expect(message.verified).toBe(true);
    expect(message.signature).toMatch(/^v1,[A-Za-z0-9+/]+=*$/);
    expect(message.id).toMatch(new RegExp(`^msg_${approvalId}_\\d+$`));
    expect(message.message.data.approvalId).toBe(approvalId);
    expect(message.body).not.toContain(task.token);
    expect(message.body).not.toContain("tokenCiphertext");
  }
}

describe("signed webhooks", () => {
  beforeEach(() => setUp((r) => [r.url]));

  it("sends requested, decided, decided and settled, in order, each signed, and the task hears the outcome", async () => {
    const approvalId = await requested();
    await sweepUntilIdle();
    expect(receiver.received.map((m) => m.message.type)).toEqual(["approval.requested"]);
    expect(receiver.received[0]!.message.data).toMatchObject({
      status: "PENDING",
      approvers: ["ann@x.io", "bob@x.io"],
      required: 2,
    });

    const first = await decide(deps, {
      approvalId,
      approver: "ann@x.io",
      decision: "approve",
      channel: "api",
    });
    expect(first.ok && first.callback).toBeUndefined();
    await sweepUntilIdle();
    // A decision that settles nothing is sent by the next sweep, not held until the outcome.
    expect(receiver.received.map((m) => m.message.type)).toEqual([
      "approval.requested",
      "approval.decided",
    ]);
    const second = await decide(deps, {
      approvalId,
      approver: "bob@x.io",
      decision: "approve",
      comment: "ship it",
      channel: "api",
    });
    expect(second.ok && second.callback?.status).toBe("delivered");
    await sweepUntilIdle();

    expect(receiver.received.map((m) => m.message.type)).toEqual([
      "approval.requested",
      "approval.decided",
      "approval.decided",
      "approval.settled",
    ]);
    expectWellFormed(approvalId);
    expect(receiver.received[2]!.message.data).toMatchObject({
      approver: "bob@x.io",
      decision: "approve",
      comment: "ship it",
      channel: "api",
    });
    expect(receiver.received[3]!.message.data).toMatchObject({
      status: "APPROVED",
      reason: "quorum",
      decisions: [
        { approver: "ann@x.io", decision: "approve" },
        { approver: "bob@x.io", decision: "approve", comment: "ship it" },
      ],
    });
    // Each message once, each under its own id; all delivered and out of the due index.
    expect(new Set(receiver.received.map((m) => m.id)).size).toBe(4);
    const items = await outbox(approvalId);
    expect(items.map((item) => item.state)).toEqual([
      "DELIVERED",
      "DELIVERED",
      "DELIVERED",
      "DELIVERED",
    ]);
    expect(items.every((item) => item.dueAt === undefined && !("dueKey" in item))).toBe(true);
    expect(await emulators.sfn.waitForEnd(task.executionArn)).toMatchObject({
      status: "SUCCEEDED",
    });
    expect(metrics.filter((name) => name === "WebhooksDelivered")).toHaveLength(4);
  });

  it("retries a receiver that answers 500 under the same webhook-id and body, until it answers 2xx", async () => {
    const approvalId = await requested();
    receiver.answer(500);
    await sweepUntilIdle();
    expect(receiver.received.map((m) => m.status)).toEqual([500]);
    const [item] = await outbox(approvalId);
    expect(item).toMatchObject({ state: "PENDING", attempts: 1, lastError: "url 0: HTTP 500" });

    // Not before its retry time...
    await sweepUntilIdle();
    expect(receiver.received).toHaveLength(1);
    // ...and then once.
    time += 1_000;
    await sweepUntilIdle();
    expect(receiver.received.map((m) => m.status)).toEqual([500, 204]);
    const [a, b] = receiver.received;
    expect(b!.id).toBe(a!.id);
    expect(b!.body).toBe(a!.body);
    expectWellFormed(approvalId);
    expect((await outbox(approvalId))[0]).toMatchObject({ state: "DELIVERED", attempts: 2 });
    time += 60_000;
    await sweepUntilIdle();
    expect(receiver.received).toHaveLength(2);
  });

  it("sends cancelled when the execution ends", async () => {
    const approvalId = await requested();
    const result = await cancelApproval(deps, approvalId, {
      reason: "execution-ended",
      executionStatus: "ABORTED",
    });
    expect(result.cancelled).toBe(true);
    await sweepUntilIdle();
    const types = receiver.received.map((m) => m.message.type);
    // The request's message was not yet queued when the approval was cancelled: it still goes.
    expect(types).toContain("approval.cancelled");
    expect(types.at(-1)).toBe("approval.cancelled");
    expect(receiver.received.at(-1)!.message.data).toMatchObject({
      status: "CANCELLED",
      reason: "execution-ended",
      executionStatus: "ABORTED",
    });
    expectWellFormed(approvalId);
  });

  it("sends settled when the deadline decides", async () => {
    const approvalId = await requested({ timeoutSeconds: 60, onTimeout: "reject" });
    await sweepUntilIdle();
    time += 61_000;
    receiver.received.length = 0;
    await sweepUntilIdle();
    expect(receiver.received.map((m) => m.message.type)).toEqual(["approval.settled"]);
    expect(receiver.received[0]!.message.data).toMatchObject({
      status: "REJECTED",
      reason: "timeout",
    });
    expect(receiver.received[0]!.id).toMatch(new RegExp(`^msg_${approvalId}_`));
  });
});

describe("a receiver that is down", () => {
  beforeEach(() => setUp(() => [DOWN_URL]));

  it("delays and fails no decision and no callback; the message is retried, then given up and recorded", async () => {
    const approvalId = await requested({ approvers: ["ann@x.io"], policy: { required: 1 } });
    const started = Date.now();
    const result = await decide(deps, {
      approvalId,
      approver: "ann@x.io",
      decision: "approve",
      channel: "api",
    });
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(result.ok && result.callback?.status).toBe("delivered");
    expect(await emulators.sfn.waitForEnd(task.executionArn)).toMatchObject({
      status: "SUCCEEDED",
    });

    // Three attempts (1 s, then 2 s apart), then it gives up: logged, counted, audited.
    for (let step = 0; step < 4; step++) {
      await sweepUntilIdle();
      time += 2_000;
    }
    const items = await outbox(approvalId);
    expect(items.map((item) => item.state)).toEqual(["GAVE_UP", "GAVE_UP", "GAVE_UP"]);
    expect(items.every((item) => item.attempts === 3 && item.dueAt === undefined)).toBe(true);
    expect(metrics.filter((name) => name === "WebhooksGaveUp")).toHaveLength(3);
    expect(logs.filter((line) => line.message === "webhook gave up")).toHaveLength(3);
    const events = await deps.store.listEvents(approvalId);
    expect(events.filter((event) => event.type === "webhook-failed")).toHaveLength(3);
    expect(JSON.stringify(logs)).not.toContain(task.token);
    const stored = await deps.store.get(approvalId);
    expect(stored).toMatchObject({ status: "APPROVED", callback: "DELIVERED" });
  });
});

describe("replaying given-up messages", () => {
  beforeEach(() => setUp((r) => [r.url]));

  it("puts each given-up message back once; the sweeper sends the same bytes under the same webhook-id", async () => {
    // 3 messages (requested, decided, settled) × 3 attempts, all answered 500: all give up.
    receiver.answer(...Array.from({ length: 9 }, () => 500));
    const approvalId = await requested({ approvers: ["ann@x.io"], policy: { required: 1 } });
    await decide(deps, { approvalId, approver: "ann@x.io", decision: "approve", channel: "api" });
    for (let step = 0; step < 4; step++) {
      await sweepUntilIdle();
      time += 2_000;
    }
    const gaveUp = await deps.webhooks!.outbox.listWebhooks(approvalId);
    expect(gaveUp.map((d) => [d.type, d.state])).toEqual([
      ["approval.requested", "GAVE_UP"],
      ["approval.decided", "GAVE_UP"],
      ["approval.settled", "GAVE_UP"],
    ]);
    expect(receiver.received.map((r) => r.status)).toEqual(Array.from({ length: 9 }, () => 500));

    const replay = await replayWebhooks(deps, { approvalId, actor: "ops@x.io" });
    expect(replay).toEqual({ ok: true, requeued: gaveUp.map((d) => d.webhookId) });
    // Requeued once: a second replay (a double click) finds nothing given up.
    expect(await replayWebhooks(deps, { approvalId, actor: "ops@x.io" })).toEqual({
      ok: true,
      requeued: [],
    });

    await sweepUntilIdle();
    const after = await deps.webhooks!.outbox.listWebhooks(approvalId);
    expect(after.map((d) => [d.state, d.attempts, d.replays])).toEqual([
      ["DELIVERED", 1, 1],
      ["DELIVERED", 1, 1],
      ["DELIVERED", 1, 1],
    ]);
    const delivered = receiver.received.filter((r) => r.status === 204);
    expect(delivered.map((r) => r.id).sort()).toEqual(gaveUp.map((d) => d.webhookId).sort());
    for (const message of delivered) {
      const first = receiver.received.find((r) => r.id === message.id)!;
      expect(message.body).toBe(first.body);
    }
    expectWellFormed(approvalId);
    const events = await deps.store.listEvents(approvalId);
    expect(
      events.filter((e) => e.type === "webhook-replayed").map((e) => [e.actor, e.data?.webhookId]),
    ).toEqual(gaveUp.map((d) => ["ops@x.io", d.webhookId]));
    expect(verifyAuditChain(events)).toEqual({ ok: true, count: events.length });

    // Nothing given up now; and where webhooks are off there is nothing to replay.
    expect(await replayWebhooks(deps, { approvalId, actor: "ops@x.io" })).toEqual({
      ok: true,
      requeued: [],
    });
    delete deps.webhooks;
    expect(await replayWebhooks(deps, { approvalId, actor: "ops@x.io" })).toEqual({
      ok: false,
      reason: "webhooks-off",
    });
  });
});

describe("webhook URLs in a request", () => {
  beforeEach(() => setUp((r) => [r.url]));

  it("adds the request's URLs to the deployment's, and refuses unsafe ones as invalid requests", async () => {
    const second = await startWebhookReceiver(secret);
    try {
      const approvalId = await requested({ webhooks: [second.url] });
      expect((await deps.store.get(approvalId))?.webhookUrls).toEqual([receiver.url, second.url]);
      await sweepUntilIdle();
      expect(receiver.received.map((m) => m.message.type)).toEqual(["approval.requested"]);
      expect(second.received.map((m) => m.message.type)).toEqual(["approval.requested"]);
      expect(second.received[0]!.verified).toBe(true);
    } finally {
      await second.stop();
    }
    for (const [url, message] of [
      ["http://hooks.example.com/x", "must be https://"],
      ["https://169.254.169.254/latest/meta-data", "link-local, private or metadata"],
      ["https://10.0.0.8/hook", "link-local, private or metadata"],
      ["https://[fd00:ec2::254]/hook", "link-local, private or metadata"],
      ["https://user:pw@hooks.example.com/x", "credentials"],
      ["not a url", "absolute URL"],
    ] as const) {
      const result = await requestApproval(
        deps,
        request({ taskToken: `t-${randomUUID()}`, webhooks: [url] }),
      );
      expect(result).toMatchObject({ ok: false, field: "webhooks[0]" });
      expect(!result.ok && result.message).toContain(message);
    }
  });

  it("refuses request URLs where webhooks are off, and queues nothing for approvals without URLs", async () => {
    delete deps.webhooks;
    const refused = await requestApproval(
      deps,
      request({ webhooks: ["https://hooks.example.com/x"] }),
    );
    expect(refused).toMatchObject({
      ok: false,
      field: "webhooks",
      message: expect.stringContaining("not enabled"),
    });
    const approvalId = await requested();
    await decide(deps, { approvalId, approver: "ann@x.io", decision: "approve", channel: "api" });
    await sweepUntilIdle();
    expect(await outbox(approvalId)).toEqual([]);
    expect(receiver.received).toEqual([]);
  });
});

/**
 * The domain flows over the production adapters: DynamoDB on dynalite, SES on its emulator, and
 * Step Functions on sfn-local, where a real execution waits on every approval's task token.
 * Faults no emulator produces on demand (SES refusing one recipient, a throttled or dropped
 * callback, a store write throwing) are injected by wrapping the real port.
 */
import { randomUUID } from "node:crypto";
import { QueryCommand, ScanCommand } from "@aws-sdk/lib-dynamodb";
import {
  type ApprovalStore,
  decide,
  decideByLink,
  deliverCallback,
  EmailDeliveryError,
  type FlowDeps,
  type NewApprovalInput,
  RequestUndeliverableError,
  requestApproval,
  sweepDue,
  viewApproval,
} from "@signoff/core";
import { beforeEach, describe, expect, it } from "vitest";
import { approvalPartition } from "./adapters/dynamo-approval-item.ts";
import { failMailTo, injectCallbackFaults } from "./test-support/fault-injection.ts";
import { createTestRuntime, findLinks } from "./test-support/runtime-fixture.ts";
import { unknownTaskToken, type WaitingTask } from "./test-support/sfn-emulator.ts";
import { useEmulators } from "./test-support/use-emulators.ts";

const PUBLIC_URL = "https://approve.example.com";
const start = Date.parse("2026-03-01T12:00:00.000Z");

const emulators = useEmulators();

let time: number;
let tableName: string;
/** The execution waiting on this test's approval. */
let task: WaitingTask;
/** Unique per test: the SES store is shared by the whole process. */
let subject: string;
let logs: unknown[];
let store: ApprovalStore;
let deps: FlowDeps;

beforeEach(async () => {
  time = start;
  logs = [];
  subject = `Deploy ${randomUUID()}`;
  // A table per test, as sweepDue reads every due item in it.
  [tableName, task] = await Promise.all([
    emulators.dynamo.createTable(),
    emulators.sfn.startWaitingTask(),
  ]);
  const runtime = createTestRuntime({
    dynamo: emulators.dynamo,
    ses: emulators.ses,
    tableName,
    sfnEndpoint: emulators.sfn.endpoint,
    publicUrl: PUBLIC_URL,
    clock: () => new Date(time),
    log: (level, message, fields) => logs.push({ level, message, fields }),
  });
  store = runtime.deps.store;
  deps = { ...runtime.deps };
});

function request(overrides: Partial<NewApprovalInput> = {}): NewApprovalInput {
  return {
    taskToken: task.token,
    approvers: ["ann@x.io", "bob@x.io", "cat@x.io"],
    subject,
    timeoutSeconds: 3600,
    context: {},
    ...overrides,
  };
}

async function requested(overrides: Partial<NewApprovalInput> = {}): Promise<string> {
  const result = await requestApproval(deps, request(overrides));
  if (!result.ok) throw new Error(result.message);
  return result.approvalId;
}

/** This test's mail, as SES accepted it, oldest first. */
async function sentMail() {
  return (await emulators.ses.readMail()).filter((message) => message.subject.includes(subject));
}

/** Everyone mailed so far, sorted: one invocation sends its emails at once, in no set order. */
async function recipients(): Promise<string[]> {
  return (await sentMail()).flatMap((message) => message.destination.to).sort();
}

async function linkFor(to: string, action: "approve" | "reject" = "approve"): Promise<string> {
  const links = findLinks(await emulators.ses.readMail(), to, subject);
  return links[action].slice(`${PUBLIC_URL}/a/`.length);
}

async function confirmPage(to: string, action: "approve" | "reject") {
  const linkToken = await linkFor(to, action);
  const page = await viewApproval(deps, linkToken, { recordView: true });
  if (page.kind !== "confirm") throw new Error(`expected a confirm page, got ${page.kind}`);
  return { linkToken, formNonce: page.formNonce };
}

async function decideViaPage(to: string, decision: "approve" | "reject", comment?: string) {
  const form = await confirmPage(to, decision);
  return decideByLink(
    deps,
    comment === undefined ? { ...form, decision } : { ...form, decision, comment },
  );
}

/** The callbacks Step Functions accepted for an execution, from its history. */
async function callbacksReceived(executionArn: string) {
  return (await emulators.sfn.history(executionArn)).filter(
    (event) => event.type === "TaskSucceeded" || event.type === "TaskFailed",
  );
}

describe("requestApproval", () => {
  it("stores the approval and emails every approver an approve and a reject link", async () => {
    const result = await requestApproval(deps, request());
    expect(result).toMatchObject({ ok: true, created: true });
    if (!result.ok) throw new Error(result.message);
    expect(await recipients()).toEqual(["ann@x.io", "bob@x.io", "cat@x.io"]);
    const mail = await sentMail();
    for (const to of ["ann@x.io", "bob@x.io", "cat@x.io"]) {
      const { approve, reject } = findLinks(mail, to, subject);
      expect(approve).toMatch(/^https:\/\/approve\.example\.com\/a\/[\w-]+\.[\w-]+\.[\w-]+$/);
      expect(reject).toMatch(/^https:\/\/approve\.example\.com\/a\/[\w-]+\.[\w-]+\.[\w-]+$/);
    }
    const stored = await store.get(result.approvalId);
    expect(stored?.tokenCiphertext).toBeTruthy();
    expect(JSON.stringify(mail)).not.toContain(stored?.tokenCiphertext);
    const events = await store.listEvents(result.approvalId);
    expect(events.map((e) => e.type)).toEqual(["requested", "emailed", "emailed", "emailed"]);
  });

  it("sends nothing when invoked again with the same token", async () => {
    await requested();
    const again = await requestApproval(deps, request());
    expect(again).toMatchObject({ ok: true, created: false, emailed: [] });
    expect(await sentMail()).toHaveLength(3);
  });

  it("emails everyone it can, throws for the rest, and a retry emails only those", async () => {
    const refused = new Set(["bob@x.io"]);
    deps.mailer = failMailTo(deps.mailer, refused);
    await expect(requestApproval(deps, request())).rejects.toThrow(EmailDeliveryError);
    expect(await recipients()).toEqual(["ann@x.io", "cat@x.io"]);
    refused.clear();
    const retry = await requestApproval(deps, request());
    expect(retry).toMatchObject({ ok: true, created: false, emailed: ["bob@x.io"] });
    expect(await recipients()).toEqual(["ann@x.io", "bob@x.io", "cat@x.io"]);
  });

  it("gives up on the last attempt: cancels the approval and fails the task with Approval.DeliveryFailed", async () => {
    deps.mailer = failMailTo(deps.mailer, new Set(["bob@x.io"]));
    // Lambda's first try of an asynchronous invocation and its two retries.
    for (let attempt = 1; attempt <= 2; attempt++) {
      await expect(requestApproval(deps, request())).rejects.toThrow(EmailDeliveryError);
      expect(await emulators.sfn.describeExecution(task.executionArn)).toMatchObject({
        status: "RUNNING",
      });
    }
    const last = requestApproval(deps, request());
    await expect(last).rejects.toThrow(RequestUndeliverableError);
    await expect(last).rejects.toMatchObject({
      name: "Approval.DeliveryFailed",
      undelivered: ["bob@x.io"],
    });
    const end = await emulators.sfn.waitForEnd(task.executionArn);
    expect(end).toMatchObject({ status: "FAILED", error: "Approval.DeliveryFailed" });
    expect(JSON.parse(end.cause!)).toMatchObject({
      outcome: "undeliverable",
      undelivered: ["bob@x.io"],
    });
    const [stored] = (
      await emulators.dynamo.documentClient.send(new ScanCommand({ TableName: tableName }))
    ).Items!.filter((item) => item.sk === "APPROVAL");
    expect(stored).toMatchObject({
      status: "CANCELLED",
      outcome: { reason: "undeliverable", undelivered: ["bob@x.io"] },
      callback: "DELIVERED",
      requestAttempts: 3,
    });
    // Each address was mailed at most once per attempt that could reach it.
    expect(await recipients()).toEqual(["ann@x.io", "cat@x.io"]);
    expect(await callbacksReceived(task.executionArn)).toHaveLength(1);
  });

  it("stops at the configured number of attempts", async () => {
    deps.mailer = failMailTo(deps.mailer, new Set(["ann@x.io", "bob@x.io", "cat@x.io"]));
    deps.requestMaxAttempts = 1;
    await expect(requestApproval(deps, request())).rejects.toThrow(RequestUndeliverableError);
    expect(await emulators.sfn.waitForEnd(task.executionArn)).toMatchObject({
      error: "Approval.DeliveryFailed",
    });
  });

  it("returns an invalid request as a value naming the field", async () => {
    const result = await requestApproval(deps, request({ policy: { required: 4 } }));
    expect(result).toMatchObject({
      ok: false,
      reason: "invalid-request",
      field: "policy.required",
    });
    const { Items: items } = await emulators.dynamo.documentClient.send(
      new ScanCommand({ TableName: tableName }),
    );
    expect(items).toEqual([]);
    expect(await sentMail()).toEqual([]);
  });
});

describe("viewApproval", () => {
  it("shows a confirmation page and changes nothing, however often it is opened", async () => {
    const id = await requested();
    const link = await linkFor("ann@x.io");
    for (let i = 0; i < 3; i++) {
      const page = await viewApproval(deps, link, { recordView: i === 0 });
      expect(page).toMatchObject({ kind: "confirm", approver: "ann@x.io", action: "approve" });
    }
    const approval = await store.get(id);
    expect(approval).toMatchObject({ status: "PENDING", decisions: {} });
    const views = (await store.listEvents(id)).filter((e) => e.type === "viewed");
    expect(views).toHaveLength(1);
  });

  it("audits one view per approver per ten minutes, however often links are opened", async () => {
    const id = await requested();
    const ann = await linkFor("ann@x.io");
    const annReject = await linkFor("ann@x.io", "reject");
    const bob = await linkFor("bob@x.io");
    const views = async () =>
      (await store.listEvents(id)).filter((e) => e.type === "viewed").map((e) => e.actor);
    for (let i = 0; i < 20; i++) {
      await viewApproval(deps, i % 2 === 0 ? ann : annReject, { recordView: true });
    }
    await viewApproval(deps, bob, { recordView: true });
    expect(await views()).toEqual(["ann@x.io", "bob@x.io"]);
    time = start + 9 * 60_000;
    await viewApproval(deps, ann, { recordView: true });
    expect(await views()).toHaveLength(2);
    time = start + 10 * 60_000;
    await viewApproval(deps, ann, { recordView: true });
    expect(await views()).toEqual(["ann@x.io", "bob@x.io", "ann@x.io"]);
  });

  it("shows invalid for a tampered link and expired after the deadline", async () => {
    await requested();
    const link = await linkFor("ann@x.io");
    expect(await viewApproval(deps, `${link}x`, { recordView: false })).toEqual({
      kind: "invalid",
    });
    time = start + 3600_000;
    expect(await viewApproval(deps, link, { recordView: false })).toMatchObject({
      kind: "expired",
    });
  });

  it("does not offer the requester their own approval", async () => {
    await requested({ requestedBy: "ann@x.io" });
    const page = await viewApproval(deps, await linkFor("ann@x.io"), { recordView: false });
    expect(page).toMatchObject({ kind: "confirm", canApprove: false });
  });
});

describe("decide", () => {
  it("settles 1-of-1 and tells the task, exactly once", async () => {
    const id = await requested({ approvers: ["ann@x.io"] });
    const form = await confirmPage("ann@x.io", "approve");
    const result = await decideByLink(deps, { ...form, decision: "approve", comment: "lgtm" });
    expect(result).toMatchObject({
      ok: true,
      approval: { status: "APPROVED" },
      callback: { status: "delivered", attempt: 1 },
    });
    const execution = await emulators.sfn.waitForEnd(task.executionArn);
    expect(execution.status).toBe("SUCCEEDED");
    expect(JSON.parse(execution.output!)).toMatchObject({
      approvalId: id,
      outcome: "approved",
      decisions: [{ approver: "ann@x.io", decision: "approve", comment: "lgtm", channel: "link" }],
    });
    const delivered = await store.get(id);
    expect(delivered).toMatchObject({ callback: "DELIVERED", callbackAttempts: 1 });
    expect(delivered?.dueAt).toBeUndefined();

    // A double-clicked or replayed POST, with the same form, shows the recorded decision.
    const replay = await decideByLink(deps, { ...form, decision: "approve" });
    expect(replay).toMatchObject({ ok: false, reason: "already-decided" });
    // Every send is claimed first, so one claimed attempt means one call to Step Functions.
    expect(await store.get(id)).toMatchObject({ callbackAttempts: 1 });
    expect(await callbacksReceived(task.executionArn)).toHaveLength(1);
    expect(await viewApproval(deps, form.linkToken, { recordView: false })).toMatchObject({
      kind: "decided",
      decision: { approver: "ann@x.io", decision: "approve" },
    });
  });

  it("sends Approval.Rejected on a rejection", async () => {
    await requested();
    await decideViaPage("bob@x.io", "reject", "no");
    expect(await emulators.sfn.waitForEnd(task.executionArn)).toMatchObject({
      status: "FAILED",
      error: "Approval.Rejected",
    });
    expect(await callbacksReceived(task.executionArn)).toEqual([
      expect.objectContaining({
        type: "TaskFailed",
        taskFailedEventDetails: expect.objectContaining({ error: "Approval.Rejected" }),
      }),
    ]);
  });

  it("settles a 2-of-3 quorum reached by two simultaneous approvals", async () => {
    const id = await requested({ policy: { required: 2 } });
    const [a, b] = await Promise.all([
      decide(deps, { approvalId: id, approver: "ann@x.io", decision: "approve", channel: "api" }),
      decide(deps, { approvalId: id, approver: "cat@x.io", decision: "approve", channel: "api" }),
    ]);
    expect(a.ok && b.ok).toBe(true);
    expect(await store.get(id)).toMatchObject({
      status: "APPROVED",
      callback: "DELIVERED",
      callbackAttempts: 1,
    });
    expect((await emulators.sfn.waitForEnd(task.executionArn)).status).toBe("SUCCEEDED");
    expect(await callbacksReceived(task.executionArn)).toHaveLength(1);
  });

  it("refuses the requester's own approval and strangers", async () => {
    const id = await requested({ requestedBy: "ann@x.io" });
    const own = await decide(deps, {
      approvalId: id,
      approver: "ann@x.io",
      decision: "approve",
      channel: "api",
    });
    expect(own).toMatchObject({ ok: false, reason: "self-approval" });
    const stranger = await decide(deps, {
      approvalId: id,
      approver: "eve@x.io",
      decision: "approve",
      channel: "api",
    });
    expect(stranger).toEqual({ ok: false, reason: "not-an-approver" });
  });

  it("refuses a form nonce from another link", async () => {
    await requested();
    const page = await viewApproval(deps, await linkFor("bob@x.io"), { recordView: false });
    if (page.kind !== "confirm") throw new Error(page.kind);
    const result = await decideByLink(deps, {
      linkToken: await linkFor("ann@x.io"),
      formNonce: page.formNonce,
      decision: "approve",
    });
    expect(result).toEqual({ ok: false, reason: "invalid-form" });
  });
});

describe("deliverCallback", () => {
  it("retries a failed callback with backoff through the sweeper", async () => {
    const id = await requested({ approvers: ["ann@x.io"] });
    deps.callback = injectCallbackFaults(deps.callback, ["throttled"]).callback;
    const result = await decideViaPage("ann@x.io", "approve");
    expect(result).toMatchObject({ ok: true, callback: { status: "retry-scheduled", attempt: 1 } });
    expect(await store.get(id)).toMatchObject({ callback: "PENDING", dueAt: start + 30_000 });
    expect(await emulators.sfn.describeExecution(task.executionArn)).toMatchObject({
      status: "RUNNING",
    });

    expect(await sweepDue(deps, { limit: 10 })).toMatchObject({ due: 0 });
    time = start + 30_000;
    const stats = await sweepDue(deps, { limit: 10 });
    expect(stats).toMatchObject({ due: 1, callbacksRetried: 1, callbacksDelivered: 1 });
    expect(await store.get(id)).toMatchObject({ callback: "DELIVERED", callbackAttempts: 2 });
    expect((await emulators.sfn.waitForEnd(task.executionArn)).status).toBe("SUCCEEDED");
  });

  it("marks the approval EXPIRED when the task closed before the first attempt", async () => {
    const id = await requested({ approvers: ["ann@x.io"] });
    await emulators.sfn.stopExecution(task.executionArn);
    const result = await decideViaPage("ann@x.io", "approve");
    expect(result).toMatchObject({ ok: true, callback: { status: "task-closed" } });
    expect(await store.get(id)).toMatchObject({
      status: "EXPIRED",
      callback: "GAVE_UP",
      outcome: { status: "EXPIRED", reason: "task-closed" },
      callbackError: expect.stringMatching(/^task-timed-out: TaskTimedOut: /),
    });
    expect(await emulators.sfn.describeExecution(task.executionArn)).toMatchObject({
      status: "ABORTED",
    });
  });

  it("marks the approval CANCELLED when no task ever had its token", async () => {
    const id = await requested({ taskToken: unknownTaskToken(), approvers: ["ann@x.io"] });
    const result = await decideViaPage("ann@x.io", "approve");
    expect(result).toMatchObject({ ok: true, callback: { status: "task-closed" } });
    expect(await store.get(id)).toMatchObject({
      status: "CANCELLED",
      callback: "GAVE_UP",
      outcome: { status: "CANCELLED", reason: "task-closed" },
      callbackError: expect.stringMatching(/^task-does-not-exist: TaskDoesNotExist: /),
    });
  });

  it("keeps the outcome when a retry finds the task closed (an earlier attempt likely got through)", async () => {
    const id = await requested({ approvers: ["ann@x.io"] });
    deps.callback = injectCallbackFaults(deps.callback, ["response-lost"]).callback;
    const first = await decideViaPage("ann@x.io", "approve");
    expect(first).toMatchObject({ ok: true, callback: { status: "retry-scheduled", attempt: 1 } });
    // The first attempt did get through; only its answer was lost.
    expect((await emulators.sfn.waitForEnd(task.executionArn)).status).toBe("SUCCEEDED");
    time = start + 30_000;
    const retry = await deliverCallback(deps, id);
    expect(retry).toEqual({ status: "delivered", attempt: 2, ambiguous: true });
    const approval = await store.get(id);
    expect(approval).toMatchObject({ status: "APPROVED", callback: "DELIVERED" });
    expect(approval?.callbackError).toMatch(/earlier attempt/);
    expect(approval?.callbackError).toMatch(/TaskTimedOut/);
  });

  it("gives up after the last attempt", async () => {
    const id = await requested({ approvers: ["ann@x.io"] });
    deps.callbackRetry = { maxAttempts: 2 };
    deps.callback = injectCallbackFaults(deps.callback, ["throttled", "throttled"]).callback;
    await decideViaPage("ann@x.io", "approve");
    time = start + 60_000;
    expect(await deliverCallback(deps, id)).toMatchObject({ status: "gave-up", attempt: 2 });
    expect(await store.get(id)).toMatchObject({ status: "APPROVED", callback: "GAVE_UP" });
    expect(await emulators.sfn.describeExecution(task.executionArn)).toMatchObject({
      status: "RUNNING",
    });
  });
});

describe("sweepDue", () => {
  it("applies the deadline and tells the task it timed out", async () => {
    const id = await requested({ timeoutSeconds: 60 });
    time = start + 60_000;
    const stats = await sweepDue(deps, { limit: 10 });
    expect(stats).toMatchObject({ due: 1, expired: 1, callbacksDelivered: 1, failed: 0 });
    expect(await store.get(id)).toMatchObject({ status: "EXPIRED", callback: "DELIVERED" });
    expect(await emulators.sfn.waitForEnd(task.executionArn)).toMatchObject({
      status: "FAILED",
      error: "Approval.TimedOut",
    });
  });

  it("follows onTimeout approve and settles what decisions already settled", async () => {
    const autoId = await requested({ timeoutSeconds: 60, onTimeout: "approve" });
    const other = await emulators.sfn.startWaitingTask();
    const decidedId = await requested({ taskToken: other.token, approvers: ["ann@x.io"] });
    // A decision stored without the outcome it settles, as signoff could leave one before it wrote both at once
    // (it recorded and settled in two writes, and could crash in between):
    await store.commitDecision(decidedId, {
      version: 0,
      decision: {
        approver: "ann@x.io",
        decision: "reject",
        at: new Date(time).toISOString(),
        channel: "link",
      },
    });
    time = start + 3600_000;
    const stats = await sweepDue(deps, { limit: 10 });
    expect(stats).toMatchObject({ due: 2, expired: 1, settled: 1 });
    expect(await store.get(autoId)).toMatchObject({
      status: "APPROVED",
      outcome: { reason: "timeout" },
    });
    expect(await store.get(decidedId)).toMatchObject({
      status: "REJECTED",
      outcome: { reason: "rejected" },
    });
    expect((await emulators.sfn.waitForEnd(task.executionArn)).status).toBe("SUCCEEDED");
    expect(await emulators.sfn.waitForEnd(other.executionArn)).toMatchObject({
      status: "FAILED",
      error: "Approval.Rejected",
    });
  });

  it("carries on past an item that fails", async () => {
    await requested({ timeoutSeconds: 60 });
    const other = await emulators.sfn.startWaitingTask();
    await requested({ taskToken: other.token, timeoutSeconds: 60 });
    // dynalite cannot fail one write on demand, so the first settle throws here instead.
    const { settle } = store;
    let first = true;
    deps.store = {
      ...store,
      async settle(id, settlement) {
        if (first) {
          first = false;
          throw new Error("DynamoDB unavailable");
        }
        return settle(id, settlement);
      },
    };
    time = start + 60_000;
    expect(await sweepDue(deps, { limit: 10 })).toMatchObject({ due: 2, expired: 1, failed: 1 });
  });
});

describe("the task token", () => {
  it("appears in no email, event, log line or stored approval", async () => {
    const token = task.token;
    const refused = new Set(["cat@x.io"]);
    deps.mailer = failMailTo(deps.mailer, refused);
    await requestApproval(deps, request()).catch(() => undefined);
    refused.clear();
    const id = await requested();
    const faulty = injectCallbackFaults(deps.callback, ["throws", "throttled"]);
    deps.callback = faulty.callback;
    await decideViaPage("ann@x.io", "reject", "no");
    time = start + 30_000;
    await sweepDue(deps, { limit: 10 });
    // The third attempt goes through: the token handed around was the execution's real one.
    time = start + 90_000;
    await sweepDue(deps, { limit: 10 });
    expect(await emulators.sfn.waitForEnd(task.executionArn)).toMatchObject({
      status: "FAILED",
      error: "Approval.Rejected",
    });

    const { Items: items = [] } = await emulators.dynamo.documentClient.send(
      new QueryCommand({
        TableName: tableName,
        KeyConditionExpression: "pk = :pk",
        ExpressionAttributeValues: { ":pk": approvalPartition(id) },
      }),
    );
    expect(items.length).toBeGreaterThan(1);
    const everything = JSON.stringify([
      await emulators.ses.readMail(),
      await store.listEvents(id),
      logs,
      items,
    ]);
    expect(everything).not.toContain(token);
    expect(everything).not.toContain(token.slice(0, 32));
    expect(faulty.tokens).toEqual([token, token, token]);
  });
});

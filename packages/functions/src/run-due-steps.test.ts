/**
 * Reminders and escalation through `sweepDue` over the production adapters: DynamoDB on
 * dynalite, SES on its emulator, and sfn-local, where a real execution waits on the approval's
 * task token. Time is the runtime's clock, so the sweeps run at exact instants.
 */
import { randomUUID } from "node:crypto";
import {
  cancelForExecution,
  decide,
  decideByLink,
  type FlowDeps,
  type NewApprovalInput,
  requestApproval,
  type SweepStats,
  sweepDue,
  viewApproval,
} from "@signoff/core";
import { beforeEach, describe, expect, it } from "vitest";
import { createTestRuntime, findLinks, TEST_PUBLIC_URL } from "./test-support/runtime-fixture.ts";
import type { WaitingTask } from "./test-support/sfn-emulator.ts";
import { useEmulators } from "./test-support/use-emulators.ts";

const start = Date.parse("2026-03-01T12:00:00.000Z");
const SECOND = 1000;

const emulators = useEmulators();

let time: number;
let deps: FlowDeps;
let task: WaitingTask;
/** Unique per test: the SES store is shared by the whole process. */
let subject: string;

beforeEach(async () => {
  time = start;
  subject = `Deploy ${randomUUID()}`;
  // A table per test, as sweepDue reads every due item in it.
  const [tableName, waiting] = await Promise.all([
    emulators.dynamo.createTable(),
    emulators.sfn.startWaitingTask(),
  ]);
  task = waiting;
  deps = createTestRuntime({
    dynamo: emulators.dynamo,
    ses: emulators.ses,
    tableName,
    sfnEndpoint: emulators.sfn.endpoint,
    clock: () => new Date(time),
  }).deps;
});

async function requested(overrides: Partial<NewApprovalInput> = {}): Promise<string> {
  const result = await requestApproval(deps, {
    taskToken: task.token,
    approvers: ["ann@x.io", "bob@x.io"],
    subject,
    timeoutSeconds: 1000,
    context: {},
    ...overrides,
  });
  if (!result.ok) throw new Error(result.message);
  return result.approvalId;
}

/** Sweeps at `seconds` after the request. */
function sweepAt(seconds: number): Promise<SweepStats> {
  time = start + seconds * SECOND;
  return sweepDue(deps, { limit: 100 });
}

/** This test's mail whose subject starts with `prefix`, by recipient. */
async function mailTo(prefix: string): Promise<string[]> {
  return (await emulators.ses.readMail())
    .filter((mail) => mail.subject === `${prefix}: ${subject}`)
    .flatMap((mail) => mail.destination.to)
    .sort();
}

describe("reminders", () => {
  it("go to approvers who have not decided, at each point, once even when swept twice at once", async () => {
    // 2 of 3, so ann's approval leaves it pending.
    const id = await requested({
      reminders: { at: [0.5, 0.9] },
      policy: { required: 2 },
      approvers: ["ann@x.io", "bob@x.io", "cat@x.io"],
    });
    await decide(deps, {
      approvalId: id,
      approver: "ann@x.io",
      decision: "approve",
      channel: "api",
    });

    expect((await sweepAt(499)).reminded).toBe(0);
    const [first, second] = await Promise.all([sweepAt(500), sweepDue(deps, { limit: 100 })]);
    expect(first!.reminded + second!.reminded).toBe(1);
    expect((await sweepAt(500)).reminded).toBe(0);
    expect(await mailTo("Reminder: approval requested")).toEqual(["bob@x.io", "cat@x.io"]);
    expect(await deps.store.get(id)).toMatchObject({
      reminderStep: 1,
      dueAt: start + 900 * SECOND,
    });

    expect((await sweepAt(900)).reminded).toBe(1);
    expect(await mailTo("Reminder: approval requested")).toEqual([
      "bob@x.io",
      "bob@x.io",
      "cat@x.io",
      "cat@x.io",
    ]);
    const last = (await emulators.ses.readMail())
      .filter((mail) => mail.subject.startsWith("Reminder:"))
      .at(-1);
    expect(last?.body.text).toContain("Time left: 1 minute");
    expect(await deps.store.get(id)).toMatchObject({
      reminderStep: 2,
      dueAt: start + 1000 * SECOND,
    });

    const events = await deps.store.listEvents(id);
    expect(events.filter((event) => event.type === "reminded").map((event) => event.data)).toEqual([
      { step: 1, to: ["bob@x.io", "cat@x.io"], secondsLeft: 500 },
      { step: 2, to: ["bob@x.io", "cat@x.io"], secondsLeft: 100 },
    ]);
  });

  it("send one reminder for the latest missed point when the sweeper runs late", async () => {
    const approvalId = await requested({
      reminders: { everySeconds: 300 },
      timeoutSeconds: 3000,
    });
    expect((await sweepAt(1350)).reminded).toBe(1);
    expect(await mailTo("Reminder: approval requested")).toEqual(["ann@x.io", "bob@x.io"]);
    expect(await deps.store.get(approvalId)).toMatchObject({
      reminderStep: 4,
      dueAt: start + 1500 * SECOND,
    });
    // The last point before the deadline is 2700 s; the deadline itself settles, not reminds.
    expect((await sweepAt(3000)).expired).toBe(1);
    expect(await mailTo("Reminder: approval requested")).toHaveLength(2);
  });

  it("skip the requester, who may not approve their own request", async () => {
    await requested({
      requestedBy: "ann@x.io",
      approvers: ["ann@x.io", "bob@x.io"],
      reminders: { at: [0.5] },
    });
    await sweepAt(600);
    expect(await mailTo("Reminder: approval requested")).toEqual(["bob@x.io"]);
  });
});

describe("escalation", () => {
  it("adds the approvers once, tells them why, and their decision completes the execution", async () => {
    const approvalId = await requested({
      approvers: ["ann@x.io"],
      escalation: { afterSeconds: 300, to: ["lead@x.io", "ann@x.io"] },
    });
    expect((await sweepAt(299)).escalated).toBe(0);
    const [first, second] = await Promise.all([sweepAt(300), sweepDue(deps, { limit: 100 })]);
    expect(first!.escalated + second!.escalated).toBe(1);
    expect((await sweepAt(301)).escalated).toBe(0);

    expect(await mailTo("Escalated: approval requested")).toEqual(["lead@x.io"]);
    const mail = (await emulators.ses.readMail()).find((m) => m.subject.startsWith("Escalated:"));
    expect(mail?.body.text).toContain("Nobody had settled it 5 minutes after it was requested");
    expect(await deps.store.get(approvalId)).toMatchObject({
      approvers: ["ann@x.io", "lead@x.io"],
      escalatedAt: new Date(start + 300 * SECOND).toISOString(),
      dueAt: start + 1000 * SECOND,
    });

    // lead decides through the escalation email's link, and the waiting task hears.
    const links = findLinks(
      await emulators.ses.readMail(),
      "lead@x.io",
      `Escalated: approval requested: ${subject}`,
    );
    const linkToken = links.approve.slice(`${TEST_PUBLIC_URL}/a/`.length);
    const page = await viewApproval(deps, linkToken, { recordView: true });
    if (page.kind !== "confirm") throw new Error(`expected a confirm page, got ${page.kind}`);
    const decided = await decideByLink(deps, {
      linkToken,
      formNonce: page.formNonce,
      decision: "approve",
    });
    expect(decided).toMatchObject({ ok: true, approval: { status: "APPROVED" } });
    const end = await emulators.sfn.waitForEnd(task.executionArn);
    expect(end.status).toBe("SUCCEEDED");
    expect(JSON.parse(end.output ?? "{}")).toMatchObject({
      outcome: "approved",
      decisions: [{ approver: "lead@x.io", decision: "approve", channel: "link" }],
    });
  });

  it("sends the added approvers the escalation only, and everyone else the reminder due with it", async () => {
    await requested({
      approvers: ["ann@x.io", "bob@x.io"],
      reminders: { at: [0.5] },
      escalation: { afterSeconds: 500, to: ["lead@x.io"] },
    });
    const stats = await sweepAt(500);
    expect(stats).toMatchObject({ reminded: 1, escalated: 1, emailsFailed: 0 });
    expect(await mailTo("Escalated: approval requested")).toEqual(["lead@x.io"]);
    expect(await mailTo("Reminder: approval requested")).toEqual(["ann@x.io", "bob@x.io"]);
  });

  it("reminds the escalated approvers at later points, and a cancellation tells them too", async () => {
    const approvalId = await requested({
      approvers: ["ann@x.io"],
      executionArn: task.executionArn,
      reminders: { at: [0.8] },
      escalation: { afterSeconds: 100, to: ["lead@x.io"] },
    });
    await sweepAt(100);
    await sweepAt(800);
    expect(await mailTo("Reminder: approval requested")).toEqual(["ann@x.io", "lead@x.io"]);

    await emulators.sfn.stopExecution(task.executionArn);
    expect(await cancelForExecution(deps, task.executionArn, { status: "ABORTED" })).toMatchObject({
      cancelled: [approvalId],
      notified: 2,
    });
    expect(await mailTo("No longer needed")).toEqual(["ann@x.io", "lead@x.io"]);
    expect((await deps.store.get(approvalId))?.dueAt).toBeUndefined();
  });
});

describe("heartbeats", () => {
  it("keep the task alive every third of heartbeatSeconds while the approval is pending", async () => {
    const approvalId = await requested({ heartbeatSeconds: 300 });
    expect(await deps.store.get(approvalId)).toMatchObject({ dueAt: start + 100 * SECOND });
    expect((await sweepAt(99)).heartbeats).toBe(0);
    const [first, second] = await Promise.all([sweepAt(100), sweepDue(deps, { limit: 100 })]);
    expect(first!.heartbeats + second!.heartbeats).toBe(1);
    expect(await deps.store.get(approvalId)).toMatchObject({
      heartbeatAt: start + 100 * SECOND,
      dueAt: start + 200 * SECOND,
    });
    // Late by most of an interval: one heartbeat, and the next a full third later.
    expect((await sweepAt(290)).heartbeats).toBe(1);
    expect((await deps.store.get(approvalId))?.dueAt).toBe(start + 390 * SECOND);
    expect((await emulators.sfn.describeExecution(task.executionArn)).status).toBe("RUNNING");
  });

  it("cancel the approval when the task has closed, and tell the approvers", async () => {
    const approvalId = await requested({ heartbeatSeconds: 300 });
    await emulators.sfn.stopExecution(task.executionArn);
    const stats = await sweepAt(100);
    expect(stats).toMatchObject({ heartbeats: 0, cancelled: 1 });
    expect(await deps.store.get(approvalId)).toMatchObject({
      status: "CANCELLED",
      callback: "NONE",
      outcome: { reason: "task-closed" },
    });
    expect((await deps.store.get(approvalId))?.dueAt).toBeUndefined();
    expect(await mailTo("No longer needed")).toEqual(["ann@x.io", "bob@x.io"]);
    const notice = (await emulators.ses.readMail()).find(
      (m) => m.subject === `No longer needed: ${subject}`,
    );
    expect(notice?.body.text).toContain(
      "The workflow step that was waiting for your approval has already closed",
    );
  });
});

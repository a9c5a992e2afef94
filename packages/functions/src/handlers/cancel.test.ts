/**
 * The cancel function on its own runtime (no keyring, no Step Functions client) over the
 * production adapters: dynalite, the SES emulator, and sfn-local, where a real execution waits on
 * each approval's task token and is really stopped.
 */
import { randomUUID } from "node:crypto";
import { type FlowDeps, requestApproval, viewApproval } from "@signoff/core";
import { beforeEach, describe, expect, it } from "vitest";
import { type CancelRuntime, createCancelRuntime } from "../cancel-runtime.ts";
import { createTestRuntime, findLinks } from "../test-support/runtime-fixture.ts";
import type { WaitingTask } from "../test-support/sfn-emulator.ts";
import { useEmulators } from "../test-support/use-emulators.ts";
import {
  createCancelHandler,
  EXECUTION_STATUS_CHANGE,
  type ExecutionStatusChangeEvent,
} from "./cancel.ts";

const emulators = useEmulators();

/** The full runtime's deps, for requesting and reading approvals. */
let deps: FlowDeps;
let cancelRuntime: CancelRuntime;
let cancel: ReturnType<typeof createCancelHandler>;
let task: WaitingTask;
/** Unique per test: the SES store is shared by the whole process. */
let subject: string;

beforeEach(async () => {
  subject = `Deploy ${randomUUID()}`;
  const [tableName, waiting] = await Promise.all([
    emulators.dynamo.createTable(),
    emulators.sfn.startWaitingTask(),
  ]);
  task = waiting;
  const runtime = createTestRuntime({
    dynamo: emulators.dynamo,
    ses: emulators.ses,
    tableName,
    sfnEndpoint: emulators.sfn.endpoint,
  });
  deps = runtime.deps;
  // As the Lambda builds it: the table and the sender, nothing else configured.
  cancelRuntime = createCancelRuntime(
    { tableName, sender: "signoff@example.com" },
    {
      clients: { dynamo: emulators.dynamo.documentClient, ses: emulators.ses.client },
      log: () => {},
    },
  );
  cancel = createCancelHandler(cancelRuntime);
});

/** The event EventBridge delivers for `status`, shaped as AWS sends it (only `detail` trimmed). */
function statusChange(
  status: string,
  executionArn = task.executionArn,
): ExecutionStatusChangeEvent {
  return {
    version: "0",
    id: randomUUID(),
    "detail-type": EXECUTION_STATUS_CHANGE,
    source: "aws.states",
    account: "123456789012",
    time: "2026-03-01T12:00:00Z",
    region: "us-east-1",
    resources: [executionArn],
    detail: {
      executionArn,
      stateMachineArn: "arn:aws:states:us-east-1:123456789012:stateMachine:signoff-flows",
      status,
    },
  };
}

/** Requests an approval for the current task, naming its execution. */
async function request(fields: { approvers?: string[] } = {}) {
  const result = await requestApproval(deps, {
    taskToken: task.token,
    approvers: fields.approvers ?? ["ann@example.com", "bob@example.com"],
    subject,
    timeoutSeconds: 3600,
    context: {},
    executionArn: task.executionArn,
  });
  if (!result.ok) throw new Error(result.message);
  return result.approvalId;
}

async function mailAbout(what: string) {
  return (await emulators.ses.readMail()).filter((mail) => mail.subject === `${what}: ${subject}`);
}

describe("the cancel handler", () => {
  it("runs on a runtime that holds no key, no link signer and no Step Functions callback", () => {
    expect(Object.keys(cancelRuntime.deps).sort()).toEqual([
      "clock",
      "log",
      "mailer",
      "metrics",
      "store",
    ]);
  });

  it("cancels the stopped execution's approval and tells each approver once", async () => {
    const approvalId = await request();
    const links = findLinks(await emulators.ses.readMail(), "ann@example.com", subject);
    await emulators.sfn.stopExecution(task.executionArn);

    const response = await cancel(statusChange("ABORTED"));
    expect(response).toEqual({
      executionArn: task.executionArn,
      status: "ABORTED",
      cancelled: [approvalId],
      notified: 2,
      notifyFailed: 0,
      skipped: 0,
    });
    const approval = await deps.store.get(approvalId);
    expect(approval).toMatchObject({
      status: "CANCELLED",
      callback: "NONE",
      outcome: { status: "CANCELLED", reason: "execution-ended" },
    });
    expect(approval?.dueAt).toBeUndefined();

    const notices = await mailAbout("No longer needed");
    expect(notices.map((mail) => mail.destination.to).sort()).toEqual([
      ["ann@example.com"],
      ["bob@example.com"],
    ]);
    expect(notices[0]?.body.text).toContain("was stopped before anyone decided");

    // The earlier links now say so, and EventBridge delivering the event again changes nothing.
    const page = await viewApproval(deps, links.approve.split("/a/")[1]!, { recordView: false });
    expect(page.kind).toBe("cancelled");
    expect(await cancel(statusChange("ABORTED"))).toMatchObject({ cancelled: [], notified: 0 });
    expect(await mailAbout("No longer needed")).toHaveLength(2);

    const events = await deps.store.listEvents(approvalId);
    expect(events.filter((event) => event.type === "cancelled")).toEqual([
      expect.objectContaining({ data: { reason: "execution-ended", executionStatus: "ABORTED" } }),
    ]);
  });

  it("acts on TIMED_OUT and FAILED as on ABORTED", async () => {
    const approvalId = await request();
    expect(await cancel(statusChange("TIMED_OUT"))).toMatchObject({ cancelled: [approvalId] });

    task = await emulators.sfn.startWaitingTask();
    subject = `Deploy ${randomUUID()}`;
    const failedId = await request();
    expect(await cancel(statusChange("FAILED"))).toMatchObject({ cancelled: [failedId] });
    expect((await mailAbout("No longer needed"))[0]?.body.text).toContain(
      "failed before anyone decided",
    );
  });

  it("ignores executions that are running or succeeded, and other events", async () => {
    const approvalId = await request();
    expect(await cancel(statusChange("RUNNING"))).toEqual({ ignored: true, status: "RUNNING" });
    expect(await cancel(statusChange("SUCCEEDED"))).toEqual({ ignored: true, status: "SUCCEEDED" });
    const other = { ...statusChange("ABORTED"), "detail-type": "Something Else" };
    expect(await cancel(other as unknown as ExecutionStatusChangeEvent)).toEqual({
      ignored: true,
      status: "ABORTED",
    });
    expect((await deps.store.get(approvalId))?.status).toBe("PENDING");
  });

  it("leaves decided approvals, other executions and approvals without one alone", async () => {
    const decided = await request({ approvers: ["ann@example.com"] });
    await deps.store.commitDecision(decided, {
      version: 0,
      decision: {
        approver: "ann@example.com",
        decision: "approve",
        at: new Date().toISOString(),
        channel: "link",
        seq: 1,
      },
      settlement: {
        outcome: { status: "APPROVED", reason: "quorum", at: new Date().toISOString() },
        firstAttempt: { retryAt: Date.now() + 60_000 },
      },
    });
    const other = await emulators.sfn.startWaitingTask();
    task = other;
    const elsewhere = await request();
    task = await emulators.sfn.startWaitingTask();
    const unnamed = await requestApproval(deps, {
      taskToken: task.token,
      approvers: ["ann@example.com"],
      subject,
      timeoutSeconds: 3600,
      context: {},
    });

    const response = await cancel(statusChange("ABORTED", task.executionArn));
    expect(response).toMatchObject({ cancelled: [] });
    expect((await deps.store.get(decided))?.status).toBe("APPROVED");
    expect((await deps.store.get(elsewhere))?.status).toBe("PENDING");
    expect(unnamed.ok && (await deps.store.get(unnamed.approvalId))?.status).toBe("PENDING");
  });
});

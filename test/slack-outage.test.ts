/**
 * Slack down never holds up signoff: with Slack's API unreachable, a request asking for Slack
 * still stores its approval and emails every approver, and a decision still settles it and tells
 * the task; the failures are logged, not thrown.
 */

import { randomUUID } from "node:crypto";
import { createServer } from "node:net";
import { decide, type FlowDeps, requestApproval } from "@signoff/core";
import { createSlackApi } from "@signoff/functions";
import { startSlackStandIn } from "@signoff/slack-local";
import { beforeEach, describe, expect, it } from "vitest";
import { createTestRuntime } from "../packages/functions/src/test-support/runtime-fixture.ts";
import { useEmulators } from "../packages/functions/src/test-support/use-emulators.ts";

const emulators = useEmulators();
let deps: FlowDeps;
let base: FlowDeps;
const logged: Array<{ level: string; message: string }> = [];

/** A loopback port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

beforeEach(async () => {
  const tableName = await emulators.dynamo.createTable();
  const runtime = createTestRuntime({
    dynamo: emulators.dynamo,
    ses: emulators.ses,
    sfnEndpoint: emulators.sfn.endpoint,
    tableName,
    log: (level, message) => logged.push({ level, message }),
  });
  const apiUrl = `http://127.0.0.1:${await closedPort()}/api/`;
  base = runtime.deps;
  deps = { ...runtime.deps, slack: createSlackApi({ config: { botToken: "xoxb-x", apiUrl } }) };
  logged.length = 0;
});

describe("with Slack unreachable", () => {
  it("requests, emails, decides and calls back as if Slack were not asked for", async () => {
    const task = await emulators.sfn.startWaitingTask();
    const requested = await requestApproval(deps, {
      taskToken: task.token,
      approvers: ["alice@example.com", "bob@example.com"],
      subject: `Slack is down ${randomUUID()}`,
      timeoutSeconds: 3600,
      context: {},
      slack: { channel: "C0APPROVALS", directMessages: true },
    });
    expect(requested).toMatchObject({
      ok: true,
      emailed: ["alice@example.com", "bob@example.com"],
    });
    if (!requested.ok) return;
    expect((await deps.store.get(requested.approvalId))?.slackMessages).toBeUndefined();
    expect(logged.filter((l) => l.message === "slack post failed")).toHaveLength(3);

    const decided = await decide(deps, {
      approvalId: requested.approvalId,
      approver: "alice@example.com",
      decision: "approve",
      channel: "link",
    });
    expect(decided).toMatchObject({ ok: true, approval: { status: "APPROVED" } });
    expect(decided.ok && decided.callback?.status).toBe("delivered");
    expect(await emulators.sfn.waitForEnd(task.executionArn)).toMatchObject({
      status: "SUCCEEDED",
    });
  });

  it("settles and calls back when Slack goes down after the request was posted", async () => {
    const slack = await startSlackStandIn();
    const up = { ...base, slack: createSlackApi({ config: slack }) };
    const task = await emulators.sfn.startWaitingTask();
    const requested = await requestApproval(up, {
      taskToken: task.token,
      approvers: ["alice@example.com"],
      subject: `Slack goes down ${randomUUID()}`,
      timeoutSeconds: 3600,
      context: {},
      slack: { channel: "C0APPROVALS" },
    });
    if (!requested.ok) throw new Error(requested.message);
    expect((await up.store.get(requested.approvalId))?.slackMessages).toHaveLength(1);
    await slack.close();

    const decided = await decide(up, {
      approvalId: requested.approvalId,
      approver: "alice@example.com",
      decision: "approve",
      channel: "api",
    });
    expect(decided).toMatchObject({ ok: true, approval: { status: "APPROVED" } });
    expect(decided.ok && decided.callback?.status).toBe("delivered");
    expect(await emulators.sfn.waitForEnd(task.executionArn)).toMatchObject({
      status: "SUCCEEDED",
    });
    expect(logged.filter((l) => l.message === "slack update failed")).toHaveLength(1);
  });
});

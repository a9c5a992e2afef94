/**
 * Slack costs the request path no AWS call: a request posted to a channel and to each approver's
 * direct messages makes the same DynamoDB calls as one without Slack (the posted messages ride on
 * the write that records the emails), counted on the wire against dynalite, the SES emulator and
 * sfn-local, with the Slack stand-in answering the Slack calls.
 */
import { randomUUID } from "node:crypto";
import { type FlowDeps, requestApproval } from "@signoff/core";
import { createSlackApi } from "@signoff/functions";
import { type SlackStandIn, startSlackStandIn } from "@signoff/slack-local";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createTestRuntime } from "../packages/functions/src/test-support/runtime-fixture.ts";
import { useEmulators } from "../packages/functions/src/test-support/use-emulators.ts";
import {
  createWireCallClients,
  type WireCalls,
} from "../packages/functions/src/test-support/wire-calls.ts";

/** A request: listing batch, conditional put, one write recording the emails (and Slack posts). */
const REQUEST_FLOOR = 3;
const APPROVERS = ["alice@example.com", "bob@example.com"];

const emulators = useEmulators();
let slack: SlackStandIn;
let wire: WireCalls;
let deps: FlowDeps;

beforeAll(async () => {
  slack = await startSlackStandIn();
});

afterAll(async () => {
  await slack?.close();
});

beforeEach(async () => {
  const tableName = await emulators.dynamo.createTable();
  wire = createWireCallClients(emulators.dynamo, emulators.ses, emulators.sfn.endpoint);
  const runtime = createTestRuntime({
    dynamo: wire.dynamo,
    ses: wire.ses,
    sfnClient: wire.sfn,
    tableName,
  });
  deps = {
    ...runtime.deps,
    slack: createSlackApi({ config: { botToken: slack.botToken, apiUrl: slack.apiUrl } }),
  };
});

afterEach(() => wire.destroy());

async function requestWith(slackField: { channel?: string; directMessages?: boolean } | undefined) {
  const task = await emulators.sfn.startWaitingTask();
  wire.calls.length = 0;
  const result = await requestApproval(deps, {
    taskToken: task.token,
    approvers: APPROVERS,
    subject: `Round trips with Slack ${randomUUID()}`,
    timeoutSeconds: 3600,
    context: {},
    ...(slackField && { slack: slackField }),
  });
  if (!result.ok) throw new Error(result.message);
  return { id: result.approvalId, calls: [...wire.calls] };
}

describe("AWS calls of a request that asks for Slack", () => {
  it("are the same as without Slack: three DynamoDB calls and one SendEmail per approver", async () => {
    const without = await requestWith(undefined);
    const withSlack = await requestWith({ channel: "C0APPROVALS", directMessages: true });
    expect(withSlack.calls.filter((call) => call === "SendEmail")).toHaveLength(2);
    expect(withSlack.calls.length - 2).toBeLessThanOrEqual(REQUEST_FLOOR);
    expect([...withSlack.calls].sort()).toEqual([...without.calls].sort());

    // And the three posts are recorded on the approval, with their audit events.
    const approval = await deps.store.get(withSlack.id);
    expect(approval?.slackMessages).toHaveLength(3);
    const events = await deps.store.listEvents(withSlack.id);
    expect(events.map((event) => event.type).sort()).toEqual(
      ["emailed", "emailed", "requested", "slack-posted", "slack-posted", "slack-posted"].sort(),
    );
    expect(slack.contractViolations()).toEqual([]);
  });

  it("posts only what is missing when the request is retried", async () => {
    const task = await emulators.sfn.startWaitingTask();
    const input = {
      taskToken: task.token,
      approvers: APPROVERS,
      subject: `Retried ${randomUUID()}`,
      timeoutSeconds: 3600,
      context: {},
      slack: { channel: "C0APPROVALS", directMessages: true },
    };
    const first = await requestApproval(deps, input);
    const posts = () => slack.calls().filter((call) => call.method === "chat.postMessage").length;
    const before = posts();
    const second = await requestApproval(deps, input);
    expect(first.ok && second.ok).toBe(true);
    expect(posts()).toBe(before);
    expect((await deps.store.get(first.ok ? first.approvalId : ""))?.slackMessages).toHaveLength(3);
  });
});

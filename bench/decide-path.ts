/**
 * Figure 3: a decision POSTed to the Hono app in-process (`app.request`: verify link and form
 * nonce, record, audit, settle, claim, decrypt, SendTaskSuccess, finish) against a floor making
 * the same DynamoDB calls and the one SendTaskSuccess directly. Each sample decides a different
 * approval whose execution really waits in sfn-local, so every SendTaskSuccess is accepted.
 *
 * Figure 4 (click → SUCCEEDED) is here too: the same POST over real HTTP to the stack's API,
 * timed until DescribeExecution says SUCCEEDED.
 */
import { performance } from "node:perf_hooks";
import { DescribeExecutionCommand, SFNClient } from "@aws-sdk/client-sfn";
import { QueryCommand } from "@aws-sdk/lib-dynamodb";
import { buildCallback } from "@signoff/core";
import { createApp } from "@signoff/functions";
import { LOCAL_CREDENTIALS } from "@signoff/local";
import { APPROVER, type BenchStack, type WaitingApproval } from "./bench-stack.ts";
import { createCountingClients, describeCalls } from "./counting-clients.ts";
import {
  type FloorTemplates,
  type Item,
  type PathResult,
  replayFloor,
  summarizePath,
} from "./floor.ts";
import { median, progress, quantile, timeMs } from "./stats.ts";

/** The path and form body a person's click on Approve POSTs. */
async function approveForm(bench: BenchStack, approval: WaitingApproval) {
  const links = bench.runtime.deps.links;
  const now = new Date();
  const exp = Math.ceil(now.getTime() / 1000) + 3600;
  const link = await links.signLink(
    { aid: approval.approvalId, sub: APPROVER, act: "approve", exp },
    { now },
  );
  const verified = await links.verifyLink(link, { now });
  if (!verified.ok) throw new Error("a freshly signed link did not verify");
  const { jti } = verified.claims;
  const nonce = await links.signFormNonce(
    { aid: approval.approvalId, sub: APPROVER, jti, exp },
    {
      now,
    },
  );
  return { path: `/a/${link}`, body: new URLSearchParams({ decision: "approve", nonce }) };
}

/** The approval's items whose sort key starts with `prefix` (`EVT#` events, `L#` listing entries). */
async function itemsOf(bench: BenchStack, approvalId: string, prefix: string): Promise<Item[]> {
  const { Items: items = [] } = await bench.clients.dynamo.send(
    new QueryCommand({
      TableName: bench.stack.tableName,
      KeyConditionExpression: "#pk = :pk AND begins_with(#sk, :prefix)",
      ExpressionAttributeNames: { "#pk": "pk", "#sk": "sk" },
      ExpressionAttributeValues: { ":pk": `A#${approvalId}`, ":prefix": prefix },
    }),
  );
  return items as Item[];
}

export async function benchDecidePath(
  bench: BenchStack,
  options: { warmUp: number; samples: number },
): Promise<PathResult> {
  const total = options.warmUp + options.samples;
  progress(`decide path: starting ${2 * total + 1} executions to decide`);
  const waiting = await bench.prepareWaiting(2 * total + 1);
  const app = createApp(bench.runtime.deps);
  const floorClients = createCountingClients(bench.stack);
  const decideOne = async (approval: WaitingApproval) => {
    const form = await approveForm(bench, approval);
    bench.clients.reset();
    let status = 0;
    const ms = await timeMs(async () => {
      const response = await app.request(form.path, { method: "POST", body: form.body });
      status = response.status;
      await response.text();
    });
    if (status !== 200) throw new Error(`the decision POST answered ${status}`);
    return ms;
  };
  try {
    // 1. One decision to learn its calls and what it writes.
    const first = waiting.pop()!;
    await decideOne(first);
    const calls = [...bench.clients.calls];
    const overlapped = [...bench.clients.overlapped];
    if (!calls.includes("SendTaskSuccess")) throw new Error("the decision sent no callback");
    const decided = await bench.runtime.deps.store.get(first.approvalId);
    const callback = buildCallback(decided!);
    // The deciding write's head carries the tail the batch then writes out (all but the last).
    const eventItems = await itemsOf(bench, first.approvalId, "EVT#");
    const auditHead = {
      ...decided!.audit,
      tail: eventItems.slice(0, -1).map(({ pk: _pk, sk: _sk, ...event }) => event),
    };
    const templates: FloorTemplates = {
      auditHead,
      tableName: bench.stack.tableName,
      approval: {},
      events: (await itemsOf(bench, first.approvalId, "EVT#")).slice(-3),
      // The batch beside the callback carries the listing entries and the audit tail's events.
      listing: [
        ...(await itemsOf(bench, first.approvalId, "L#")),
        ...(await itemsOf(bench, first.approvalId, "EVT#")),
      ],
      ...(callback.kind === "success" && { taskOutput: callback.output }),
    };

    const pathTimes: number[] = [];
    const floorTimes: number[] = [];
    for (let i = 0; i < total; i++) {
      const pathMs = await decideOne(waiting.pop()!);
      if (bench.clients.calls.join() !== calls.join()) {
        throw new Error(`the decision's calls changed: ${describeCalls(bench.clients.calls)}`);
      }
      const other = waiting.pop()!;
      const target = {
        pk: `A#${other.approvalId}`,
        putsApproval: false,
        taskToken: other.taskToken,
      };
      floorClients.reset();
      const floorMs = await timeMs(() =>
        replayFloor(floorClients, templates, target, calls, overlapped),
      );
      if (floorClients.calls.join() !== calls.join()) throw new Error("the floor's calls differ");
      if (i >= options.warmUp) {
        pathTimes.push(pathMs);
        floorTimes.push(floorMs);
      }
      if ((i + 1) % 50 === 0) progress(`decide path: ${i + 1}/${total}`);
    }
    return summarizePath(pathTimes, floorTimes, calls);
  } finally {
    floorClients.destroy();
  }
}

export interface ClickLatencyResult {
  p50: number;
  p99: number;
  samples: number;
}

const DESCRIBE_LIMIT = 1_000;

/**
 * POSTs each decision over HTTP to the stack's API (its own runtime) and stops the clock when
 * DescribeExecution first says SUCCEEDED. sfn-local's status-change event says when to ask, so
 * the measurement does not poll the server it is measuring in a tight loop.
 */
export async function benchClickLatency(
  bench: BenchStack,
  options: { warmUp: number; samples: number },
): Promise<ClickLatencyResult> {
  const total = options.warmUp + options.samples;
  progress(`click → SUCCEEDED: starting ${total} executions`);
  const waiting = await bench.prepareWaiting(total);
  const sfn = new SFNClient({
    region: bench.stack.region,
    credentials: LOCAL_CREDENTIALS,
    endpoint: bench.stack.endpoints.stepfunctions,
  });
  const apiUrl = bench.stack.endpoints.api!;
  const times: number[] = [];
  try {
    for (let i = 0; i < total; i++) {
      const approval = waiting[i]!;
      const form = await approveForm(bench, approval);
      const start = performance.now();
      const succeeded = bench.waitForStatus(approval.executionArn, "SUCCEEDED");
      const response = await fetch(`${apiUrl}${form.path}`, { method: "POST", body: form.body });
      await response.text();
      if (response.status !== 200) throw new Error(`the decision POST answered ${response.status}`);
      await succeeded;
      let status: string | undefined;
      for (let tries = 0; tries < DESCRIBE_LIMIT && status !== "SUCCEEDED"; tries++) {
        const described = await sfn.send(
          new DescribeExecutionCommand({ executionArn: approval.executionArn }),
        );
        status = described.status;
      }
      if (status !== "SUCCEEDED") throw new Error(`${approval.executionArn} is ${status}`);
      if (i >= options.warmUp) times.push(performance.now() - start);
    }
  } finally {
    sfn.destroy();
  }
  return { p50: median(times), p99: quantile(times, 0.99), samples: times.length };
}

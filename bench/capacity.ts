/**
 * `npm run capacity`: does the table layout hold a large workload without a hot partition?
 *
 * 1. Runs each operation of the workload through the real handlers and adapters on the local
 *    stack (request-approval; a decision POSTed to the app; a sweeper run of due heartbeats, of
 *    due reminders, and an idle one) with SDK middleware metering every DynamoDB call
 *    (capacity-meter.ts): which partition of the table and of each index it touches, and how many
 *    WCU and RCU. Nothing is written by hand but the workload below.
 * 2. Multiplies out by the workload's rates. A partition key holding one approval's items (its id
 *    or its execution in the key) is that approval's alone: at most one operation of each kind a
 *    second reaches it. Every other key is shared: its family (the text before the first "#")
 *    takes the operation's whole rate, spread evenly over the keys of the family the samples used
 *    (fewer keys seen than exist only overstates the load).
 * 3. Prints the hottest partition of the table and of each index in WCU/s and RCU/s, and exits 1
 *    if any passes DynamoDB's 1,000 WCU/s or 3,000 RCU/s a partition.
 * Usage: npm run capacity [-- --samples N]
 */
import { randomUUID } from "node:crypto";
import { parseArgs } from "node:util";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { CreateStateMachineCommand, SFNClient, StartExecutionCommand } from "@aws-sdk/client-sfn";
import { type Approval, nextHeartbeatAt } from "@signoff/core";
import {
  createApp,
  createRequestApprovalHandler,
  createRuntime,
  createSweeper,
  createTableInput,
} from "@signoff/functions";
import {
  LOCAL_CREDENTIALS,
  LOCAL_ROLE_ARN,
  LOCAL_SENDER,
  REQUEST_APPROVAL_FUNCTION,
} from "@signoff/local";
import { startBenchStack } from "./bench-stack.ts";
import { meterDynamo, type Usage } from "./capacity-meter.ts";
import { createCountingClients } from "./counting-clients.ts";
import { progress, runPool } from "./stats.ts";

/** The workload of issue 13. */
const WORKLOAD = {
  pending: 1_000_000,
  requestsPerSecond: 100,
  decisionsPerSecond: 1_000,
  heartbeatSeconds: 600,
  reminderAt: [0.5, 0.9],
  /** Each request names two approvers out of this many people. */
  approverPool: 50,
  /** One scheduled sweeper run a minute, whatever else runs. */
  sweepRunsPerSecond: 1 / 60,
} as const;
/** DynamoDB's limits for one partition. */
const LIMITS = { wcu: 1_000, rcu: 3_000 } as const;

const { values } = parseArgs({ options: { samples: { type: "string", default: "48" } } });
const SAMPLES = Number(values.samples);
if (!Number.isInteger(SAMPLES) || SAMPLES < 8 || SAMPLES > 1_000) {
  console.error("--samples must be a whole number from 8 to 1000");
  process.exit(2);
}
// Little's law: this many pending at this arrival rate live this long on average.
const LIFETIME_SECONDS = WORKLOAD.pending / WORKLOAD.requestsPerSecond;
const REQUESTER = "requester@example.com";
const approver = (n: number) => `approver-${n % WORKLOAD.approverPool}@example.com`;

interface OpSample {
  name: string;
  /** Operations per second in the workload. */
  rate: number;
  /** Operations metered. */
  count: number;
  usage: Usage[];
}

// 1. The stack, and a runtime over its table whose DynamoDB calls are metered.
progress("starting the local stack");
const bench = await startBenchStack();
let failed = false;
try {
  let nowMs = Date.now();
  const clients = createCountingClients(bench.stack);
  const raw = new DynamoDBClient({
    region: bench.stack.region,
    credentials: LOCAL_CREDENTIALS,
    endpoint: bench.stack.endpoints.dynamodb,
  });
  const meter = meterDynamo(clients.dynamo, raw, createTableInput(bench.stack.tableName));
  const runtime = createRuntime(
    {
      tableName: bench.stack.tableName,
      sender: LOCAL_SENDER,
      publicUrl: bench.stack.endpoints.api!,
      linkKeys: bench.keys.link,
      tokenKeys: bench.keys.token,
      defaultApprovers: [],
      defaultTimeoutSeconds: LIFETIME_SECONDS,
    },
    { clients, clock: () => new Date(nowMs), log: () => {} },
  );
  // One at a time: the meter reads each item before and after it is written.
  const sweep = createSweeper(runtime, { concurrency: 1, limit: 1_000_000 });
  const own = new Set<string>();

  // 2. Approvals whose executions really wait in sfn-local, requested by the stack's function:
  // H with heartbeats (and the reminders), R with the reminders alone.
  const setupStart = Date.now();
  const waiting = async (name: string, heartbeat: boolean): Promise<Approval[]> => {
    const sfn = new SFNClient({
      region: bench.stack.region,
      credentials: LOCAL_CREDENTIALS,
      endpoint: bench.stack.endpoints.stepfunctions,
    });
    const payload: Record<string, string> = {
      "taskToken.$": "$$.Task.Token",
      "executionArn.$": "$$.Execution.Id",
      "approvers.$": "$.approvers",
      "subject.$": "$.subject",
      "requestedBy.$": "$.requestedBy",
      "timeoutSeconds.$": "$.timeoutSeconds",
      "reminders.$": "$.reminders",
      ...(heartbeat && { "heartbeatSeconds.$": "$.heartbeatSeconds" }),
    };
    const { stateMachineArn } = await sfn.send(
      new CreateStateMachineCommand({
        name: `capacity-${name}`,
        roleArn: LOCAL_ROLE_ARN,
        definition: JSON.stringify({
          StartAt: "Ask",
          States: {
            Ask: {
              Type: "Task",
              Resource: "arn:aws:states:::lambda:invoke.waitForTaskToken",
              Parameters: { FunctionName: REQUEST_APPROVAL_FUNCTION, Payload: payload },
              TimeoutSeconds: LIFETIME_SECONDS,
              End: true,
            },
          },
        }),
      }),
    );
    const approvals: Approval[] = [];
    await runPool(Array.from({ length: SAMPLES }), 8, async (_, i) => {
      const started = await sfn.send(
        new StartExecutionCommand({
          stateMachineArn,
          input: JSON.stringify({
            approvers: [approver(2 * i), approver(2 * i + 1)],
            subject: `capacity ${name} ${i}`,
            requestedBy: REQUESTER,
            timeoutSeconds: LIFETIME_SECONDS,
            reminders: { at: WORKLOAD.reminderAt },
            heartbeatSeconds: WORKLOAD.heartbeatSeconds,
          }),
        }),
      );
      const arn = started.executionArn!;
      for (let tries = 0; ; tries++) {
        const [approval] = await bench.runtime.deps.store.listPendingForExecution(arn);
        if (approval) {
          approvals.push(approval);
          own.add(approval.id).add(arn);
          break;
        }
        if (tries > 300) throw new Error(`${arn} never stored its approval`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    });
    sfn.destroy();
    return approvals;
  };
  progress(`capacity: ${SAMPLES} waiting executions with heartbeats, ${SAMPLES} without`);
  const withHeartbeats = await waiting("heartbeat", true);
  // Their reminders fall due in step 5; nothing else touches them.
  await waiting("reminders", false);
  const samples: OpSample[] = [];

  // 3. Heartbeats: the sweeper when they fall due (the first reminder is far off).
  const heartbeatPeriodMs = nextHeartbeatAt({ ...withHeartbeats[0]!, heartbeatAt: 0 })!;
  nowMs = setupStart + heartbeatPeriodMs + 60_000;
  meter.take();
  const heartbeats = await sweep();
  if (heartbeats.heartbeats !== SAMPLES) {
    throw new Error(`expected ${SAMPLES} heartbeats, the sweeper sent ${heartbeats.heartbeats}`);
  }
  samples.push({
    name: "heartbeat (sweeper)",
    rate: WORKLOAD.pending / (heartbeatPeriodMs / 1000),
    count: heartbeats.heartbeats,
    usage: meter.take(),
  });

  // 4. Decisions: the first approver approves by link, which settles (policy: 1 of 2).
  progress("capacity: decisions");
  const app = createApp(runtime.deps);
  for (const approval of withHeartbeats) {
    nowMs += 10;
    const now = new Date(nowMs);
    const sub = approval.approvers[0]!;
    const exp = Math.ceil(nowMs / 1000) + 3600;
    const link = await runtime.deps.links.signLink(
      { aid: approval.id, sub, act: "approve", exp },
      { now },
    );
    const verified = await runtime.deps.links.verifyLink(link, { now });
    if (!verified.ok) throw new Error("a freshly signed link did not verify");
    const nonce = await runtime.deps.links.signFormNonce(
      { aid: approval.id, sub, jti: verified.claims.jti, exp },
      { now },
    );
    const response = await app.request(`/a/${link}`, {
      method: "POST",
      body: new URLSearchParams({ decision: "approve", nonce }),
    });
    if (response.status !== 200) throw new Error(`a decision POST answered ${response.status}`);
  }
  const decided = await Promise.all(withHeartbeats.map((a) => bench.runtime.deps.store.get(a.id)));
  if (decided.some((a) => a?.status !== "APPROVED" || a.callback !== "DELIVERED")) {
    throw new Error("not every decision settled and delivered its callback");
  }
  samples.push({
    name: "settling decision (link)",
    rate: WORKLOAD.decisionsPerSecond,
    count: withHeartbeats.length,
    usage: meter.take(),
  });

  // 5. Reminders: the sweeper at the first reminder point.
  nowMs = setupStart + WORKLOAD.reminderAt[0] * LIFETIME_SECONDS * 1000 + 60_000;
  const reminders = await sweep();
  if (reminders.reminded !== SAMPLES) {
    throw new Error(`expected ${SAMPLES} reminders, the sweeper sent ${reminders.reminded}`);
  }
  samples.push({
    name: "reminder (sweeper)",
    rate: WORKLOAD.requestsPerSecond * WORKLOAD.reminderAt.length,
    count: reminders.reminded,
    usage: meter.take(),
  });

  // 6. Requests, straight to the handler (a task token of their own; nothing waits on them).
  progress("capacity: requests");
  const request = createRequestApprovalHandler(runtime);
  for (let i = 0; i < SAMPLES; i++) {
    const executionArn = `arn:aws:states:us-east-1:123456789012:execution:capacity:${randomUUID()}`;
    const { approvalId } = await request({
      taskToken: `capacity-token-${randomUUID()}`,
      executionArn,
      approvers: [approver(2 * i + 7), approver(2 * i + 8)],
      subject: `capacity request ${i}`,
      requestedBy: REQUESTER,
      timeoutSeconds: LIFETIME_SECONDS,
      reminders: { at: [...WORKLOAD.reminderAt] },
      heartbeatSeconds: WORKLOAD.heartbeatSeconds,
    });
    own.add(approvalId).add(executionArn);
  }
  samples.push({
    name: "request (2 approvers)",
    rate: WORKLOAD.requestsPerSecond,
    count: SAMPLES,
    usage: meter.take(),
  });

  // 7. A scheduled run with nothing due: what polling every shard costs.
  const idle = await sweep();
  if (idle.due !== 0) throw new Error(`expected nothing due, the sweeper took ${idle.due}`);
  samples.push({
    name: "idle sweeper run",
    rate: WORKLOAD.sweepRunsPerSecond,
    count: 1,
    usage: meter.take(),
  });

  failed = report(samples, own);
  clients.destroy();
  raw.destroy();
} finally {
  await bench.stop();
}
process.exit(failed ? 1 : 0);

interface Load {
  wcu: number;
  rcu: number;
  /** What the partition is: a key family and how many keys it spreads over, or one approval. */
  what: string;
}

/** Prints the per-operation costs and the hottest partitions; true when one is over a limit. */
function report(ops: readonly OpSample[], ownKeys: ReadonlySet<string>): boolean {
  const isOwn = (partition: string) => [...ownKeys].some((key) => partition.includes(key));
  const targets = [
    "table",
    ...createTableInput("x").GlobalSecondaryIndexes!.map((i) => i.IndexName!),
  ];
  // target → family → load per second on one key of it
  const shared = new Map<string, Map<string, Load & { keys: number }>>();
  const ownLoad = new Map<string, Load>();
  const perOp: string[][] = [];
  for (const op of ops) {
    const totals = new Map<string, { wcu: number; rcu: number }>();
    const families = new Map<string, { wcu: number; rcu: number; keys: Set<string> }>();
    const ownKeysOfOp = new Map<string, { wcu: number; rcu: number }>();
    for (const u of op.usage) {
      const total = totals.get(u.target) ?? { wcu: 0, rcu: 0 };
      total.wcu += u.wcu;
      total.rcu += u.rcu;
      totals.set(u.target, total);
      if (isOwn(u.partition)) {
        const key = `${u.target}\u0000${u.partition}`;
        const load = ownKeysOfOp.get(key) ?? { wcu: 0, rcu: 0 };
        load.wcu += u.wcu;
        load.rcu += u.rcu;
        ownKeysOfOp.set(key, load);
        continue;
      }
      const family = `${u.target}\u0000${u.partition.split("#")[0]}`;
      const load = families.get(family) ?? { wcu: 0, rcu: 0, keys: new Set<string>() };
      load.wcu += u.wcu;
      load.rcu += u.rcu;
      load.keys.add(u.partition);
      families.set(family, load);
    }
    // One approval's partition: at most one operation of each kind a second.
    const perOpRate = Math.min(op.rate, 1);
    const ownMax = new Map<string, { wcu: number; rcu: number }>();
    for (const [key, load] of ownKeysOfOp) {
      const target = key.split("\u0000")[0]!;
      const max = ownMax.get(target) ?? { wcu: 0, rcu: 0 };
      ownMax.set(target, { wcu: Math.max(max.wcu, load.wcu), rcu: Math.max(max.rcu, load.rcu) });
    }
    for (const [target, max] of ownMax) {
      const load = ownLoad.get(target) ?? { wcu: 0, rcu: 0, what: "one approval's items" };
      load.wcu += max.wcu * perOpRate;
      load.rcu += max.rcu * perOpRate;
      ownLoad.set(target, load);
    }
    for (const [family, load] of families) {
      const [target, name] = family.split("\u0000") as [string, string];
      const byFamily = shared.get(target) ?? new Map<string, Load & { keys: number }>();
      const perKey = op.rate / op.count / load.keys.size;
      const sum = byFamily.get(name) ?? { wcu: 0, rcu: 0, what: "", keys: 0 };
      sum.wcu += load.wcu * perKey;
      sum.rcu += load.rcu * perKey;
      // The label names the fewest keys an operation spread over: the one that concentrates most.
      sum.keys = sum.keys === 0 ? load.keys.size : Math.min(sum.keys, load.keys.size);
      const sharded = sum.keys > 1 || name.length < [...load.keys][0]!.length;
      sum.what = `${name}${sharded ? "#…" : ""} (${sum.keys} key${sum.keys === 1 ? "" : "s"} seen)`;
      byFamily.set(name, sum);
      shared.set(target, byFamily);
    }
    perOp.push([
      op.name,
      formatRate(op.rate),
      ...targets.map((target) => {
        const total = totals.get(target);
        return total ? `${round(total.wcu / op.count)} / ${round(total.rcu / op.count)}` : "—";
      }),
    ]);
  }

  const rows: string[][] = [];
  let over = false;
  for (const target of targets) {
    const candidates = [
      ...(shared.get(target)?.values() ?? []),
      ...(ownLoad.has(target) ? [ownLoad.get(target)!] : []),
    ];
    if (candidates.length === 0) {
      rows.push([target, "— (untouched)", "0", "0", "yes"]);
      continue;
    }
    const hottestW = candidates.reduce((a, b) => (b.wcu > a.wcu ? b : a));
    const hottestR = candidates.reduce((a, b) => (b.rcu > a.rcu ? b : a));
    const ok = hottestW.wcu <= LIMITS.wcu && hottestR.rcu <= LIMITS.rcu;
    over ||= !ok;
    const what =
      hottestW === hottestR ? hottestW.what : `${hottestW.what} (W); ${hottestR.what} (R)`;
    rows.push([target, what, round(hottestW.wcu), round(hottestR.rcu), ok ? "yes" : "NO"]);
  }

  console.log(`signoff capacity, ${new Date().toISOString().slice(0, 10)}`);
  console.log(
    `Workload: ${WORKLOAD.pending.toLocaleString("en-US")} pending approvals (each lives ${LIFETIME_SECONDS.toLocaleString("en-US")} s), heartbeats every ${WORKLOAD.heartbeatSeconds} s, reminders at ${WORKLOAD.reminderAt.join(" and ")} of the deadline, ${WORKLOAD.requestsPerSecond} requests/s, ${WORKLOAD.decisionsPerSecond.toLocaleString("en-US")} decisions/s; ${SAMPLES} samples an operation, metered on dynalite.`,
  );
  console.log("");
  console.log("Per operation, WCU / RCU (all partitions):");
  printTable([["Operation", "Rate/s", ...targets], ...perOp]);
  console.log("");
  console.log(
    `Hottest partition (limits ${LIMITS.wcu.toLocaleString("en-US")} WCU/s, ${LIMITS.rcu.toLocaleString("en-US")} RCU/s):`,
  );
  printTable([["Table/index", "Partition", "WCU/s", "RCU/s", "Within?"], ...rows]);
  console.log("");
  console.log(
    "- A shared key family's load is the operations' rate spread evenly over the keys the samples used; one approval's partition sees at most one operation of each kind a second.",
  );
  return over;
}

function round(n: number): string {
  return n >= 100 ? Math.round(n).toLocaleString("en-US") : n.toFixed(n >= 10 ? 1 : 2);
}

function formatRate(rate: number): string {
  return rate >= 1 ? Math.round(rate).toLocaleString("en-US") : rate.toFixed(3);
}

function printTable(cells: string[][]): void {
  const widths = cells[0]!.map((_, c) => Math.max(...cells.map((row) => row[c]!.length)));
  const line = (row: string[]) =>
    `| ${row.map((cell, i) => cell.padEnd(widths[i]!)).join(" | ")} |`;
  console.log(line(cells[0]!));
  console.log(line(widths.map((w) => "-".repeat(w))));
  for (const row of cells.slice(1)) console.log(line(row));
}

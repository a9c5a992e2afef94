/**
 * Figure 6: due items one sweeper run handles per second, at concurrency 4 (the sweeper before
 * sharding) and at SWEEP_CONCURRENCY, side by side, over the same table. Each run sweeps `due`
 * fresh copies of one real approval past its deadline (settle, callback, listing: the production
 * path), spread over the due shards by their ids.
 *
 * Measured three ways: on the emulators as they are, where every call is a few milliseconds of
 * CPU in the bench's own process (dynalite, sfn-local and the sweeper share one core, so
 * concurrency buys little); with `regionLatencyMs` added to every AWS call, as a Lambda's calls
 * to DynamoDB, SES and Step Functions in a Region spend most of their time waiting, which
 * concurrency overlaps; and the same with DynamoDB in a process of its own (dynalite's CLI), on
 * the machine's other core, as DynamoDB runs on servers of its own.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { createRequire } from "node:module";
import { type AddressInfo, createServer } from "node:net";
import { CreateTableCommand, DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { GetCommand } from "@aws-sdk/lib-dynamodb";
import { SWEEP_CONCURRENCY } from "@signoff/core";
import {
  createRequestApprovalHandler,
  createRuntime,
  createSweeper,
  createTableInput,
  type Runtime,
} from "@signoff/functions";
import { LOCAL_CREDENTIALS, LOCAL_SENDER } from "@signoff/local";
import { APPROVER, type BenchStack, REQUESTER } from "./bench-stack.ts";
import { type CountingClients, createCountingClients } from "./counting-clients.ts";
import type { Item } from "./floor.ts";
import { median, progress, timeMs } from "./stats.ts";
import { copies, writeAll } from "./sweeper.ts";

/** The sweeper's concurrency before the due index was sharded. */
export const BEFORE_CONCURRENCY = 4;

export interface SweeperRate {
  /** How the run was set up: "emulators as they are", "+20 ms a call", … */
  setup: string;
  latencyMs: number;
  /** Median due items per second at BEFORE_CONCURRENCY. */
  before: number;
  /** Median due items per second at SWEEP_CONCURRENCY. */
  after: number;
}

export interface SweeperRateResult {
  due: number;
  runs: number;
  concurrency: number;
  rates: SweeperRate[];
}

interface MiddlewareTarget {
  middlewareStack: {
    add(
      middleware: (
        next: (args: unknown) => Promise<unknown>,
      ) => (args: unknown) => Promise<unknown>,
      options: { step: "finalizeRequest"; name: string },
    ): void;
  };
}

/** Delays every call of `clients` by `ms` before it goes on the wire. */
function addLatency(clients: CountingClients, ms: number): void {
  for (const client of [
    clients.dynamo,
    clients.ses,
    clients.sfn,
  ] as unknown as MiddlewareTarget[]) {
    client.middlewareStack.add(
      (next) => async (args) => {
        await new Promise((resolve) => setTimeout(resolve, ms));
        return next(args);
      },
      { step: "finalizeRequest", name: "benchRegionLatency" },
    );
  }
}

export async function benchSweeperRate(
  bench: BenchStack,
  options: { due: number; runs: number; regionLatencyMs: number },
): Promise<SweeperRateResult> {
  const t0 = Date.now();
  let nowMs = t0;
  const raw = new DynamoDBClient({
    region: bench.stack.region,
    credentials: LOCAL_CREDENTIALS,
    endpoint: bench.stack.endpoints.dynamodb,
  });
  const name = "bench-sweep-rate";
  await raw.send(new CreateTableCommand(createTableInput(name)));
  const opened: CountingClients[] = [];
  let child: { endpoint: string; stop(): void } | undefined;
  const runtimeWith = (latencyMs: number, dynamodb = bench.stack.endpoints.dynamodb): Runtime => {
    const stack = { ...bench.stack, endpoints: { ...bench.stack.endpoints, dynamodb } };
    const clients = createCountingClients(stack);
    opened.push(clients);
    if (latencyMs > 0) addLatency(clients, latencyMs);
    return createRuntime(
      {
        tableName: name,
        sender: LOCAL_SENDER,
        publicUrl: bench.stack.endpoints.api!,
        linkKeys: bench.keys.link,
        tokenKeys: bench.keys.token,
        defaultApprovers: [],
        defaultTimeoutSeconds: 24 * 60 * 60,
      },
      { clients, clock: () => new Date(nowMs), log: () => {} },
    );
  };
  try {
    // 1. One real approval, due in a minute, as the template of every due copy.
    const runtime = runtimeWith(0);
    const { approvalId } = await createRequestApprovalHandler(runtime)({
      taskToken: `bench-rate-token-${randomUUID()}`,
      approvers: [APPROVER],
      subject: "Sweeper rate bench",
      requestedBy: REQUESTER,
      timeoutSeconds: 60,
    });
    const { Item: template } = await opened[0]!.dynamo.send(
      new GetCommand({ TableName: name, Key: { pk: `A#${approvalId}`, sk: "APPROVAL" } }),
    );
    if (typeof template?.dueAt !== "number") throw new Error("a pending approval has no dueAt");
    nowMs = t0 + 60 * 60 * 1000;

    // 2. Runs alternating between the two concurrencies, for each setup.
    child = await startDynaliteProcess();
    const childClient = new DynamoDBClient({
      region: bench.stack.region,
      credentials: LOCAL_CREDENTIALS,
      endpoint: child.endpoint,
    });
    await childClient.send(new CreateTableCommand(createTableInput(name)));
    childClient.destroy();
    const latency = options.regionLatencyMs;
    const setups = [
      { setup: "emulators as they are", latencyMs: 0, dynamodb: bench.stack.endpoints.dynamodb },
      {
        setup: `+${latency} ms a call`,
        latencyMs: latency,
        dynamodb: bench.stack.endpoints.dynamodb,
      },
      {
        setup: `+${latency} ms a call, DynamoDB on its own core`,
        latencyMs: latency,
        dynamodb: child.endpoint,
      },
    ];
    const rates: SweeperRate[] = [];
    for (const { setup, latencyMs, dynamodb } of setups) {
      const measured = runtimeWith(latencyMs, dynamodb);
      const writer = opened.at(-1)!.dynamo;
      const samples = new Map<number, number[]>([
        [BEFORE_CONCURRENCY, []],
        [SWEEP_CONCURRENCY, []],
      ]);
      for (let run = 0; run <= options.runs; run++) {
        for (const concurrency of samples.keys()) {
          await writeAll(writer, name, copies(template as Item, options.due, run));
          let handled = 0;
          const ms = await timeMs(async () => {
            handled = (await createSweeper(measured, { concurrency, limit: 1_000_000 })()).due;
          });
          // The first run also sweeps the template.
          if (handled < options.due || handled > options.due + 1) {
            throw new Error(`expected ${options.due} due, the sweeper handled ${handled}`);
          }
          // Run 0 warms up (and sweeps the template); it is not counted.
          if (run > 0) samples.get(concurrency)!.push(options.due / (ms / 1000));
        }
        progress(`sweeper rate: ${setup}, run ${run}/${options.runs}`);
      }
      rates.push({
        setup,
        latencyMs,
        before: median(samples.get(BEFORE_CONCURRENCY)!),
        after: median(samples.get(SWEEP_CONCURRENCY)!),
      });
    }
    return { due: options.due, runs: options.runs, concurrency: SWEEP_CONCURRENCY, rates };
  } finally {
    for (const clients of opened) clients.destroy();
    raw.destroy();
    child?.stop();
  }
}

/** dynalite in a process of its own, in memory, on a free loopback port. */
async function startDynaliteProcess(): Promise<{ endpoint: string; stop(): void }> {
  const cli = createRequire(import.meta.url).resolve("dynalite/cli.js");
  // Its CLI reads port 0 as "the default"; take a free one first.
  const free = createServer();
  await new Promise<void>((resolve) => free.listen(0, "127.0.0.1", resolve));
  const port = String((free.address() as AddressInfo).port);
  await new Promise((resolve) => free.close(resolve));
  const process_: ChildProcess = spawn(
    process.execPath,
    [cli, "--host", "127.0.0.1", "--port", port, "--createTableMs", "0"],
    { stdio: ["ignore", "pipe", "inherit"] },
  );
  await new Promise<void>((resolve, reject) => {
    let output = "";
    process_.stdout!.on("data", (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes("listening at")) resolve();
    });
    process_.on("exit", (code) => reject(new Error(`dynalite exited (${code}) before listening`)));
  });
  return { endpoint: `http://127.0.0.1:${port}`, stop: () => process_.kill() };
}

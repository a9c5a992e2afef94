/**
 * The local stack as `npm start` wires it (dynalite, the SES emulator, sfn-local, the API), on
 * free 127.0.0.1 ports in this process, plus a second runtime over the same table and keys whose
 * clients count their calls. The stack's own sweeper is slowed to once an hour so it never runs
 * during a measurement.
 */
import { randomUUID } from "node:crypto";
import { SFNClient, StartExecutionCommand } from "@aws-sdk/client-sfn";
import { createRuntime, type RequestApprovalResponse, type Runtime } from "@signoff/functions";
import {
  createLocalSignoff,
  type DevKeys,
  LOCAL_CREDENTIALS,
  LOCAL_SENDER,
  loadDevKeys,
  REQUEST_APPROVAL_FUNCTION,
  type Stack,
  startStack,
} from "@signoff/local";
import { type CountingClients, createCountingClients } from "./counting-clients.ts";
import { runPool } from "./stats.ts";

export const APPROVER = "approver@example.com";
export const REQUESTER = "requester@example.com";
const WAIT_LIMIT_MS = 30_000;

/** An execution waiting on its approval, as request-approval stored it. */
export interface WaitingApproval {
  executionArn: string;
  approvalId: string;
  taskToken: string;
}

export interface BenchStack {
  stack: Stack;
  keys: DevKeys;
  /** The runtime the bench drives: production adapters, counting clients, no log output. */
  runtime: Runtime;
  clients: CountingClients;
  /** Resolves when sfn-local reports `executionArn` in `status` (bounded by WAIT_LIMIT_MS). */
  waitForStatus(executionArn: string, status: string): Promise<void>;
  /** Starts `count` approval-demo executions and waits until each approval is stored. */
  prepareWaiting(count: number): Promise<WaitingApproval[]>;
  stop(): Promise<void>;
}

/** Starts the stack; silent, so stdout stays the bench's own. */
export async function startBenchStack(): Promise<BenchStack> {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
  const keys = await loadDevKeys();
  const quiet = () => {};
  const signoff = createLocalSignoff({ keys, sweepIntervalMs: 60 * 60 * 1000, log: quiet });
  const requestApproval = signoff.functions[REQUEST_APPROVAL_FUNCTION]!;

  // 1. Remember which token each approval was requested with, and every status change.
  const bySubject = new Map<string, (token: string, result: RequestApprovalResponse) => void>();
  const statusWaiters = new Map<string, () => void>();
  const seenStatus = new Set<string>();
  const stack = await startStack({
    ports: { dynamodb: 0, ses: 0, stepfunctions: 0, api: 0 },
    functions: {
      [REQUEST_APPROVAL_FUNCTION]: async (payload, context) => {
        const result = (await requestApproval(payload, context)) as RequestApprovalResponse;
        const { taskToken, subject } = payload as { taskToken?: string; subject?: string };
        if (taskToken && subject) bySubject.get(subject)?.(taskToken, result);
        return result;
      },
    },
    api: signoff.api,
    services: signoff.services,
    onExecutionStatusChange: async (event) => {
      const key = `${event.detail.executionArn} ${event.detail.status}`;
      seenStatus.add(key);
      statusWaiters.get(key)?.();
      await signoff.onExecutionStatusChange(event);
    },
  });

  const sfn = new SFNClient({
    region: stack.region,
    credentials: LOCAL_CREDENTIALS,
    endpoint: stack.endpoints.stepfunctions,
  });

  // 2. The bench's own runtime: same table, keys and public URL as the stack's API.
  const clients = createCountingClients(stack);
  const runtime = createRuntime(
    {
      tableName: stack.tableName,
      sender: LOCAL_SENDER,
      publicUrl: stack.endpoints.api!,
      linkKeys: keys.link,
      tokenKeys: keys.token,
      defaultApprovers: [],
      defaultTimeoutSeconds: 24 * 60 * 60,
    },
    { clients, log: quiet },
  );

  function waitForStatus(executionArn: string, status: string): Promise<void> {
    const key = `${executionArn} ${status}`;
    if (seenStatus.has(key)) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        statusWaiters.delete(key);
        reject(new Error(`${executionArn} never reached ${status}`));
      }, WAIT_LIMIT_MS);
      statusWaiters.set(key, () => {
        clearTimeout(timer);
        statusWaiters.delete(key);
        resolve();
      });
    });
  }

  async function prepareOne(): Promise<WaitingApproval> {
    const subject = `bench ${randomUUID()}`;
    let taskToken: string | undefined;
    // The token is only known inside request-approval; match on the subject it carries.
    const stored = new Promise<RequestApprovalResponse>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`${subject} was never requested`)),
        WAIT_LIMIT_MS,
      );
      bySubject.set(subject, (token, result) => {
        clearTimeout(timer);
        bySubject.delete(subject);
        taskToken = token;
        resolve(result);
      });
    });
    const started = await sfn.send(
      new StartExecutionCommand({
        stateMachineArn: stack.stateMachines["approval-demo"],
        input: JSON.stringify({
          approvers: [APPROVER],
          subject,
          details: { service: "checkout-service", version: "2.3.0" },
          requestedBy: REQUESTER,
          timeoutSeconds: 3600,
        }),
      }),
    );
    const result = await stored;
    return {
      executionArn: started.executionArn!,
      approvalId: result.approvalId,
      taskToken: taskToken!,
    };
  }

  return {
    stack,
    keys,
    runtime,
    clients,
    waitForStatus,
    async prepareWaiting(count) {
      const waiting: WaitingApproval[] = [];
      await runPool(Array.from({ length: count }), 16, async () => {
        waiting.push(await prepareOne());
      });
      return waiting;
    },
    async stop() {
      clients.destroy();
      sfn.destroy();
      await stack.stop();
    },
  };
}

/**
 * The local stack for the lifecycle tests (reminders, escalation, heartbeats, cancellation): as
 * `npm start` wires it, with the cancel handler on sfn-local's execution status changes, plus what
 * these tests need that test/support's stack does not offer: a sweeper they can stop and start,
 * sweeps run by hand at a chosen instant, and fixture state machines built from objects.
 *
 * One stack per test file: vitest runs files in separate workers, and the SES emulator's inbox
 * is per process.
 */
import {
  CreateStateMachineCommand,
  DescribeExecutionCommand,
  GetExecutionHistoryCommand,
  type HistoryEvent,
  SFNClient,
  StartExecutionCommand,
  StopExecutionCommand,
} from "@aws-sdk/client-sfn";
import type { Approval, SweepStats } from "@signoff/core";
import { sweepDue } from "@signoff/core";
import {
  createSweeper,
  type RequestApprovalResponse,
  type Runtime,
  SWEEP_LIMIT,
} from "@signoff/functions";
import {
  createLocalSignoff,
  LOCAL_ROLE_ARN,
  loadDevKeys,
  REQUEST_APPROVAL_FUNCTION,
  type Stack,
  startStack,
} from "@signoff/local";
import type { LocalFunction } from "@signoff/sfn-local";
import { captureOutput } from "../support/capture-output.ts";
import { findMail, type InboxMail, linksIn, readInbox, waitForMail } from "../support/inbox.ts";
import { createPageClient, type PageClient } from "../support/pages.ts";
import { pollUntil, sleep } from "../support/poll.ts";

/** The demo workflow every stack registers from infra/workflows. */
export const APPROVAL_DEMO = "approval-demo";

export interface ExecutionEnd {
  status: string;
  output?: unknown;
  error?: string;
  cause?: string;
}

export interface LifecycleStack extends PageClient {
  stack: Stack;
  sfn: SFNClient;
  runtime(): Runtime;
  demoArn: string;
  /** Every line written to stdout/stderr while the stack ran. */
  logs: string[];
  /** The approval request-approval stored for `subject`, once it has returned. */
  approvalIdFor(subject: string): Promise<string>;
  approval(approvalId: string): Promise<Approval | undefined>;
  /** Creates a state machine from a definition object through CreateStateMachine. */
  createStateMachine(name: string, definition: object): Promise<string>;
  startExecution(stateMachineArn: string, input: unknown): Promise<string>;
  stopExecution(executionArn: string): Promise<void>;
  describeExecution(executionArn: string): Promise<ExecutionEnd>;
  waitForExecution(executionArn: string, timeoutMs?: number): Promise<ExecutionEnd>;
  history(executionArn: string): Promise<HistoryEvent[]>;
  /** Starts the sweeper on a timer (as `npm start` runs it); a no-op while it runs. */
  startSweeper(intervalMs?: number): void;
  /** Stops the timer and waits for a run in progress to end. */
  stopSweeper(): Promise<void>;
  /** One sweep now, or at the instant `now`, with the stack's runtime. */
  sweep(options?: { now?: Date; limit?: number }): Promise<SweepStats>;
  readInbox(): Promise<InboxMail[]>;
  /** Messages to `to` whose subject contains `subject`. */
  findMail(to: string, subject: string): Promise<InboxMail[]>;
  waitForMail(to: string, subject: string): Promise<InboxMail>;
  /** Waits for the request email to `to` about `subject` and returns its two links. */
  linksFor(to: string, subject: string): Promise<{ approve: string; reject: string }>;
  stop(): Promise<void>;
}

export interface LifecycleStackOptions {
  /** Start the sweeper on a timer at once; default true. */
  sweeper?: boolean;
  /** Default 100 ms, so heartbeats and deadlines of a few seconds are kept promptly. */
  sweepIntervalMs?: number;
}

/** Starts the stack; call `stop()` in afterAll. */
export async function startLifecycleStack(
  options: LifecycleStackOptions = {},
): Promise<LifecycleStack> {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
  const logs: string[] = [];
  const restoreOutput = captureOutput(logs);
  try {
    return await start(options, logs, restoreOutput);
  } catch (error) {
    restoreOutput();
    throw error;
  }
}

async function start(
  options: LifecycleStackOptions,
  logs: string[],
  restoreOutput: () => void,
): Promise<LifecycleStack> {
  // 1. signoff as `npm start` builds it, with request-approval wrapped to record its results.
  const signoff = createLocalSignoff({ keys: await loadDevKeys() });
  const requestApproval = signoff.functions[REQUEST_APPROVAL_FUNCTION]!;
  const requested = new Map<string, RequestApprovalResponse>();
  const recordingRequestApproval: LocalFunction = async (payload, context) => {
    const result = (await requestApproval(payload, context)) as RequestApprovalResponse;
    const subject = (payload as { subject?: unknown }).subject;
    if (typeof subject === "string") requested.set(subject, result);
    return result;
  };

  // 2. The stack on free ports, without the stack's own sweeper timer: these tests stop theirs.
  const stack = await startStack({
    ports: { dynamodb: 0, ses: 0, stepfunctions: 0, api: 0 },
    functions: { [REQUEST_APPROVAL_FUNCTION]: recordingRequestApproval },
    api: signoff.api,
    onExecutionStatusChange: signoff.onExecutionStatusChange,
    log: (line) => logs.push(line),
  });
  const sfn = new SFNClient({});
  const inboxUrl = stack.endpoints.inbox;
  const intervalMs = options.sweepIntervalMs ?? 100;

  let timer: NodeJS.Timeout | undefined;
  let running: Promise<unknown> | undefined;
  const sweepOnce = createSweeper(signoff.runtime());

  async function describeExecution(executionArn: string): Promise<ExecutionEnd> {
    const execution = await sfn.send(new DescribeExecutionCommand({ executionArn }));
    return {
      status: execution.status ?? "UNKNOWN",
      ...(execution.output !== undefined && { output: JSON.parse(execution.output) }),
      ...(execution.error !== undefined && { error: execution.error }),
      ...(execution.cause !== undefined && { cause: execution.cause }),
    };
  }

  const lifecycle: LifecycleStack = {
    stack,
    sfn,
    runtime: signoff.runtime,
    demoArn: stack.stateMachines[APPROVAL_DEMO]!,
    logs,
    ...createPageClient(() => {}),

    approvalIdFor(subject) {
      return pollUntil(
        `request-approval to return for "${subject}"`,
        async () => requested.get(subject)?.approvalId,
      );
    },
    approval: (approvalId) => signoff.runtime().deps.store.get(approvalId),

    async createStateMachine(name, definition) {
      const created = await sfn.send(
        new CreateStateMachineCommand({
          name,
          definition: JSON.stringify(definition),
          roleArn: LOCAL_ROLE_ARN,
        }),
      );
      return created.stateMachineArn!;
    },
    async startExecution(stateMachineArn, input) {
      const started = await sfn.send(
        new StartExecutionCommand({ stateMachineArn, input: JSON.stringify(input) }),
      );
      return started.executionArn!;
    },
    async stopExecution(executionArn) {
      await sfn.send(new StopExecutionCommand({ executionArn, error: "Ops.Stopped" }));
    },
    describeExecution,
    waitForExecution(executionArn, timeoutMs = 15_000) {
      return pollUntil(
        `execution ${executionArn} to finish`,
        async () => {
          const execution = await describeExecution(executionArn);
          return execution.status === "RUNNING" ? undefined : execution;
        },
        { timeoutMs },
      );
    },
    async history(executionArn) {
      const { events } = await sfn.send(
        new GetExecutionHistoryCommand({ executionArn, maxResults: 1000 }),
      );
      return events ?? [];
    },

    startSweeper(every = intervalMs) {
      if (timer) return;
      // As the stack's sweeper service: a run that outlasts the interval is not overlapped.
      timer = setInterval(() => {
        running ??= sweepOnce()
          .catch(() => {})
          .finally(() => {
            running = undefined;
          });
      }, every);
    },
    async stopSweeper() {
      clearInterval(timer);
      timer = undefined;
      await running;
    },
    sweep(sweepOptions = {}) {
      return sweepDue(signoff.runtime().deps, {
        limit: sweepOptions.limit ?? SWEEP_LIMIT,
        ...(sweepOptions.now && { now: sweepOptions.now }),
      });
    },

    readInbox: () => readInbox(inboxUrl),
    findMail: (to, subject) => findMail(inboxUrl, to, subject),
    waitForMail: (to, subject) => waitForMail(inboxUrl, to, subject),
    linksFor: async (to, subject) =>
      linksIn(await waitForMail(inboxUrl, to, `Approval requested: ${subject}`)),

    async stop() {
      try {
        await lifecycle.stopSweeper();
        sfn.destroy();
        await stack.stop();
      } finally {
        restoreOutput();
      }
    },
  };
  if (options.sweeper ?? true) lifecycle.startSweeper();
  return lifecycle;
}

/** Waits `ms`, for tests that prove something does not happen. */
export { sleep };

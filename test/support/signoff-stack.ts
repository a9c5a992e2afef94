/**
 * The whole local stack with signoff in it, for end-to-end tests: dynalite, the SES emulator,
 * sfn-local with the workflows of infra/workflows, the API and a fast sweeper, all on free
 * ports in this process. Application code (and the SFN client here) finds the emulators through
 * the standard AWS_* variables the API service applies, exactly as `npm start` wires it.
 *
 * One stack per test file: vitest runs files in separate workers, and the SES emulator's inbox
 * is per process.
 */
import { readFile } from "node:fs/promises";
import { DynamoDBClient, paginateScan } from "@aws-sdk/client-dynamodb";
import {
  CreateStateMachineCommand,
  DescribeExecutionCommand,
  GetExecutionHistoryCommand,
  type HistoryEvent,
  SFNClient,
  StartExecutionCommand,
  StopExecutionCommand,
} from "@aws-sdk/client-sfn";
import { type Approval, type SweepStats, sweepDue } from "@signoff/core";
import {
  type ApiAuthConfig,
  createSweeper,
  type RequestApprovalResponse,
  type Runtime,
  SWEEP_LIMIT,
  type WebhookConfig,
} from "@signoff/functions";
import {
  createLocalSignoff,
  type DevKeys,
  LOCAL_ROLE_ARN,
  loadDevKeys,
  REQUEST_APPROVAL_FUNCTION,
  type Stack,
  type StackOptions,
  startStack,
  startSweepTimer,
} from "@signoff/local";
import type { LocalFunction } from "@signoff/sfn-local";
import type { SlackStandIn } from "@signoff/slack-local";
import { afterAll, beforeAll } from "vitest";
import { captureOutput } from "./capture-output.ts";
import { findMail, type InboxMail, linksIn, readInbox, waitForMail } from "./inbox.ts";
import { createPageClient, type PageClient, type PageResponse } from "./pages.ts";
import { pollUntil } from "./poll.ts";

/** The demo workflow every stack registers from infra/workflows. */
export const APPROVAL_DEMO = "approval-demo";

const FIXTURES_DIR = new URL("../fixtures/", import.meta.url);

/** How a request email's subject begins; reminders and notices begin otherwise. */
const REQUEST_SUBJECT_PREFIX = "Approval requested: ";

/** One invocation of `request-approval`, as sfn-local (or a test) made it. */
export interface RecordedRequest {
  payload: Record<string, unknown>;
  /** The task token the payload carried, under any of its accepted names. */
  token: string | undefined;
  result?: RequestApprovalResponse;
  error?: unknown;
}

/** An invocation that returned: it had a token and stored an approval. */
export type CompletedRequest = RecordedRequest & { token: string; result: RequestApprovalResponse };

/** An execution's status, and its output or error once it ended. */
export interface ExecutionEnd {
  status: string;
  output?: unknown;
  error?: string;
  cause?: string;
}

export interface SignoffStack extends PageClient {
  stack: Stack;
  /** A client configured only by the environment, as application code is. */
  sfn: SFNClient;
  apiUrl: string;
  inboxUrl: string;
  /** The keys signoff runs with (tests forge links with them, or with others). */
  keys: DevKeys;
  /** How the API verifies bearer tokens: the stack's dev OIDC issuer. */
  apiAuth: ApiAuthConfig;
  /** The dev OIDC issuer's URL (also the `iss` of its tokens). */
  issuerUrl: string;
  /** The dev issuer's login page, which signs people in to the inbox. */
  loginUrl: string;
  /** A bearer token from the dev issuer for `email`; `admin` puts it in the admin group. */
  devToken(email: string, options?: { admin?: boolean; expiresIn?: number }): Promise<string>;
  demoArn: string;
  runtime(): Runtime;
  /** The Slack stand-in; throws unless the stack was started with `slack: true`. */
  slack(): SlackStandIn;
  /** Every request-approval invocation, in order. */
  requests: RecordedRequest[];
  /** Every line written to stdout/stderr while the stack ran, plus the stack's progress lines. */
  logs: string[];
  /** Every page response a test fetched through `openPage` or `submit`. */
  pages: PageResponse[];
  /** Every execution started through `startExecution`. */
  executions: string[];
  /** Invokes the request-approval function directly, as a retrying Lambda invoke would. */
  invokeRequestApproval(payload: unknown): Promise<RequestApprovalResponse>;
  /**
   * Creates a state machine through CreateStateMachine, from `test/fixtures/<file>` when given a
   * file name, or from a definition object.
   */
  createStateMachine(name: string, fileOrDefinition: string | object): Promise<string>;
  startExecution(stateMachineArn: string, input: unknown): Promise<string>;
  stopExecution(executionArn: string): Promise<void>;
  history(executionArn: string): Promise<HistoryEvent[]>;
  statusOf(executionArn: string): Promise<string>;
  /** The execution as it is now: status, and output or error once it ended. */
  describeExecution(executionArn: string): Promise<ExecutionEnd>;
  waitForExecution(executionArn: string, timeoutMs?: number): Promise<ExecutionEnd>;
  /** The task-closing events in an execution's history: TaskSucceeded, TaskFailed, TaskTimedOut. */
  taskCallbacks(executionArn: string): Promise<string[]>;
  /** The request-approval invocation for `subject`, once it has returned. */
  requestFor(subject: string): Promise<CompletedRequest>;
  /** The id of the approval request-approval stored for `subject`, once it has returned. */
  approvalIdFor(subject: string): Promise<string>;
  approval(approvalId: string): Promise<Approval | undefined>;
  /**
   * The approval once its callback is no longer PENDING. The sweeper records the delivery just
   * after SendTask* returns, so an execution can end a moment before its approval says so.
   */
  waitForCallbackRecorded(approvalId: string): Promise<Approval>;
  /** Every item in the table, as DynamoDB returns them. */
  rawItems(): Promise<Record<string, unknown>[]>;
  readInbox(): Promise<InboxMail[]>;
  findMail(to: string, subject: string): Promise<InboxMail[]>;
  waitForMail(to: string, subject: string): Promise<InboxMail>;
  /** Waits for the request mail (not a reminder) to `to` about `subject`; returns its two links. */
  linksFor(to: string, subject: string): Promise<{ approve: string; reject: string }>;
  /** Starts the sweeper on a timer, as `npm start` runs it; a no-op while it runs. */
  startSweeper(intervalMs?: number): void;
  /** Stops the timer and waits for a run in progress to end. */
  stopSweeper(): Promise<void>;
  /** One sweep now, or at the instant `now`, with the stack's runtime. */
  sweep(options?: { now?: Date; limit?: number }): Promise<SweepStats>;
  stop(): Promise<void>;
}

export interface SignoffStackOptions {
  /** Default 200 ms, so deadlines pass promptly. */
  sweepIntervalMs?: number;
  /** Start the sweeper timer at once; default true. Tests that sweep by hand pass false. */
  sweeper?: boolean;
  /** Faults sfn-local injects into SendTask* (the reliability tests); none by default. */
  sfnFaults?: StackOptions["sfnFaults"];
  /** Start the Slack stand-in and switch signoff's Slack on, as `npm start` does; default off. */
  slack?: boolean;
  /** Signed webhooks on, as `npm start` has them (webhook-settings.ts); off by default. */
  webhooks?: WebhookConfig;
}

/**
 * Starts the stack before the calling file's tests and stops it after them; the returned object
 * is filled in before the tests run.
 */
export function useSignoffStack(options: SignoffStackOptions = {}): SignoffStack {
  const signoff = {} as SignoffStack;
  beforeAll(async () => {
    Object.assign(signoff, await startSignoffStack(options));
  });
  afterAll(async () => {
    await signoff.stop?.();
  });
  return signoff;
}

/** Starts the stack; call `stop()` in afterAll. */
export async function startSignoffStack(options: SignoffStackOptions = {}): Promise<SignoffStack> {
  // The SDK's one-time Node 20 notice is noise here, as it is in `npm start`.
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
  options: SignoffStackOptions,
  logs: string[],
  restoreOutput: () => void,
): Promise<SignoffStack> {
  // 1. signoff as `npm start` builds it, with request-approval wrapped to record its payloads.
  const keys = await loadDevKeys();
  // Tests run reminders seconds apart, far below the 5-minute floor a deployment keeps.
  const signoff = createLocalSignoff({
    keys,
    requestSettings: {
      minReminderIntervalSeconds: 1,
      ...(options.webhooks && { webhooks: options.webhooks }),
    },
  });
  const requestApproval = signoff.functions[REQUEST_APPROVAL_FUNCTION]!;
  const requests: RecordedRequest[] = [];
  const recordingRequestApproval: LocalFunction = async (payload, context) => {
    const entry: RecordedRequest = {
      payload: structuredClone(payload) as Record<string, unknown>,
      token: tokenOf(payload),
    };
    requests.push(entry);
    try {
      entry.result = (await requestApproval(payload, context)) as RequestApprovalResponse;
      return entry.result;
    } catch (error) {
      entry.error = error;
      throw error;
    }
  };

  // 2. The stack on free ports, wired as `npm start` wires it (main.ts), except that the sweeper
  // timer is the harness's, so tests can stop it; starting the API applies the AWS_* variables
  // to process.env.
  const stack = await startStack({
    ports: { dynamodb: 0, ses: 0, stepfunctions: 0, api: 0, issuer: 0, slack: 0 },
    functions: { [REQUEST_APPROVAL_FUNCTION]: recordingRequestApproval },
    issuer: signoff.issuer,
    ...(options.slack && { slack: signoff.slack }),
    api: signoff.api,
    onExecutionStatusChange: signoff.onExecutionStatusChange,
    log: (line) => logs.push(line),
    ...(options.sfnFaults && { sfnFaults: options.sfnFaults }),
  });
  const sfn = new SFNClient({});
  const apiUrl = stack.endpoints.api!;
  const inboxUrl = stack.endpoints.inbox;
  const devIssuer = signoff.devIssuer()!;
  const pages: PageResponse[] = [];
  const executions: string[] = [];
  const sweepOnce = createSweeper(signoff.runtime());
  let sweeper: { stop(): Promise<void> } | undefined;

  async function describeExecution(executionArn: string): Promise<ExecutionEnd> {
    const execution = await sfn.send(new DescribeExecutionCommand({ executionArn }));
    return {
      status: execution.status ?? "UNKNOWN",
      ...(execution.output !== undefined && { output: JSON.parse(execution.output) }),
      ...(execution.error !== undefined && { error: execution.error }),
      ...(execution.cause !== undefined && { cause: execution.cause }),
    };
  }

  const signoffStack: SignoffStack = {
    stack,
    sfn,
    apiUrl,
    inboxUrl,
    keys,
    apiAuth: devIssuer.auth,
    issuerUrl: devIssuer.url,
    loginUrl: devIssuer.loginUrl,
    devToken: (email, tokenOptions = {}) => devIssuer.token(email, tokenOptions),
    demoArn: stack.stateMachines[APPROVAL_DEMO]!,
    runtime: signoff.runtime,
    slack() {
      const standIn = signoff.slackStandIn();
      if (standIn === undefined) throw new Error("start the stack with { slack: true }");
      return standIn;
    },
    requests,
    logs,
    pages,
    executions,
    ...createPageClient((page) => pages.push(page)),

    async invokeRequestApproval(payload) {
      const context = { functionName: REQUEST_APPROVAL_FUNCTION };
      return (await recordingRequestApproval(payload, context)) as RequestApprovalResponse;
    },

    async createStateMachine(name, fileOrDefinition) {
      const definition =
        typeof fileOrDefinition === "string"
          ? await readFile(new URL(fileOrDefinition, FIXTURES_DIR), "utf8")
          : JSON.stringify(fileOrDefinition);
      const created = await sfn.send(
        new CreateStateMachineCommand({ name, definition, roleArn: LOCAL_ROLE_ARN }),
      );
      return created.stateMachineArn!;
    },

    async startExecution(stateMachineArn, input) {
      const started = await sfn.send(
        new StartExecutionCommand({ stateMachineArn, input: JSON.stringify(input) }),
      );
      executions.push(started.executionArn!);
      return started.executionArn!;
    },

    async stopExecution(executionArn) {
      await sfn.send(new StopExecutionCommand({ executionArn, error: "Ops.Stopped" }));
    },

    async history(executionArn) {
      const { events } = await sfn.send(
        new GetExecutionHistoryCommand({ executionArn, maxResults: 1000 }),
      );
      return events ?? [];
    },

    async statusOf(executionArn) {
      return (await describeExecution(executionArn)).status;
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

    async taskCallbacks(executionArn) {
      return (await signoffStack.history(executionArn))
        .map((event) => event.type ?? "")
        .filter((type) => ["TaskSucceeded", "TaskFailed", "TaskTimedOut"].includes(type));
    },

    requestFor(subject) {
      return pollUntil(`request-approval to be invoked for "${subject}"`, async () => {
        const found = requests.find((r) => r.payload.subject === subject && r.result && r.token);
        return found as CompletedRequest | undefined;
      });
    },

    async approvalIdFor(subject) {
      return (await signoffStack.requestFor(subject)).result.approvalId;
    },

    approval(approvalId) {
      return signoff.runtime().deps.store.get(approvalId);
    },

    waitForCallbackRecorded(approvalId) {
      return pollUntil(`approval ${approvalId} to record its callback`, async () => {
        const approval = await signoff.runtime().deps.store.get(approvalId);
        return approval?.callback === "PENDING" ? undefined : approval;
      });
    },

    async rawItems() {
      const client = new DynamoDBClient({});
      try {
        const items: Record<string, unknown>[] = [];
        for await (const page of paginateScan({ client }, { TableName: stack.tableName })) {
          items.push(...(page.Items ?? []));
        }
        return items;
      } finally {
        client.destroy();
      }
    },

    readInbox: () => readInbox(inboxUrl),
    findMail: (to, subject) => findMail(inboxUrl, to, subject),
    waitForMail: (to, subject) => waitForMail(inboxUrl, to, subject),
    linksFor: async (to, subject) =>
      linksIn(await waitForMail(inboxUrl, to, `${REQUEST_SUBJECT_PREFIX}${subject}`)),

    startSweeper(intervalMs = options.sweepIntervalMs ?? 200) {
      sweeper ??= startSweepTimer(sweepOnce, intervalMs, () => {});
    },

    async stopSweeper() {
      await sweeper?.stop();
      sweeper = undefined;
    },

    sweep(sweepOptions = {}) {
      return sweepDue(signoff.runtime().deps, {
        limit: sweepOptions.limit ?? SWEEP_LIMIT,
        ...(sweepOptions.now && { now: sweepOptions.now }),
      });
    },

    async stop() {
      try {
        await signoffStack.stopSweeper();
        sfn.destroy();
        await stack.stop();
      } finally {
        restoreOutput();
      }
    },
  };
  if (options.sweeper ?? true) signoffStack.startSweeper();
  return signoffStack;
}

function tokenOf(payload: unknown): string | undefined {
  const fields = (payload ?? {}) as Record<string, unknown>;
  const token = fields.taskToken ?? fields.token ?? fields.TaskToken;
  return typeof token === "string" ? token : undefined;
}

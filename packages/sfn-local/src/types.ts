/** A Lambda function run in-process: receives the invoke payload, returns the result. */
export type LocalFunction = (
  payload: unknown,
  context: { functionName: string; qualifier?: string },
) => unknown | Promise<unknown>;

/** Execution statuses as Step Functions reports them. */
export type ExecutionStatus = "RUNNING" | "SUCCEEDED" | "FAILED" | "TIMED_OUT" | "ABORTED";

/** The EventBridge "Step Functions Execution Status Change" event, shaped as AWS sends it. */
export interface ExecutionStatusChangeEvent {
  version: "0";
  id: string;
  "detail-type": "Step Functions Execution Status Change";
  source: "aws.states";
  account: string;
  time: string;
  region: string;
  resources: string[];
  detail: {
    executionArn: string;
    stateMachineArn: string;
    name: string;
    status: ExecutionStatus;
    startDate: number;
    stopDate: number | null;
    input: string;
    inputDetails?: { included: boolean };
    output: string | null;
    outputDetails?: { included: boolean } | null;
    error?: string | null;
    cause?: string | null;
    redriveCount?: number;
    redriveStatus?: string;
  };
}

/** Where sfn-local reports what it does: `debug` lines are chatty, `error` lines are not. */
export type SfnLocalLog = (level: "debug" | "error", message: string, error?: unknown) => void;

/** Options for {@link startSfnLocal}. */
export interface SfnLocalOptions {
  /** Interface to bind; default "127.0.0.1". */
  host?: string;
  /** Port to listen on; default 8083; 0 picks a free port. */
  port?: number;
  /** Region used in ARNs; default "us-east-1". */
  region?: string;
  /** Account id used in ARNs; default "123456789012". */
  accountId?: string;
  /** Lambda functions by bare name, called by Task states. */
  functions?: Record<string, LocalFunction>;
  /** Called when an execution starts and when it ends; errors are logged, never thrown. */
  onExecutionStatusChange?: (event: ExecutionStatusChangeEvent) => void | Promise<void>;
  /** Receives log lines; by default only errors are printed (to stderr). */
  log?: SfnLocalLog;
  /** Injected faults, for testing clients; none by default. See {@link SfnLocalFaults}. */
  faults?: SfnLocalFaults;
}

/**
 * How a request goes wrong on purpose:
 * - `throttling`: HTTP 400 `{"__type": "ThrottlingException"}`; the operation does not run.
 * - `5xx`: HTTP 500 `InternalServerError` or 503 `ServiceUnavailable`; the operation does not run.
 * - `reset`: the connection is reset before the operation runs.
 * - `lost-response`: the operation runs and takes effect, then the connection is reset instead
 *   of answering, so the client cannot know it succeeded.
 */
export type SfnFaultKind = "throttling" | "5xx" | "reset" | "lost-response";

/** Fault injection: each request of a faulted operation fails with `probability`. */
export interface SfnLocalFaults {
  /** 0 to 1, per request; read on every request, so changing it takes effect at once. */
  probability: number;
  /** Which faults, chosen uniformly; default all of them. */
  kinds?: readonly SfnFaultKind[];
  /** Operation names; default `SendTaskSuccess` and `SendTaskFailure`. */
  operations?: readonly string[];
  /** Source of randomness in [0, 1); default Math.random (pass a seeded one to replay a run). */
  random?: () => number;
  /** Told about every fault as it is injected. */
  onFault?: (fault: { operation: string; kind: SfnFaultKind }) => void;
}

/** A running sfn-local server. */
export interface SfnLocal {
  /** Base URL for SDK clients, e.g. http://127.0.0.1:8083. */
  url: string;
  port: number;
  /** Registers (or replaces) a Lambda function by bare name. */
  registerFunction(name: string, fn: LocalFunction): void;
  /** Stops the server and every running execution's timers; leaves no handles open. */
  close(): Promise<void>;
}

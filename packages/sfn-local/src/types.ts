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

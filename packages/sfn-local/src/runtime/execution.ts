import type { CompiledDefinition } from "../definition/compiled-types.ts";
import type { ExecutionStatus } from "../types.ts";
import { HistoryLog } from "./history.ts";
import { type LongTimer, setLongTimeout } from "./long-timer.ts";
import { Run } from "./run.ts";
import type { ExecutionInfo, RunOutcome, RuntimeServices } from "./state-host.ts";

/** Everything needed to start an execution. */
export interface ExecutionParams {
  info: ExecutionInfo;
  inputText: string;
  definition: CompiledDefinition;
  services: RuntimeServices;
  /** Called when the execution starts and once more when it ends. */
  onStatusChange: (execution: Execution) => void;
}

/** One execution of a state machine, kept in memory with its history. */
export class Execution {
  readonly info: ExecutionInfo;
  readonly inputText: string;
  readonly history = new HistoryLog();
  status: ExecutionStatus = "RUNNING";
  stopDate: Date | undefined;
  outputText: string | undefined;
  error: string | undefined;
  cause: string | undefined;
  private readonly root: Run;
  private readonly definition: CompiledDefinition;
  private readonly onStatusChange: (execution: Execution) => void;
  private timeoutTimer: LongTimer | undefined;

  constructor(params: ExecutionParams) {
    this.info = params.info;
    this.inputText = params.inputText;
    this.definition = params.definition;
    this.onStatusChange = params.onStatusChange;
    const scope = { execution: params.info, history: this.history, services: params.services };
    this.root = new Run(scope, params.definition.root, 1);
  }

  /** Starts running; the outcome arrives through status changes. */
  start(): void {
    this.history.add(
      "ExecutionStarted",
      0,
      { input: this.inputText, inputDetails: { truncated: false }, roleArn: this.info.roleArn },
      this.info.startTime,
    );
    const { timeoutSeconds } = this.definition;
    if (timeoutSeconds !== undefined) {
      this.timeoutTimer = setLongTimeout(
        () => this.end("TIMED_OUT", "States.Timeout", undefined),
        timeoutSeconds * 1000,
      );
    }
    this.onStatusChange(this);
    void this.root.start(this.info.input).then((outcome) => this.complete(outcome));
  }

  /** StopExecution: aborts whatever runs and records ExecutionAborted. */
  stop(error: string | undefined, cause: string | undefined): void {
    if (this.status === "RUNNING") this.end("ABORTED", error, cause);
  }

  /** Server shutdown: stops every timer and callback without telling listeners. */
  shutdown(): void {
    if (this.status !== "RUNNING") return;
    this.status = "ABORTED";
    this.stopDate = new Date();
    this.timeoutTimer?.clear();
    this.root.abort();
  }

  private complete(outcome: RunOutcome): void {
    if (this.status !== "RUNNING") return;
    this.timeoutTimer?.clear();
    this.stopDate = new Date();
    if (outcome.status === "succeeded") {
      this.status = "SUCCEEDED";
      this.outputText = JSON.stringify(outcome.output);
      this.history.add(
        "ExecutionSucceeded",
        this.root.lastEventId,
        { output: this.outputText, outputDetails: { truncated: false } },
        this.stopDate,
      );
    } else if (outcome.status === "failed") {
      this.status = "FAILED";
      this.error = outcome.failure.error;
      this.cause = outcome.failure.cause;
      this.history.add(
        "ExecutionFailed",
        this.root.lastEventId,
        this.errorDetails(),
        this.stopDate,
      );
    } else {
      return;
    }
    this.onStatusChange(this);
  }

  private end(status: "ABORTED" | "TIMED_OUT", error?: string, cause?: string): void {
    this.status = status;
    this.stopDate = new Date();
    this.error = error;
    this.cause = cause;
    this.timeoutTimer?.clear();
    // Aborting first lets Map and Parallel states record their aborted events before this one.
    this.root.abort();
    const type = status === "ABORTED" ? "ExecutionAborted" : "ExecutionTimedOut";
    this.history.add(type, this.history.lastId, this.errorDetails(), this.stopDate);
    this.onStatusChange(this);
  }

  private errorDetails(): Record<string, unknown> {
    const details: Record<string, unknown> = {};
    if (this.error !== undefined) details.error = this.error;
    if (this.cause !== undefined) details.cause = this.cause;
    return details;
  }
}

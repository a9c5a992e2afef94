import type { CompiledMachine } from "../definition/compiled-types.ts";
import type { JsonObject, JsonValue } from "../json.ts";
import type { LocalFunctions } from "../lambda/local-functions.ts";
import type { SfnLocalLog } from "../types.ts";
import type { HistoryEventType, HistoryLog, HistoryRecord } from "./history.ts";
import type { Failure } from "./state-errors.ts";
import type { TaskTokens } from "./task-tokens.ts";

/** Server-wide services every execution uses. */
export interface RuntimeServices {
  tokens: TaskTokens;
  functions: LocalFunctions;
  region: string;
  accountId: string;
  /**
   * Delay given to aws-local-stepfunctions' own Task timer. The library fails every Task after
   * 60 s by default; sfn-local gives it this long delay instead and re-arms it whenever it runs
   * out, so a task waits as long as its execution runs.
   */
  guardSeconds: number;
  log: SfnLocalLog;
}

/** The execution a run belongs to. */
export interface ExecutionInfo {
  arn: string;
  name: string;
  input: JsonValue;
  startTime: Date;
  roleArn: string;
  stateMachineArn: string;
  stateMachineName: string;
}

/** What every run of one execution shares. */
export interface RunScope {
  execution: ExecutionInfo;
  history: HistoryLog;
  services: RuntimeServices;
}

/** How a run ended. */
export type RunOutcome =
  | { status: "succeeded"; output: JsonValue }
  | { status: "failed"; failure: Failure }
  | { status: "aborted" };

/** A nested run (a Map iteration or a Parallel branch) as its parent state sees it. */
export interface ChildRun {
  readonly lastEventId: number;
  start(input: JsonValue): Promise<RunOutcome>;
  abort(): void;
}

/** What the workers of Task, Map, Parallel and Wait states may use from their run. */
export interface StateHost {
  readonly scope: RunScope;
  /** Appends a history event chained after this run's previous one (or after `previousEventId`). */
  record(
    type: HistoryEventType,
    details?: Record<string, unknown>,
    previousEventId?: number,
  ): HistoryRecord;
  /** Creates a nested run whose first event follows `previousEventId`. */
  spawn(machine: CompiledMachine, previousEventId: number): ChildRun;
  /** A context object for evaluating a template in the current state, plus `extra` fields. */
  templateContext(extra: JsonObject): Record<string, unknown>;
}

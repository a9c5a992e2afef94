import type { JsonObject, JsonValue } from "../json.ts";
import type { JsonataTemplate } from "./jsonata-template.ts";

/** State types of the Amazon States Language. */
export type StateType =
  | "Task"
  | "Parallel"
  | "Map"
  | "Pass"
  | "Wait"
  | "Choice"
  | "Succeed"
  | "Fail";

/** A Task resource sfn-local knows how to run. */
export type TaskResource =
  | { kind: "lambda-invoke"; arn: string; waitForTaskToken: boolean }
  | { kind: "lambda-arn"; arn: string; functionName: string; qualifier?: string };

interface CompiledStateBase {
  name: string;
  type: StateType;
  /** The state as written by the author. */
  source: JsonObject;
  /**
   * The state as handed to aws-local-stepfunctions: workarounds applied and `$$` references
   * rewritten. Task-like states get per-run fields (timeout getter, re-arm retrier) on top.
   */
  library: Record<string, unknown>;
  /** Present when the state's QueryLanguage is JSONata: its fields, prepared. */
  jsonata?: JsonataFields;
  /** Present when a JSONPath state or one of its catchers has `Assign`. */
  jsonPath?: JsonPathFields;
}

/** A JSONPath Catch clause with its own Assign (evaluated with `$` = the error output). */
export interface JsonPathCatcher {
  next: string;
  /** The Assign payload template, references rewritten. */
  assign: JsonValue;
  /** The catcher's ResultPath as written (absent: the error output replaces the input). */
  resultPath?: JsonValue;
}

/**
 * The `Assign` fields of a JSONPath state, prepared at CreateStateMachine: payload templates
 * whose `$name` references are rewritten to the run's live variables.
 */
export interface JsonPathFields {
  assign?: JsonValue;
  /** Per Choice rule, in order: the rule's own Assign. */
  ruleAssigns?: Array<JsonValue | undefined>;
  /** Per Catch clause, in order: those with Assign. */
  catchers?: Array<JsonPathCatcher | undefined>;
}

/** A JSONata Choice rule. */
export interface JsonataChoice {
  condition: JsonataTemplate;
  next: string;
  output?: JsonataTemplate;
  assign?: JsonataTemplate;
}

/** A JSONata Catch clause's own Output and Assign (evaluated with `$states.errorOutput`). */
export interface JsonataCatcher {
  next: string;
  output?: JsonataTemplate;
  assign?: JsonataTemplate;
}

/** The JSONata fields of a state, parsed at CreateStateMachine. */
export interface JsonataFields {
  arguments?: JsonataTemplate;
  output?: JsonataTemplate;
  assign?: JsonataTemplate;
  timeoutSeconds?: JsonataTemplate;
  heartbeatSeconds?: JsonataTemplate;
  seconds?: JsonataTemplate;
  timestamp?: JsonataTemplate;
  error?: JsonataTemplate;
  cause?: JsonataTemplate;
  choices?: JsonataChoice[];
  default?: string;
  catchers?: JsonataCatcher[];
  items?: JsonataTemplate;
  itemSelector?: JsonataTemplate;
  maxConcurrency?: JsonataTemplate;
}

/** A state the library runs by itself (Pass, Choice, Succeed, Fail). */
export interface NativeState extends CompiledStateBase {
  kind: "native";
}

/** A JSONata Pass, Choice, Succeed or Fail state; sfn-local evaluates its expressions. */
export interface ExpressionState extends CompiledStateBase {
  kind: "expression";
  jsonata: JsonataFields;
}

/** A Task state; its work is done by sfn-local's handler. */
export interface TaskState extends CompiledStateBase {
  kind: "task";
  resource: TaskResource;
  timeoutSeconds?: number;
  heartbeatSeconds?: number;
  /** True when Parameters were wrapped so the handler also receives the *Path values. */
  wrapsParameters: boolean;
}

/** A Map state (inline mode); sfn-local runs its iterations. */
export interface MapState extends CompiledStateBase {
  kind: "map";
  iterator: CompiledMachine;
  itemSelector?: JsonValue;
  maxConcurrency?: number;
}

/** A Parallel state; sfn-local runs its branches. */
export interface ParallelState extends CompiledStateBase {
  kind: "parallel";
  branches: CompiledMachine[];
}

/** A JSONPath Pass state with Assign; sfn-local's handler returns its result. */
export interface PassState extends CompiledStateBase {
  kind: "pass";
  /** The Pass state's Result, when it has one. */
  result?: JsonValue;
}

/** A JSONPath Choice state with Assign; sfn-local evaluates which rule matches. */
export interface ChoiceState extends CompiledStateBase {
  kind: "choice";
  /** A library machine whose output `{ rule }` is the index of the matching rule (-1: Default). */
  chooser: Record<string, unknown>;
  nexts: string[];
  default?: string;
}

/** A Wait state; sfn-local sleeps so that long waits neither overflow nor block. */
export interface WaitState extends CompiledStateBase {
  kind: "wait";
  seconds?: number;
  timestamp?: string;
}

/** Any compiled state. */
export type CompiledState =
  | NativeState
  | TaskState
  | MapState
  | ParallelState
  | WaitState
  | ExpressionState
  | PassState
  | ChoiceState;

/** States whose work sfn-local does inside a library Task handler. */
export type HandledState =
  | TaskState
  | MapState
  | ParallelState
  | WaitState
  | ExpressionState
  | PassState
  | ChoiceState;

/** A state machine or a branch / item processor of one. */
export interface CompiledMachine {
  startAt: string;
  states: ReadonlyMap<string, CompiledState>;
}

/** A validated definition, ready to run. */
export interface CompiledDefinition {
  root: CompiledMachine;
  /** Top-level TimeoutSeconds; enforced by sfn-local, not the library. */
  timeoutSeconds?: number;
}

import "../promise-with-resolvers.ts";
import {
  type RunOptions,
  StateMachine,
  type StateMachineDefinition,
} from "aws-local-stepfunctions";
import type { CompiledMachine, CompiledState, HandledState } from "../definition/compiled-types.ts";
import type { JsonObject, JsonValue } from "../json.ts";
import { Attempt } from "./attempt.ts";
import {
  type ContextSource,
  createContextObject,
  snapshotContextObject,
} from "./context-object.ts";
import { assignedVariablesDetails, type HistoryEventType, type HistoryRecord } from "./history.ts";
import { CATCH_STATE, type CatchHost, JsonataCatches } from "./jsonata-catch.ts";
import type { JsonataScope } from "./jsonata-evaluator.ts";
import type { JsonataHost } from "./jsonata-output.ts";
import { startJsonataState } from "./jsonata-worker.ts";
import { finishWithAssign } from "./jsonpath-assign.ts";
import { startHandledState } from "./start-handled-state.ts";
import { abortedError, describeFailure, runtimeError } from "./state-errors.ts";
import type { ChildRun, RunOutcome, RunScope } from "./state-host.ts";
import { createTaskToken } from "./task-tokens.ts";

interface CurrentState {
  state: CompiledState;
  enteredAt: Date;
  enteredEventId: number;
  attempts: number;
  /** The latest attempt of this entry into the state. */
  attempt?: Attempt;
  /** The token for the attempt about to start: its Parameters are evaluated before it exists. */
  nextToken?: string;
}

function waitsForTaskToken(state: CompiledState): boolean {
  return (
    state.kind === "task" &&
    state.resource.kind === "lambda-invoke" &&
    state.resource.waitForTaskToken
  );
}

/**
 * One run of a state machine (the execution itself, a Map iteration or a Parallel branch) on
 * aws-local-stepfunctions, with sfn-local's hooks:
 *
 * 1. `States` is a proxy, so every transition (`States[next]`) is seen the moment it happens:
 *    that is where state entered/exited history events are recorded, in their true order. Their
 *    input and output arrive a moment later from the library's event log of this run.
 * 2. Task, Map, Parallel and Wait states are library Tasks whose handler is `invoke`: sfn-local
 *    does their work (Lambda calls, task tokens, iterations, branches, long sleeps).
 * 3. The library's Task timer defaults to 60 s and cannot be switched off. Each handled state
 *    reads its delay from a getter: the remaining TimeoutSeconds when that is shorter than the
 *    guard, else the guard. When the guard runs out, a hidden first retrier matches the library's
 *    States.Timeout, and the next handler call continues the same attempt.
 */
export class Run implements JsonataHost, CatchHost, ChildRun, ContextSource {
  readonly scope: RunScope;
  readonly machine: CompiledMachine;
  /**
   * Variables (`Assign`) of this run. A nested run (Map iteration, Parallel branch) starts from
   * a copy of its parent's: it reads the outer values, and its own assignments stay inside it.
   */
  private readonly variables: Record<string, JsonValue>;
  /** Assignments of the current JSONPath state: applied when it exits. */
  private pendingAssignments: JsonObject | undefined;
  /** What the current state (or its catcher) assigned, for its exited event. */
  private assignedInState: JsonObject | undefined;
  /** The latest exited event: a catcher's assignments are shown there, as on AWS. */
  private lastExited: HistoryRecord | undefined;
  /** The raw input of the latest state the library entered, from its event log. */
  private enteredInput: { eventId: number; input: JsonValue } | undefined;
  private enteredInputWaiter: { eventId: number; resolve: (input: JsonValue) => void } | undefined;
  lastEventId: number;
  private current: CurrentState | undefined;
  private attempt: Attempt | undefined;
  private libraryTimeoutSeconds: number;
  private aborted = false;
  private abortLibrary: (() => void) | undefined;
  private readonly libraryStates = new Map<string, Record<string, unknown>>();
  private readonly awaitingInput: Array<HistoryRecord | undefined> = [];
  private readonly awaitingOutput: Array<HistoryRecord | undefined> = [];
  private readonly outputOverrides = new Map<HistoryRecord, string>();
  private readonly catches = new JsonataCatches(this);
  private inCatchState = false;

  constructor(
    scope: RunScope,
    machine: CompiledMachine,
    previousEventId: number,
    variables: Record<string, JsonValue> = {},
  ) {
    this.scope = scope;
    this.machine = machine;
    this.lastEventId = previousEventId;
    this.variables = { ...variables };
    this.libraryTimeoutSeconds = scope.services.guardSeconds;
  }

  get execution(): ContextSource["execution"] {
    return this.scope.execution;
  }

  /** Runs the machine to its end; never rejects. */
  async start(input: JsonValue): Promise<RunOutcome> {
    const states = new Proxy({}, { get: (_target, key) => this.lookupState(key) });
    const definition = { StartAt: this.machine.startAt, States: states };
    const library = new StateMachine(definition as unknown as StateMachineDefinition, {
      validationOptions: { noValidate: true },
    });
    const handlers: Record<string, (input: JsonValue) => Promise<JsonValue>> = {};
    for (const [name, state] of this.machine.states) {
      if (state.kind !== "native") handlers[name] = (stateInput) => this.invoke(name, stateInput);
    }
    handlers[CATCH_STATE] = (errorOutput) =>
      this.catches.finish(errorOutput, (record, text) => {
        this.outputOverrides.set(record, text);
        if (record.details) record.details.output = text;
      });
    const execution = library.run(input, {
      overrides: { taskResourceLocalHandlers: handlers } as RunOptions["overrides"],
      context: createContextObject(this) as RunOptions["context"],
      noThrowOnAbort: true,
    });
    this.abortLibrary = execution.abort;
    if (this.aborted) execution.abort();
    const eventData = this.collectEventData(execution.eventLogs);
    let outcome: RunOutcome;
    try {
      const output = (await execution.result) as JsonValue;
      outcome = this.aborted ? { status: "aborted" } : { status: "succeeded", output };
    } catch (thrown) {
      const cause = thrown instanceof Error && thrown.cause !== undefined ? thrown.cause : thrown;
      outcome = this.aborted
        ? { status: "aborted" }
        : { status: "failed", failure: describeFailure(cause, this.current?.state) };
    }
    await eventData;
    return outcome;
  }

  /** Stops the run and whatever its current state is doing. */
  abort(): void {
    if (this.aborted) return;
    this.aborted = true;
    this.abortLibrary?.();
    this.attempt?.abort();
  }

  record(
    type: HistoryEventType,
    details?: Record<string, unknown>,
    previousEventId = this.lastEventId,
  ): HistoryRecord {
    const record = this.scope.history.add(type, previousEventId, details);
    this.lastEventId = record.id;
    return record;
  }

  spawn(machine: CompiledMachine, previousEventId: number): ChildRun {
    return new Run(this.scope, machine, previousEventId, this.variables);
  }

  templateContext(extra: JsonObject): Record<string, unknown> {
    return createContextObject(this, extra);
  }

  jsonataScope(input: JsonValue): JsonataScope {
    const scope = {
      stateName: this.current?.state.name ?? "",
      enteredEventId: this.current?.enteredEventId ?? 0,
      states: { input, context: snapshotContextObject(this) },
      variables: { ...this.variables },
    };
    this.catches.rememberScope(scope);
    return scope;
  }

  assignVariables(values: JsonObject): void {
    Object.assign(this.variables, values);
    this.assignedInState = { ...this.assignedInState, ...values };
  }

  assignAfterState(values: JsonObject): void {
    this.pendingAssignments = { ...this.pendingAssignments, ...structuredClone(values) };
    this.assignedInState = { ...this.assignedInState, ...values };
  }

  currentVariables(): JsonObject {
    return this.variables;
  }

  failingState(): { name: string; rawInput: Promise<JsonValue> } | undefined {
    const current = this.current;
    if (!current) return undefined;
    const eventId = current.enteredEventId;
    const known = this.enteredInput;
    if (known?.eventId === eventId) {
      return { name: current.state.name, rawInput: Promise.resolve(known.input) };
    }
    // The library logged the state's entry; its event log has not been read that far yet.
    const rawInput = new Promise<JsonValue>((resolve) => {
      this.enteredInputWaiter = { eventId, resolve };
    });
    return { name: current.state.name, rawInput };
  }

  currentStateName(): string | undefined {
    return this.current?.state.name;
  }

  currentStateEnteredTime(): Date | undefined {
    return this.current?.enteredAt;
  }

  currentRetryCount(): number | undefined {
    return this.current?.attempts;
  }

  /**
   * One token per attempt, however often and whenever it is read: while the attempt runs (the
   * function's payload is copied and the library re-evaluates Parameters when its timer is
   * re-armed) and after it succeeds (ResultSelector). Only a failed attempt's retry gets a new
   * one, as on AWS; it is minted at the first read, when the retry's Parameters are evaluated.
   */
  currentTaskToken(): string | undefined {
    const current = this.current;
    if (!current || !waitsForTaskToken(current.state)) return undefined;
    const attempt = current.attempt;
    if (attempt && (!attempt.settled || attempt.succeeded)) return attempt.token;
    current.nextToken ??= createTaskToken();
    return current.nextToken;
  }

  // Called by the library for `States[StartAt]` and after each state for `States[next]`
  // ("" after an end state): the previous state has just exited, the next is about to enter.
  private lookupState(key: string | symbol): Record<string, unknown> | undefined {
    if (typeof key !== "string") return undefined;
    const state = this.machine.states.get(key);
    if (!state && key !== "" && key !== CATCH_STATE) return undefined;
    const at = new Date();
    if (this.pendingAssignments) {
      // The state that just ended assigned variables: they are visible from the next state on.
      Object.assign(this.variables, this.pendingAssignments);
      this.pendingAssignments = undefined;
    }
    const assigned = this.assignedInState ? assignedVariablesDetails(this.assignedInState) : {};
    this.assignedInState = undefined;
    let exited: HistoryRecord | undefined;
    if (this.current) {
      exited = this.record(`${this.current.state.type}StateExited` as HistoryEventType, {
        ...assigned,
        name: this.current.state.name,
        outputDetails: { truncated: false },
      });
      this.awaitingOutput.push(exited);
      this.lastExited = exited;
      this.current = undefined;
    } else if (this.inCatchState) {
      // The library logs the hidden state's own exit, which has no history event; what the
      // catcher assigned shows on the failed state's exited event.
      this.awaitingOutput.push(undefined);
      this.inCatchState = false;
      if (this.lastExited?.details) Object.assign(this.lastExited.details, assigned);
    }
    if (key === CATCH_STATE) {
      this.inCatchState = true;
      this.awaitingInput.push(undefined);
      return this.catches.libraryState(exited);
    }
    if (!state) return undefined;
    // An aborted library run looks the next state up but never enters it.
    if (!this.aborted) {
      const record = this.record(`${state.type}StateEntered` as HistoryEventType, {
        name: state.name,
        inputDetails: { truncated: false },
      });
      this.current = { state, enteredAt: at, enteredEventId: record.id, attempts: 0 };
      this.awaitingInput.push(record);
    }
    return this.libraryState(state);
  }

  private libraryState(state: CompiledState): Record<string, unknown> {
    if (state.kind === "native") return state.library;
    const cached = this.libraryStates.get(state.name);
    if (cached) return cached;
    const run = this;
    const rearm = {
      get ErrorEquals() {
        const attempt = run.attempt;
        return attempt?.rearmPending && !attempt.settled ? ["States.Timeout"] : [];
      },
      IntervalSeconds: 0,
      BackoffRate: 1,
      MaxAttempts: Number.MAX_SAFE_INTEGER,
    };
    const retriers = Array.isArray(state.library.Retry) ? state.library.Retry : [];
    const library: Record<string, unknown> = { ...state.library, Retry: [rearm, ...retriers] };
    Object.defineProperty(library, "TimeoutSeconds", {
      enumerable: true,
      get: () => run.libraryTimeoutSeconds,
    });
    if ("Catch" in library) {
      library.Catch = this.catches.wrap(
        library.Catch,
        state.jsonata?.catchers,
        state.jsonPath?.catchers,
      );
      if (state.jsonPath?.assign !== undefined) library.Catch = this.forgetOnCatch(library.Catch);
    }
    if (state.type === "Choice") {
      // Read by the library once the handler has resolved: the rule the attempt chose.
      Object.defineProperty(library, "Next", { enumerable: true, get: () => run.attempt?.next });
    }
    this.libraryStates.set(state.name, library);
    return library;
  }

  // A state whose result was assigned can still fail afterwards (its ResultPath cannot apply):
  // when a catcher takes over, the state's own assignments must not take effect.
  private forgetOnCatch(catchers: unknown): unknown {
    if (!Array.isArray(catchers)) return catchers;
    return catchers.map((catcher: object) => {
      const descriptors = Object.getOwnPropertyDescriptors(catcher);
      const next = descriptors.Next;
      const copy = Object.defineProperties({}, descriptors);
      Object.defineProperty(copy, "Next", {
        enumerable: true,
        get: () => {
          this.pendingAssignments = undefined;
          this.assignedInState = undefined;
          return next?.get ? next.get.call(catcher) : next?.value;
        },
      });
      return copy;
    });
  }

  // The library's handler for Task, Map, Parallel and Wait states. It must not throw.
  private invoke(name: string, input: JsonValue): Promise<JsonValue> {
    try {
      const state = this.machine.states.get(name) as HandledState;
      if (this.aborted) return Promise.reject(abortedError());
      const previous = this.attempt;
      if (previous?.rearmPending && !previous.settled && previous.state === state) {
        previous.rearmPending = false;
        this.armLibraryTimer(previous);
        return previous.promise;
      }
      // The evaluated Parameters may hold live context objects (`"task.$": "$$.Task"`):
      // copy them now, while they still read as they did when the library evaluated them.
      const parameters = structuredClone(input);
      const attempt = new Attempt(state);
      const current = this.current;
      if (waitsForTaskToken(state)) attempt.token = current?.nextToken ?? createTaskToken();
      this.attempt = attempt;
      if (current) {
        current.attempts += 1;
        current.attempt = attempt;
        current.nextToken = undefined;
      }
      if (state.jsonata) {
        startJsonataState(this, attempt, parameters);
      } else {
        finishWithAssign(this, attempt);
        startHandledState(this, attempt, parameters);
      }
      this.armLibraryTimer(attempt);
      return attempt.promise;
    } catch (thrown) {
      this.scope.services.log("error", `sfn-local: state "${name}" could not start`, thrown);
      return Promise.reject(
        runtimeError(`sfn-local could not run state "${name}": ${String(thrown)}`),
      );
    }
  }

  // Sets the delay the library reads right after this handler returns, and a timer with the
  // same delay. Created first, it fires just before the library's: either TimeoutSeconds has
  // really run out, or the guard has and the library's States.Timeout must re-arm instead.
  private armLibraryTimer(attempt: Attempt): void {
    const guardSeconds = this.scope.services.guardSeconds;
    let seconds = guardSeconds;
    let isTimeout = false;
    if (attempt.deadline !== undefined) {
      const remainingMs = Math.max(attempt.deadline - Date.now(), 1);
      if (remainingMs <= guardSeconds * 1000) {
        seconds = remainingMs / 1000;
        isTimeout = true;
      }
    }
    this.libraryTimeoutSeconds = seconds;
    if (attempt.settled) return;
    const timer = setTimeout(() => {
      if (attempt.settled) return;
      if (isTimeout) attempt.timeOut();
      else attempt.rearmPending = true;
    }, seconds * 1e3);
    attempt.onEnd(() => clearTimeout(timer));
  }

  private noteEnteredInput(eventId: number, input: JsonValue): void {
    this.enteredInput = { eventId, input };
    const waiter = this.enteredInputWaiter;
    if (waiter?.eventId === eventId) {
      this.enteredInputWaiter = undefined;
      waiter.resolve(input);
    }
  }

  // Fills in the input and output of entered/exited events from the library's event log. The
  // log of a run lists them in the same order as the transitions seen by lookupState.
  private async collectEventData(events: ReturnType<StateMachine["run"]>["eventLogs"]) {
    for await (const event of events) {
      if (event.type === "StateEntered") {
        const record = this.awaitingInput.shift();
        if (record?.details) record.details.input = JSON.stringify(event.state.input);
        if (record) this.noteEnteredInput(record.id, event.state.input as JsonValue);
      } else if (event.type === "StateExited") {
        const record = this.awaitingOutput.shift();
        if (record?.details) {
          record.details.output =
            this.outputOverrides.get(record) ?? JSON.stringify(event.state.output);
        }
      }
    }
  }
}

import type { CompiledDefinition } from "../definition/compiled-types.ts";
import { MAX_TIMER_SECONDS } from "../definition/library-state.ts";
import { LocalFunctions } from "../lambda/local-functions.ts";
import type { Execution } from "../runtime/execution.ts";
import type { RuntimeServices } from "../runtime/state-host.ts";
import { TaskTokens } from "../runtime/task-tokens.ts";
import type {
  ExecutionStatusChangeEvent,
  SfnLocalFaults,
  SfnLocalLog,
  SfnLocalOptions,
} from "../types.ts";
import type { ArnScope } from "./arns.ts";
import { statusChangeEvent } from "./status-change-event.ts";

/** A registered state machine. */
export interface StateMachineRecord {
  arn: string;
  name: string;
  definitionText: string;
  definition: CompiledDefinition;
  roleArn: string;
  creationDate: Date;
  updateDate?: Date;
  revisionId: string;
  executions: Execution[];
}

/** Knobs tests use to exercise long waits quickly; not part of the public options. */
export interface BackendInternals {
  /** Delay given to the library's Task timer before it is re-armed (default: the maximum). */
  guardSeconds?: number;
}

const defaultLog: SfnLocalLog = (level, message, error) => {
  if (level === "error") console.error(message, error ?? "");
};

/** The in-memory state of one sfn-local server: state machines, executions, tokens, functions. */
export class Backend {
  readonly scope: ArnScope;
  readonly services: RuntimeServices;
  readonly stateMachines = new Map<string, StateMachineRecord>();
  readonly executions = new Map<string, Execution>();
  /** Set once the server is closing; no request is served after that. */
  closed = false;
  /** Faults to inject, as given (not copied: a caller may change them while it runs). */
  readonly faults: SfnLocalFaults | undefined;
  private readonly listener: SfnLocalOptions["onExecutionStatusChange"];

  constructor(options: SfnLocalOptions, internals: BackendInternals = {}) {
    this.scope = {
      region: options.region ?? "us-east-1",
      accountId: options.accountId ?? "123456789012",
    };
    this.listener = options.onExecutionStatusChange;
    this.faults = options.faults;
    this.services = {
      tokens: new TaskTokens(),
      functions: new LocalFunctions(this.scope, options.functions),
      region: this.scope.region,
      accountId: this.scope.accountId,
      guardSeconds: internals.guardSeconds ?? MAX_TIMER_SECONDS,
      log: options.log ?? defaultLog,
    };
  }

  /**
   * Tells the listener about a status change. It runs detached from the execution: a throwing or
   * rejecting listener is logged and changes nothing.
   */
  notify(execution: Execution): void {
    this.services.log("debug", `sfn-local: ${execution.info.arn} is ${execution.status}`);
    const listener = this.listener;
    if (!listener) return;
    const event: ExecutionStatusChangeEvent = statusChangeEvent(execution, this.scope);
    void new Promise<void>((resolve) => resolve(listener(event))).catch((error: unknown) =>
      this.services.log("error", "sfn-local: onExecutionStatusChange listener failed", error),
    );
  }

  /** Stops every running execution's timers and callbacks (server shutdown). */
  shutdown(): void {
    this.closed = true;
    for (const execution of this.executions.values()) execution.shutdown();
  }
}

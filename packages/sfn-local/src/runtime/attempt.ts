import type { HandledState } from "../definition/compiled-types.ts";
import type { JsonValue } from "../json.ts";
import { abortedError } from "./state-errors.ts";

/**
 * One try at a Task, Map, Parallel or Wait state: the promise handed to aws-local-stepfunctions
 * and everything needed to settle it exactly once. A try may span several library handler calls
 * when a long wait re-arms the library's timer (see Run).
 */
export class Attempt {
  readonly state: HandledState;
  readonly promise: Promise<JsonValue>;
  /** Aborted when the try is over for any reason; workers stop their timers and children on it. */
  readonly signal: AbortSignal;
  /** The task token, for .waitForTaskToken tasks. */
  token: string | undefined;
  /** When TimeoutSeconds runs out (epoch ms), for Task states that have one. */
  deadline: number | undefined;
  /** Called when TimeoutSeconds runs out, before the library fails the state with States.Timeout. */
  onTimedOut: (() => void) | undefined;
  /** Set just before the library's guard timer fires: its States.Timeout must re-arm, not fail. */
  rearmPending = false;
  /**
   * Turns the result into the state's output (JSONata `Output` and `Assign`); its rejection
   * fails the try instead.
   */
  finish: ((result: JsonValue) => Promise<JsonValue>) | undefined;
  /** The state to go to next, when the state chooses it (a JSONata Choice). */
  next: string | undefined;
  private isSettled = false;
  private isSucceeded = false;
  private readonly controller = new AbortController();
  private readonly cleanups: Array<() => void> = [];
  private resolvePromise!: (value: JsonValue) => void;
  private rejectPromise!: (error: unknown) => void;

  constructor(state: HandledState) {
    this.state = state;
    this.signal = this.controller.signal;
    this.promise = new Promise<JsonValue>((resolve, reject) => {
      this.resolvePromise = resolve;
      this.rejectPromise = reject;
    });
    // The library always awaits this promise, but an aborted try may reject after it stopped.
    this.promise.catch(() => {});
  }

  /** True once the try has succeeded, failed, timed out or been aborted. */
  get settled(): boolean {
    return this.isSettled;
  }

  /** True once the try has succeeded (resolved); false while it runs and after a failure. */
  get succeeded(): boolean {
    return this.isSucceeded;
  }

  /** Runs `cleanup` when the try ends (timers, listeners). */
  onEnd(cleanup: () => void): void {
    if (this.isSettled) cleanup();
    else this.cleanups.push(cleanup);
  }

  /** Completes the try; false when it had already ended. */
  resolve(value: JsonValue): boolean {
    if (!this.end()) return false;
    this.isSucceeded = true;
    if (this.finish) this.finish(value).then(this.resolvePromise, this.rejectPromise);
    else this.resolvePromise(value);
    return true;
  }

  /** Fails the try; false when it had already ended. */
  reject(error: unknown): boolean {
    if (!this.end()) return false;
    this.rejectPromise(error);
    return true;
  }

  /** TimeoutSeconds ran out: the library's own timer fails the state right after this. */
  timeOut(): void {
    if (!this.end()) return;
    this.onTimedOut?.();
  }

  /**
   * TimeoutSeconds ran out while the library's timer cannot know it (the limit was evaluated
   * after the library armed its timer): fail with `error`, the library's own timeout error.
   */
  timeOutWith(error: Error): void {
    if (!this.end()) return;
    this.onTimedOut?.();
    this.rejectPromise(error);
  }

  /** The execution was stopped (or a sibling failed): end the try with an uncatchable error. */
  abort(): void {
    if (!this.end()) return;
    this.rejectPromise(abortedError());
  }

  private end(): boolean {
    if (this.isSettled) return false;
    this.isSettled = true;
    this.controller.abort();
    for (const cleanup of this.cleanups.splice(0)) cleanup();
    return true;
  }
}

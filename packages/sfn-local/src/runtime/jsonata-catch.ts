import type { JsonataCatcher } from "../definition/compiled-types.ts";
import type { JsonValue } from "../json.ts";
import type { HistoryRecord } from "./history.ts";
import type { JsonataScope } from "./jsonata-evaluator.ts";
import { type JsonataHost, produceOutput, reportFailure } from "./jsonata-output.ts";

/**
 * The hidden library state a JSONata Catch with its own Output or Assign goes through: the
 * library builds the error output and then looks this state up, whose handler evaluates the
 * catcher's fields and whose Next is the catcher's. It records no history of its own.
 */
export const CATCH_STATE = "sfn-local:jsonata-catch";

interface PendingCatch {
  catcher: JsonataCatcher;
  scope: JsonataScope;
  /** The failed state's exited event: its output becomes the catcher's Output. */
  exited?: HistoryRecord;
}

/** The JSONata catchers of one run: which one matched, and finishing it. */
export class JsonataCatches {
  private readonly host: JsonataHost;
  /** The scope of the run's latest JSONata attempt: the failed state's, when a catcher matches. */
  private lastScope: JsonataScope | undefined;
  private pending: PendingCatch | undefined;

  constructor(host: JsonataHost) {
    this.host = host;
  }

  rememberScope(scope: JsonataScope): void {
    this.lastScope = scope;
  }

  /**
   * The library's catchers of a state; those with their own Output or Assign send the run
   * through the hidden state. The library reads a catcher's Next only when it matched.
   */
  wrap(libraryCatchers: unknown, catchers: JsonataCatcher[] | undefined): unknown {
    if (!catchers || !Array.isArray(libraryCatchers)) return libraryCatchers;
    return libraryCatchers.map((catcher: Record<string, unknown>, index: number) => {
      const compiled = catchers[index];
      if (!compiled || (!compiled.output && !compiled.assign)) return catcher;
      const wrapped = { ...catcher };
      Object.defineProperty(wrapped, "Next", {
        enumerable: true,
        get: () => {
          if (this.lastScope) this.pending = { catcher: compiled, scope: this.lastScope };
          return CATCH_STATE;
        },
      });
      return wrapped;
    });
  }

  /** The hidden state as the library runs it, leading to the matched catcher's Next. */
  libraryState(exited: HistoryRecord | undefined): Record<string, unknown> {
    if (this.pending && exited) this.pending.exited = exited;
    return { Type: "Task", Resource: CATCH_STATE, Next: this.pending?.catcher.next };
  }

  /**
   * The hidden state's handler: the catcher's Output and Assign with `$states.errorOutput`,
   * against the failed state's input and the variables before it. The failed state's exited
   * event gets the output through `setExitedOutput`.
   */
  async finish(
    errorOutput: JsonValue,
    setExitedOutput: (record: HistoryRecord, text: string) => void,
  ): Promise<JsonValue> {
    const pending = this.pending;
    this.pending = undefined;
    if (!pending) return errorOutput;
    const scope = { ...pending.scope, states: { ...pending.scope.states, errorOutput } };
    const { catcher } = pending;
    const output = await reportFailure(
      this.host,
      produceOutput(this.host, scope, catcher.output, [catcher.assign], errorOutput),
    );
    if (pending.exited) setExitedOutput(pending.exited, JSON.stringify(output));
    return output;
  }
}

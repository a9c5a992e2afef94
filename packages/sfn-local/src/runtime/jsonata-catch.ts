import type { JsonataCatcher, JsonPathCatcher } from "../definition/compiled-types.ts";
import { isJsonObject, type JsonValue } from "../json.ts";
import type { HistoryRecord } from "./history.ts";
import type { JsonataScope } from "./jsonata-evaluator.ts";
import { type JsonataHost, produceOutput, reportFailure } from "./jsonata-output.ts";
import {
  applyCatcherResultPath,
  evaluateAssign,
  type JsonPathAssignHost,
} from "./jsonpath-assign.ts";

/**
 * The hidden library state a catcher with its own fields goes through (a JSONata Catch with
 * Output or Assign, a JSONPath Catch with Assign): the library builds the error output and then
 * looks this state up, whose handler evaluates the catcher's fields and whose Next is the
 * catcher's. It records no history of its own.
 */
export const CATCH_STATE = "sfn-local:jsonata-catch";

type PendingCatch = (
  | { kind: "jsonata"; catcher: JsonataCatcher; scope: JsonataScope }
  | { kind: "jsonpath"; catcher: JsonPathCatcher; stateName: string; rawInput: Promise<JsonValue> }
) & {
  /** The failed state's exited event: its output becomes the catcher's output. */
  exited?: HistoryRecord;
};

/** What the catches need from their run. */
export interface CatchHost extends JsonataHost, JsonPathAssignHost {
  /** The name of the state now failing and its raw input (as the library received it). */
  failingState(): { name: string; rawInput: Promise<JsonValue> } | undefined;
}

/** The catchers with their own fields of one run: which one matched, and finishing it. */
export class JsonataCatches {
  private readonly host: CatchHost;
  /** The scope of the run's latest JSONata attempt: the failed state's, when a catcher matches. */
  private lastScope: JsonataScope | undefined;
  private pending: PendingCatch | undefined;

  constructor(host: CatchHost) {
    this.host = host;
  }

  rememberScope(scope: JsonataScope): void {
    this.lastScope = scope;
  }

  /**
   * The library's catchers of a state; those with their own fields send the run through the
   * hidden state. The library reads a catcher's Next only when it matched. A JSONPath catcher
   * loses its ResultPath there, so that the hidden state receives the error output itself; the
   * hidden state applies the ResultPath after evaluating Assign.
   */
  wrap(
    libraryCatchers: unknown,
    catchers: JsonataCatcher[] | undefined,
    jsonPathCatchers: Array<JsonPathCatcher | undefined> | undefined,
  ): unknown {
    if ((!catchers && !jsonPathCatchers) || !Array.isArray(libraryCatchers)) {
      return libraryCatchers;
    }
    return libraryCatchers.map((catcher: Record<string, unknown>, index: number) => {
      const compiled = catchers?.[index];
      const jsonPath = jsonPathCatchers?.[index];
      if (jsonPath) {
        const { ResultPath: _resultPath, ...wrapped } = catcher;
        Object.defineProperty(wrapped, "Next", {
          enumerable: true,
          get: () => {
            const failing = this.host.failingState();
            if (failing) {
              this.pending = {
                kind: "jsonpath",
                catcher: jsonPath,
                stateName: failing.name,
                rawInput: failing.rawInput,
              };
            }
            return CATCH_STATE;
          },
        });
        return wrapped;
      }
      if (!compiled || (!compiled.output && !compiled.assign)) return catcher;
      const wrapped = { ...catcher };
      Object.defineProperty(wrapped, "Next", {
        enumerable: true,
        get: () => {
          if (this.lastScope) {
            this.pending = { kind: "jsonata", catcher: compiled, scope: this.lastScope };
          }
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
   * The hidden state's handler. JSONata: the catcher's Output and Assign with
   * `$states.errorOutput`, against the failed state's input and the variables before it.
   * JSONPath: the catcher's Assign with `$` = the error output, then its ResultPath. The failed
   * state's exited event gets the output through `setExitedOutput`.
   */
  async finish(
    errorOutput: JsonValue,
    setExitedOutput: (record: HistoryRecord, text: string) => void,
  ): Promise<JsonValue> {
    const pending = this.pending;
    this.pending = undefined;
    if (!pending) return errorOutput;
    let output: JsonValue;
    if (pending.kind === "jsonata") {
      const scope = { ...pending.scope, states: { ...pending.scope.states, errorOutput } };
      const { catcher } = pending;
      output = await reportFailure(
        this.host,
        produceOutput(this.host, scope, catcher.output, [catcher.assign], errorOutput),
      );
    } else {
      const context = this.host.templateContext({});
      const { catcher } = pending;
      const values = await evaluateAssign(catcher.assign, errorOutput, context, pending.stateName);
      output = await applyCatcherResultPath(
        catcher.resultPath,
        await pending.rawInput,
        isJsonObject(errorOutput) ? errorOutput : {},
        context,
      );
      this.host.assignAfterState(values);
    }
    if (pending.exited) setExitedOutput(pending.exited, JSON.stringify(output));
    return output;
  }
}

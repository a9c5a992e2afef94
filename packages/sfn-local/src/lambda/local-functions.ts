import { randomUUID } from "node:crypto";
import type { JsonValue } from "../json.ts";
import type { LocalFunction } from "../types.ts";
import { type FunctionReference, functionArn } from "./function-name.ts";

/** A Lambda-style failure: the error name Step Functions matches on and its JSON cause. */
export interface LambdaFailure {
  error: string;
  cause: string;
}

/** The result of invoking a local function. */
export type InvokeResult = { ok: true; payload: JsonValue } | { ok: false; failure: LambdaFailure };

/** Describes a thrown value the way the Node.js Lambda runtime reports a function error. */
export function describeFunctionError(thrown: unknown): LambdaFailure {
  const error = thrown instanceof Error ? thrown : undefined;
  const errorType = error?.name || "Error";
  const errorMessage = error ? error.message : String(thrown);
  const trace = error?.stack ? error.stack.split("\n") : [];
  return { error: errorType, cause: JSON.stringify({ errorType, errorMessage, trace }) };
}

/** Lambda functions registered in-process, looked up by bare name. */
export class LocalFunctions {
  private readonly functions = new Map<string, LocalFunction>();
  private readonly scope: { region: string; accountId: string };

  constructor(
    scope: { region: string; accountId: string },
    initial: Record<string, LocalFunction> = {},
  ) {
    this.scope = scope;
    for (const [name, fn] of Object.entries(initial)) this.functions.set(name, fn);
  }

  /** Registers or replaces a function. */
  register(name: string, fn: LocalFunction): void {
    this.functions.set(name, fn);
  }

  /**
   * Invokes a function with a JSON copy of the payload and returns a JSON copy of its result,
   * as a real invocation would. Failures come back as values named like Lambda's errors.
   */
  async invoke(reference: FunctionReference, payload: JsonValue): Promise<InvokeResult> {
    const fn = this.functions.get(reference.name);
    if (!fn) {
      const arn = functionArn(reference, this.scope);
      return {
        ok: false,
        failure: {
          error: "Lambda.ResourceNotFoundException",
          cause: `Function not found: ${arn} (Service: Lambda, Status Code: 404, Request ID: ${randomUUID()})`,
        },
      };
    }
    // The caller is inside the library's synchronous state processing; user code runs after it.
    await Promise.resolve();
    let result: unknown;
    try {
      const context: { functionName: string; qualifier?: string } = {
        functionName: reference.name,
      };
      if (reference.qualifier !== undefined) context.qualifier = reference.qualifier;
      result = await fn(structuredClone(payload), context);
    } catch (thrown) {
      return { ok: false, failure: describeFunctionError(thrown) };
    }
    try {
      const text = JSON.stringify(result);
      return { ok: true, payload: text === undefined ? null : (JSON.parse(text) as JsonValue) };
    } catch (thrown) {
      return {
        ok: false,
        failure: describeFunctionError(
          Object.assign(new Error(`Unable to stringify response body: ${String(thrown)}`), {
            name: "Runtime.MarshalError",
          }),
        ),
      };
    }
  }
}

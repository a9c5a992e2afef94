import type { JsonValue } from "../json.ts";

/**
 * Key of the context-object branch sfn-local keeps correct.
 *
 * aws-local-stepfunctions rebuilds `$$.Execution` for every nested run (a Map item or Parallel
 * branch would see its own input as `$$.Execution.Input`), and a bare `$$` evaluates to its live
 * context object. References are therefore rewritten to read from this branch instead.
 */
export const CONTEXT_KEY = "SfnLocal";

/** Where the live context object serves the current run's variables (`$name` in JSONPath). */
export const VARIABLES_PATH = `$$.${CONTEXT_KEY}.Variables`;

const EXECUTION_SEGMENT = /^(?:\.Execution|\['Execution'\]|\["Execution"\])(?![A-Za-z0-9_])/;
const END_OF_REFERENCE = /^(?:$|[\s,)])/;
// Variable names are identifiers (Unicode letters, digits and "_", not starting with a digit).
const VARIABLE_NAME = /^[\p{ID_Start}_][\p{ID_Continue}]*/u;
// A variable reference starts a path: at the start or after `(`, `,` or a space.
const PATH_START = /^$|[\s(,]$/;

/**
 * Rewrites `$$.Execution…` and bare `$$` in a path or intrinsic-function expression, and
 * variable references (`$name…`, not `$.`, `$[` or `$$`) to the live variables of the run,
 * leaving single-quoted string literals alone.
 */
export function rewriteContextReferences(expression: string): string {
  let out = "";
  let inLiteral = false;
  let i = 0;
  while (i < expression.length) {
    const char = expression.charAt(i);
    if (inLiteral) {
      if (char === "\\") {
        out += expression.slice(i, i + 2);
        i += 2;
        continue;
      }
      if (char === "'") inLiteral = false;
      out += char;
      i += 1;
      continue;
    }
    if (char === "'") {
      inLiteral = true;
      out += char;
      i += 1;
      continue;
    }
    if (char === "$" && expression.charAt(i + 1) === "$") {
      const rest = expression.slice(i + 2);
      const execution = EXECUTION_SEGMENT.exec(rest);
      if (execution) {
        out += `$$.${CONTEXT_KEY}.Execution`;
        i += 2 + execution[0].length;
        continue;
      }
      out += END_OF_REFERENCE.test(rest) ? `$$.${CONTEXT_KEY}.Context` : "$$";
      i += 2;
      continue;
    }
    if (char === "$" && PATH_START.test(expression.slice(Math.max(0, i - 1), i))) {
      const name = VARIABLE_NAME.exec(expression.slice(i + 1));
      if (name) {
        out += `${VARIABLES_PATH}.${name[0]}`;
        i += 1 + name[0].length;
        continue;
      }
    }
    out += char;
    i += 1;
  }
  return out;
}

/** Rewrites context references in every `"key.$"` expression of a payload template. */
export function rewriteTemplate(template: JsonValue): JsonValue {
  if (Array.isArray(template)) return template.map(rewriteTemplate);
  if (typeof template !== "object" || template === null) return template;
  const out: Record<string, JsonValue> = {};
  for (const [key, value] of Object.entries(template)) {
    out[key] =
      key.endsWith(".$") && typeof value === "string"
        ? rewriteContextReferences(value)
        : rewriteTemplate(value);
  }
  return out;
}

/**
 * Turns sfn-local's rewritten references in a message (an error's cause) back into what the
 * author wrote: `$$.SfnLocal.Variables.x` into `$x`, `$$.SfnLocal.Execution` into
 * `$$.Execution`, `$$.SfnLocal.Context` into `$$`.
 */
export function restoreReferences(text: string): string {
  // Replacement functions: in a replacement string, "$$" would stand for one "$".
  return text
    .replaceAll(`${VARIABLES_PATH}.`, () => "$")
    .replaceAll(`$$.${CONTEXT_KEY}.Execution`, () => "$$.Execution")
    .replaceAll(`$$.${CONTEXT_KEY}.Context`, () => "$$");
}

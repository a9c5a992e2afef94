import jsonata from "jsonata";
import type { JsonValue } from "../json.ts";

/** A parsed `{% … %}` expression, with its source text for error messages. */
export interface JsonataExpression {
  source: string;
  /** Where the expression is written, relative to its state (`Arguments/Payload/id`). */
  field: string;
  expression: jsonata.Expression;
}

/** Collects definition problems; `at` is the state's JSON pointer, for the message. */
export interface Problems {
  list: string[];
  at: string;
}

/**
 * A JSONata field value prepared at CreateStateMachine: strings of the form `{% … %}` are parsed
 * expressions; objects and arrays may hold them at any depth; anything else is a literal.
 */
export type JsonataTemplate =
  | { kind: "literal"; value: JsonValue }
  | { kind: "expression"; expression: JsonataExpression }
  | { kind: "object"; entries: Array<[key: string, value: JsonataTemplate]> }
  | { kind: "array"; items: JsonataTemplate[] };

const EXPRESSION = /^\{%([\s\S]*)%\}$/;

/** True when a string is a whole JSONata expression (`{%` first, `%}` last), as AWS requires. */
export function isJsonataExpression(value: unknown): value is string {
  return typeof value === "string" && EXPRESSION.test(value);
}

/**
 * Parses one `{% … %}` string; a syntax error is added to `problems` (naming the field) and
 * yields undefined.
 */
export function parseJsonataExpression(
  text: string,
  field: string,
  problems: Problems,
): JsonataExpression | undefined {
  const source = (EXPRESSION.exec(text)?.[1] ?? "").trim();
  if (source === "") {
    problems.list.push(
      `SCHEMA_VALIDATION_FAILED: The JSONata expression specified for the field '${field}' is empty at ${problems.at}`,
    );
    return undefined;
  }
  const newer = findNewerOperator(source);
  if (newer) {
    problems.list.push(
      `SCHEMA_VALIDATION_FAILED: The JSONata expression '${source}' specified for the field '${field}' uses the '${newer}' operator, which JSONata 2.0.6 (the version Step Functions runs) does not have at ${problems.at}`,
    );
    return undefined;
  }
  try {
    return { source, field, expression: jsonata(source) };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    problems.list.push(
      `SCHEMA_VALIDATION_FAILED: The JSONata expression '${source}' specified for the field '${field}' is not valid JSONata (${message}) at ${problems.at}`,
    );
    return undefined;
  }
}

// String literals, backtick names and comments, which may contain any characters.
const LITERALS = /"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`|\/\*[\s\S]*?\*\//g;

/**
 * The `??` and `?:` operators came with JSONata 2.1.0; sfn-local evaluates with 2.2.2 (the
 * registry's closest version), so it refuses them rather than run what AWS cannot parse.
 */
function findNewerOperator(source: string): string | undefined {
  const code = source.replace(LITERALS, '""');
  return /\?\?|\?:/.exec(code)?.[0];
}

/** Prepares a field value that may contain `{% … %}` strings at any depth. */
export function compileJsonataTemplate(
  value: JsonValue,
  field: string,
  problems: Problems,
): JsonataTemplate {
  if (isJsonataExpression(value)) {
    const expression = parseJsonataExpression(value, field, problems);
    return expression ? { kind: "expression", expression } : { kind: "literal", value };
  }
  if (Array.isArray(value)) {
    return {
      kind: "array",
      items: value.map((item, index) =>
        compileJsonataTemplate(item, `${field}[${index}]`, problems),
      ),
    };
  }
  if (typeof value === "object" && value !== null) {
    return {
      kind: "object",
      entries: Object.entries(value).map(([key, item]) => [
        key,
        compileJsonataTemplate(item, `${field}/${key}`, problems),
      ]),
    };
  }
  return { kind: "literal", value };
}

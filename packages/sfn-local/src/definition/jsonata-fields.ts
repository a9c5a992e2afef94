import { isJsonObject, type JsonObject } from "../json.ts";
import type { JsonataCatcher, JsonataChoice, JsonataFields } from "./compiled-types.ts";
import { compileJsonataTemplate, isJsonataExpression, type Problems } from "./jsonata-template.ts";

// Fields whose whole value may be a `{% %}` expression or hold them nested.
const TEMPLATE_FIELDS = [
  ["Arguments", "arguments"],
  ["Output", "output"],
  ["Assign", "assign"],
  ["Items", "items"],
  ["ItemSelector", "itemSelector"],
] as const;

// Fields that are a number or string literal unless written as a `{% %}` expression.
const EXPRESSION_FIELDS = [
  ["TimeoutSeconds", "timeoutSeconds"],
  ["HeartbeatSeconds", "heartbeatSeconds"],
  ["Seconds", "seconds"],
  ["Timestamp", "timestamp"],
  ["Error", "error"],
  ["Cause", "cause"],
  ["MaxConcurrency", "maxConcurrency"],
] as const;

/** Parses every JSONata field of a JSONata state; syntax errors are added to `problems`. */
export function compileJsonataFields(state: JsonObject, problems: Problems): JsonataFields {
  const fields: JsonataFields = {};
  for (const [field, key] of TEMPLATE_FIELDS) {
    const value = state[field];
    if (value !== undefined) fields[key] = compileJsonataTemplate(value, field, problems);
  }
  for (const [field, key] of EXPRESSION_FIELDS) {
    const value = state[field];
    if (isJsonataExpression(value)) fields[key] = compileJsonataTemplate(value, field, problems);
    else if (typeof value === "string" && (field === "Error" || field === "Cause")) {
      fields[key] = { kind: "literal", value };
    }
  }
  if (state.Type === "Choice" && Array.isArray(state.Choices)) {
    fields.choices = state.Choices.filter(isJsonObject).map((rule, index) => {
      const at = `Choices[${index}]`;
      const choice: JsonataChoice = {
        condition: compileJsonataTemplate(rule.Condition ?? null, `${at}/Condition`, problems),
        next: String(rule.Next),
      };
      if (rule.Output !== undefined) {
        choice.output = compileJsonataTemplate(rule.Output, `${at}/Output`, problems);
      }
      if (rule.Assign !== undefined) {
        choice.assign = compileJsonataTemplate(rule.Assign, `${at}/Assign`, problems);
      }
      return choice;
    });
    if (typeof state.Default === "string") fields.default = state.Default;
  }
  if (Array.isArray(state.Catch)) {
    fields.catchers = state.Catch.filter(isJsonObject).map((catcher, index) => {
      const at = `Catch[${index}]`;
      const compiled: JsonataCatcher = { next: String(catcher.Next) };
      if (catcher.Output !== undefined) {
        compiled.output = compileJsonataTemplate(catcher.Output, `${at}/Output`, problems);
      }
      if (catcher.Assign !== undefined) {
        compiled.assign = compileJsonataTemplate(catcher.Assign, `${at}/Assign`, problems);
      }
      return compiled;
    });
  }
  return fields;
}

import { isJsonObject, type JsonObject, type JsonValue } from "../json.ts";
import { rewriteContextReferences } from "./context-references.ts";

const TYPE_TESTS = new Set([
  "IsNull",
  "IsPresent",
  "IsNumeric",
  "IsString",
  "IsBoolean",
  "IsTimestamp",
]);

// aws-local-stepfunctions compares with JavaScript operators, so "5" < 10 is true there; AWS
// answers false when the variable has the wrong type. Each comparison gets a type test in front.
const TYPE_GUARDS: ReadonlyArray<[prefix: string, test: string]> = [
  ["Numeric", "IsNumeric"],
  ["String", "IsString"],
  ["Timestamp", "IsTimestamp"],
];

/**
 * Rewrites a Choice state's rules so that aws-local-stepfunctions evaluates them as AWS does:
 * `IsNull: false` (and the other type tests) become `Not: {…: true}` (the library answers false
 * for any `false` test), comparisons are guarded by a type test, and `$$` references are
 * redirected.
 */
export function fixChoiceRule(rule: JsonObject): JsonObject {
  // A rule's Assign (JSONPath) is sfn-local's to evaluate; it is no part of the condition.
  const { Next, Comment, Assign: _assign, ...condition } = rule;
  const fixed = fixCondition(condition);
  if (Comment !== undefined) fixed.Comment = Comment;
  if (Next !== undefined) fixed.Next = Next;
  return fixed;
}

function fixCondition(condition: JsonObject): JsonObject {
  if (Array.isArray(condition.And)) return { And: condition.And.map(fixNested) };
  if (Array.isArray(condition.Or)) return { Or: condition.Or.map(fixNested) };
  if (isJsonObject(condition.Not)) return { Not: fixNested(condition.Not) };
  return fixDataTest(condition);
}

function fixNested(rule: JsonValue): JsonObject {
  return isJsonObject(rule) ? fixChoiceRule(rule) : {};
}

function fixDataTest(test: JsonObject): JsonObject {
  const variable = typeof test.Variable === "string" ? rewriteContextReferences(test.Variable) : "";
  const operator = Object.keys(test).find((key) => key !== "Variable");
  if (operator === undefined) return { Variable: variable };
  const raw = test[operator] ?? null;
  const value =
    operator.endsWith("Path") && typeof raw === "string" ? rewriteContextReferences(raw) : raw;
  if (TYPE_TESTS.has(operator)) {
    return value === false
      ? { Not: { Variable: variable, [operator]: true } }
      : { Variable: variable, [operator]: value };
  }
  const comparison: JsonObject = { Variable: variable, [operator]: value };
  const guard = TYPE_GUARDS.find(([prefix]) => operator.startsWith(prefix));
  return guard ? { And: [{ Variable: variable, [guard[1]]: true }, comparison] } : comparison;
}

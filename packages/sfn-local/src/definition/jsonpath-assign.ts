import { isJsonObject, type JsonObject, type JsonValue } from "../json.ts";
import type { JsonPathCatcher, JsonPathFields } from "./compiled-types.ts";
import { rewriteTemplate } from "./context-references.ts";

function hasAssign(value: JsonValue | undefined): value is JsonObject {
  return isJsonObject(value) && "Assign" in value;
}

/** True when a JSONPath Choice state or one of its rules has Assign. */
export function choiceAssigns(state: JsonObject): boolean {
  return (
    "Assign" in state ||
    (Array.isArray(state.Choices) && state.Choices.some((rule) => hasAssign(rule)))
  );
}

/**
 * The Assign fields of a JSONPath state (its own, its Choice rules', its catchers'), with
 * `$name` and `$$` references rewritten; undefined when nothing in the state assigns.
 */
export function compileJsonPathAssign(state: JsonObject): JsonPathFields | undefined {
  const fields: JsonPathFields = {};
  let assigns = false;
  if ("Assign" in state) {
    fields.assign = rewriteTemplate(state.Assign ?? null);
    assigns = true;
  }
  if (state.Type === "Choice" && Array.isArray(state.Choices) && state.Choices.some(hasAssign)) {
    fields.ruleAssigns = state.Choices.map((rule) =>
      hasAssign(rule) ? rewriteTemplate(rule.Assign ?? null) : undefined,
    );
    assigns = true;
  }
  if (Array.isArray(state.Catch) && state.Catch.some(hasAssign)) {
    fields.catchers = state.Catch.map((catcher): JsonPathCatcher | undefined => {
      if (!hasAssign(catcher)) return undefined;
      const compiled: JsonPathCatcher = {
        next: String(catcher.Next),
        assign: rewriteTemplate(catcher.Assign ?? null),
      };
      if ("ResultPath" in catcher) compiled.resultPath = catcher.ResultPath ?? null;
      return compiled;
    });
    assigns = true;
  }
  return assigns ? fields : undefined;
}

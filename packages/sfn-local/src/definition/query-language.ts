import { isJsonObject, type JsonObject } from "../json.ts";
import { walkStates } from "./walk-states.ts";

/** The two query languages of the States Language. */
export type QueryLanguage = "JSONPath" | "JSONata";

// Fields that only JSONPath states may have, and their JSONata replacements' counterparts.
const JSONPATH_ONLY = [
  "Parameters",
  "InputPath",
  "ResultSelector",
  "ResultPath",
  "OutputPath",
  "ItemsPath",
  "TimeoutSecondsPath",
  "HeartbeatSecondsPath",
  "SecondsPath",
  "TimestampPath",
  "ErrorPath",
  "CausePath",
  "MaxConcurrencyPath",
];
const JSONATA_ONLY = ["Arguments", "Output", "Items"];

/** The language a definition's states use unless they say otherwise (AWS: JSONPath). */
export function topLevelLanguage(definition: JsonObject): QueryLanguage {
  return definition.QueryLanguage === "JSONata" ? "JSONata" : "JSONPath";
}

/** The language of one state: its own QueryLanguage, else the top-level one. */
export function stateLanguage(state: JsonObject, topLevel: QueryLanguage): QueryLanguage {
  if (state.QueryLanguage === "JSONata") return "JSONata";
  if (state.QueryLanguage === "JSONPath") return "JSONPath";
  return topLevel;
}

function wrongField(field: string, language: QueryLanguage, pointer: string): string {
  const other = language === "JSONata" ? "JSONPath" : "JSONata";
  return `SCHEMA_VALIDATION_FAILED: The QueryLanguage is set to '${language}', but field '${field}' is only supported for the '${other}' QueryLanguage at ${pointer}`;
}

/**
 * AWS's CreateStateMachine checks of which fields each query language allows, with its
 * wording: JSONPath-only fields in JSONata states, JSONata-only fields in JSONPath states, and a
 * JSONPath state under a JSONata state machine. States inside a Map or Parallel inherit the
 * top-level language (not the Map's or Parallel's own), as on AWS.
 */
export function checkQueryLanguageFields(definition: JsonObject): string[] {
  const problems: string[] = [];
  const topLevel = topLevelLanguage(definition);
  walkStates(definition, (_name, state, pointer) => {
    if (topLevel === "JSONata" && state.QueryLanguage === "JSONPath") {
      problems.push(
        `SCHEMA_VALIDATION_FAILED: 'QueryLanguage' can not be 'JSONPath' if set to 'JSONata' for whole state machine at ${pointer}`,
      );
      return;
    }
    const language = stateLanguage(state, topLevel);
    const refused = language === "JSONata" ? JSONPATH_ONLY : JSONATA_ONLY;
    for (const field of refused) {
      if (field in state) problems.push(wrongField(field, language, pointer));
    }
    if (state.Type === "Choice" && Array.isArray(state.Choices)) {
      state.Choices.forEach((rule, index) => {
        if (!isJsonObject(rule)) return;
        const at = `${pointer}/Choices/${index}`;
        if (language === "JSONata" && !("Condition" in rule)) {
          problems.push(wrongField("Variable", language, at));
        }
        if (language === "JSONPath" && "Condition" in rule) {
          problems.push(wrongField("Condition", language, at));
        }
      });
    }
    if (Array.isArray(state.Catch)) {
      state.Catch.forEach((catcher, index) => {
        if (!isJsonObject(catcher)) return;
        const at = `${pointer}/Catch/${index}`;
        if (language === "JSONata" && "ResultPath" in catcher) {
          problems.push(wrongField("ResultPath", language, at));
        }
        if (language === "JSONPath" && "Output" in catcher) {
          problems.push(wrongField("Output", language, at));
        }
      });
    }
  });
  return problems;
}

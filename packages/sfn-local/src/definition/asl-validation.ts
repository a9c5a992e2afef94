import { createRequire } from "node:module";
import { isJsonObject, type JsonObject, type JsonValue } from "../json.ts";

interface AslValidationResult {
  isValid: boolean;
  errors: Array<{ "Error code": string; Message: string }>;
}

type AslValidator = (
  definition: unknown,
  options: { checkArn: boolean; checkPaths: boolean },
) => AslValidationResult;

// asl-validator is aws-local-stepfunctions' own dependency (npm may nest it under the library);
// resolving it from there validates with exactly the version the library was built against.
const require = createRequire(import.meta.url);
const aslValidator = createRequire(require.resolve("aws-local-stepfunctions"))(
  "asl-validator",
) as AslValidator;

// asl-validator compiles its JSON schemas on every call (~300 ms), and the same definitions are
// registered again and again (stack restarts, tests), so results are remembered by text.
const cache = new Map<string, string[]>();
const CACHE_LIMIT = 500;

function run(definition: JsonValue): string[] {
  // Cloned because the validator writes defaults (QueryLanguage) into what it checks.
  const result = aslValidator(structuredClone(definition), { checkArn: true, checkPaths: true });
  return result.errors.map((error) => `${error["Error code"]}: ${error.Message}`);
}

/**
 * asl-validator searches the whole document for keys such as `Branches` and `Iterator`, so a
 * state *named* "Branches" crashes it. Renaming every state to a neutral name keeps the checks
 * and avoids the crash; names in the messages are mapped back.
 */
function renameStates(machine: JsonObject, names: Map<string, string>): JsonObject {
  const rename = (name: JsonValue | undefined) => {
    if (typeof name !== "string") return name ?? null;
    let neutral = names.get(name);
    if (neutral === undefined) {
      neutral = `__sfn_local_state_${names.size}__`;
      names.set(name, neutral);
    }
    return neutral;
  };
  const renameState = (state: JsonObject): JsonObject => {
    const copy: JsonObject = { ...state };
    if ("Next" in state) copy.Next = rename(state.Next);
    if ("Default" in state) copy.Default = rename(state.Default);
    for (const field of ["Choices", "Catch"]) {
      const rules = state[field];
      if (Array.isArray(rules)) {
        copy[field] = rules.map((rule) =>
          isJsonObject(rule) && "Next" in rule ? { ...rule, Next: rename(rule.Next) } : rule,
        );
      }
    }
    for (const field of ["ItemProcessor", "Iterator"]) {
      const processor = state[field];
      if (isJsonObject(processor)) copy[field] = renameStates(processor, names);
    }
    if (Array.isArray(state.Branches)) {
      copy.Branches = state.Branches.map((branch) =>
        isJsonObject(branch) ? renameStates(branch, names) : branch,
      );
    }
    return copy;
  };
  const copy: JsonObject = { ...machine, StartAt: rename(machine.StartAt) };
  if (isJsonObject(machine.States)) {
    copy.States = Object.fromEntries(
      Object.entries(machine.States).map(([name, state]) => [
        rename(name) as string,
        isJsonObject(state) ? renameState(state) : state,
      ]),
    );
  }
  return copy;
}

function validateRenamed(definition: JsonObject): string[] {
  const names = new Map<string, string>();
  const messages = run(renameStates(definition, names));
  const originals = new Map([...names].map(([name, neutral]) => [neutral, name]));
  return messages.map((message) =>
    message.replace(/__sfn_local_state_\d+__/g, (neutral) => originals.get(neutral) ?? neutral),
  );
}

/** Validates a definition with asl-validator and returns its error messages (empty when valid). */
export function validateAsl(definitionText: string, definition: JsonObject): string[] {
  const cached = cache.get(definitionText);
  if (cached) return cached;
  let messages: string[];
  try {
    messages = run(definition);
  } catch {
    try {
      messages = validateRenamed(definition);
    } catch (error) {
      messages = [
        `VALIDATOR_FAILED: asl-validator could not check this definition (${String(error)})`,
      ];
    }
  }
  if (cache.size >= CACHE_LIMIT) cache.clear();
  cache.set(definitionText, messages);
  return messages;
}

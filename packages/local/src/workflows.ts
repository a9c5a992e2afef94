import { readdir, readFile } from "node:fs/promises";
import { join, relative } from "node:path";
import { CreateStateMachineCommand, type SFNClient } from "@aws-sdk/client-sfn";
import { LOCAL_ROLE_ARN } from "./constants.ts";
import { LocalStackError } from "./errors.ts";

/** The file suffix of a state machine definition in infra/workflows/. */
export const WORKFLOW_SUFFIX = ".asl.json";

/** A state machine definition ready to register: placeholders already substituted. */
export interface Workflow {
  /** The file's basename without `.asl.json`; also the state machine's name. */
  name: string;
  file: string;
  /** The definition as JSON text. */
  definition: string;
}

const PLACEHOLDER = /\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g;

/**
 * Reads every `*.asl.json` in `dir` (sorted by name) and replaces each `${Name}` inside its
 * string values from `substitutions`. The same files are deployed with real ARNs in their place;
 * locally a bare function name is enough. A placeholder without a value fails, naming the file,
 * rather than registering a definition that breaks at run time.
 */
export async function loadWorkflows(
  dir: string,
  substitutions: Readonly<Record<string, string>>,
): Promise<Workflow[]> {
  const files = (await readdir(dir)).filter((file) => file.endsWith(WORKFLOW_SUFFIX)).sort();
  const workflows: Workflow[] = [];
  for (const file of files) {
    const path = join(dir, file);
    const shown = relative(process.cwd(), path) || path;
    let parsed: unknown;
    try {
      parsed = JSON.parse(await readFile(path, "utf8"));
    } catch (error) {
      throw new LocalStackError(
        "INVALID_WORKFLOW",
        `${shown} is not valid JSON: ${(error as Error).message}`,
        { cause: error },
      );
    }
    const substituted = substitutePlaceholders(parsed, substitutions, shown);
    workflows.push({
      name: file.slice(0, -WORKFLOW_SUFFIX.length),
      file: path,
      definition: JSON.stringify(substituted),
    });
  }
  return workflows;
}

/**
 * Replaces `${Name}` in every string value of a parsed definition. Working on values rather than
 * on the text keeps a substituted value from ever breaking the JSON around it.
 */
export function substitutePlaceholders(
  value: unknown,
  substitutions: Readonly<Record<string, string>>,
  source: string,
): unknown {
  if (typeof value === "string") {
    return value.replace(PLACEHOLDER, (_match, name: string) => {
      const replacement = Object.hasOwn(substitutions, name) ? substitutions[name] : undefined;
      if (replacement === undefined) {
        throw new LocalStackError(
          "INVALID_WORKFLOW",
          `${source} uses \${${name}} but no value was given for it`,
        );
      }
      return replacement;
    });
  }
  if (Array.isArray(value))
    return value.map((item) => substitutePlaceholders(item, substitutions, source));
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [
        key,
        substitutePlaceholders(item, substitutions, source),
      ]),
    );
  }
  return value;
}

/**
 * Creates one state machine per workflow and returns their ARNs by name. sfn-local keeps state
 * machines in memory, so each start registers them afresh.
 */
export async function registerWorkflows(
  client: SFNClient,
  workflows: readonly Workflow[],
): Promise<Record<string, string>> {
  const arns: Record<string, string> = {};
  for (const workflow of workflows) {
    try {
      const created = await client.send(
        new CreateStateMachineCommand({
          name: workflow.name,
          definition: workflow.definition,
          roleArn: LOCAL_ROLE_ARN,
          type: "STANDARD",
        }),
      );
      arns[workflow.name] = created.stateMachineArn!;
    } catch (error) {
      throw new LocalStackError(
        "INVALID_WORKFLOW",
        `Step Functions refused ${relative(process.cwd(), workflow.file) || workflow.file}: ${(error as Error).message}`,
        { service: "Step Functions", cause: error },
      );
    }
  }
  return arns;
}

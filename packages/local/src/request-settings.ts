/**
 * How the local stack shapes requests: the settings `loadConfig` reads that the stack does not
 * supply itself (SIGNOFF_DEFAULT_APPROVERS, SIGNOFF_DEFAULT_TIMEOUT_SECONDS,
 * SIGNOFF_DEFAULT_REMINDERS and any like them), from `npm start`'s environment, as on Lambda.
 * Without SIGNOFF_DEFAULT_APPROVERS the demo people stand in, so AWS's own example payloads,
 * which name no approvers, run locally unchanged.
 */
import { ConfigError, ConfigVariable, loadConfig, type SignoffConfig } from "@signoff/functions";
import { DEMO_APPROVERS } from "./constants.ts";
import { LocalStackError } from "./errors.ts";

/** What the stack configures itself when the API starts; never read from the environment. */
type StackSupplied = "tableName" | "sender" | "publicUrl" | "linkKeys" | "tokenKeys" | "apiAuth";

/** The request defaults (and any limits on requests) the local stack runs with. */
export type RequestSettings = Omit<SignoffConfig, StackSupplied>;

// loadConfig is the one validator of these variables (Lambda runs it too), but it also insists
// on the settings a deployment links in. The stack supplies those itself when the API starts, so
// stand-ins satisfy the check here and are dropped from the result.
const STAND_INS: Record<string, string> = {
  [ConfigVariable.tableName]: "signoff",
  [ConfigVariable.sender]: "signoff@localhost.localdomain",
  [ConfigVariable.publicUrl]: "http://127.0.0.1",
  [ConfigVariable.linkKeys]: `stand-in:${"A".repeat(43)}`,
  [ConfigVariable.tokenKeys]: `stand-in:${"A".repeat(43)}`,
};

/**
 * Reads every request setting with Lambda's rules; an unset SIGNOFF_DEFAULT_APPROVERS means the
 * demo people (set it empty for none, as a deployment without it has). Throws a LocalStackError
 * naming each bad variable, never its value.
 */
export function readRequestSettings(env: NodeJS.ProcessEnv): RequestSettings {
  const given: Record<string, string | undefined> = { ...STAND_INS };
  for (const variable of Object.values(ConfigVariable)) {
    if (!(variable in STAND_INS)) given[variable] = env[variable];
  }
  given[ConfigVariable.defaultApprovers] ??= DEMO_APPROVERS.join(",");
  let config: SignoffConfig;
  try {
    // No SST links locally: without this, loadConfig would look for SST's Resource.
    config = loadConfig(given, { ok: true, values: {} });
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    const problems = error.problems.map((problem) => `${problem.source} ${problem.message}`);
    throw new LocalStackError("INVALID_CONFIG", problems.join("; "), { cause: error });
  }
  const { tableName, sender, publicUrl, linkKeys, tokenKeys, apiAuth, ...settings } = config;
  return settings;
}

/** The banner's lines saying what a request that leaves fields out gets, and from where. */
export function formatRequestDefaults(settings: RequestSettings): string[] {
  const approvers =
    settings.defaultApprovers.length > 0
      ? settings.defaultApprovers.join(", ")
      : "none, requests must name them";
  const reminders = settings.defaultReminders ? JSON.stringify(settings.defaultReminders) : "none";
  return [
    `  default approvers: ${approvers} (${ConfigVariable.defaultApprovers})`,
    `  default timeout: ${settings.defaultTimeoutSeconds} s (${ConfigVariable.defaultTimeoutSeconds})`,
    `  default reminders: ${reminders} (${ConfigVariable.defaultReminders})`,
  ];
}

/**
 * The one place the deployables read their configuration. On AWS the table, sender, API URL and
 * both keyrings come through SST links (`Resource`); plain environment variables fill whatever is
 * not linked, which on the local stack is everything. Every value is validated; a bad or missing
 * one is reported by name, all at once, and no value (secrets least of all) is echoed.
 *
 * Each function reads only what it uses (`ConfigNeeds`): cancel and ses-events sign and decrypt
 * nothing, so they are given no keyring and do not ask for one.
 *
 * | variable | read by | what |
 * | --- | --- | --- |
 * | SIGNOFF_TABLE_NAME | all five | the DynamoDB table |
 * | SIGNOFF_DUE_SHARDS | all five; optional | the due index's shard count (table-schema.ts), the same for every function |
 * | SIGNOFF_SENDER | all but ses-events | the verified SES From address |
 * | SIGNOFF_SES_CONFIGURATION_SET | all but ses-events; optional | send through this SES configuration set, each email tagged `signoff-approval=<approval id>` and `signoff-email=<kind>` |
 * | SIGNOFF_PUBLIC_URL | request-approval, api, sweeper | where links point |
 * | SIGNOFF_LINK_KEYS | request-approval, api, sweeper | link-signing keyring |
 * | SIGNOFF_TOKEN_KEYS | request-approval, api, sweeper | task-token keyring |
 * | SIGNOFF_DEFAULT_APPROVERS, _TIMEOUT_SECONDS, _REMINDERS | request-approval, api, sweeper; optional | request defaults |
 * | SIGNOFF_MIN_REMINDER_INTERVAL_SECONDS, SIGNOFF_REQUEST_MAX_ATTEMPTS | the same; optional | request limits |
 * | SIGNOFF_SWEEP_QUEUE_URL, SIGNOFF_SWEEP_CONCURRENCY | the sweepers use them (all three validate them); optional | where busy due shards are handed on; approvals in hand at once |
 * | SIGNOFF_OIDC_*, SIGNOFF_INBOX_LOGIN_URL | api uses them (all three validate them); optional | `/v1` auth, see ApiAuthVariable |
 * | SIGNOFF_SLACK_* | request-approval, api, sweeper, cancel; optional | Slack, see slack-config.ts |
 */
import {
  DEFAULT_MIN_REMINDER_INTERVAL_SECONDS,
  KeyringError,
  MAX_DUE_SHARDS,
  parseKeyring,
  type ReminderPlan,
  type SecretKey,
  TOKEN_KEY_BYTES,
  validateKeyring,
} from "@signoff/core";
import * as z from "zod/mini";
import { reportIssue } from "./report-issue.ts";
import { parseDefaultReminders } from "./request/parse-default-reminders.ts";
import { readSlackSettings, type SlackConfig } from "./slack-config.ts";
import {
  describeLinkedValue,
  LinkedValue,
  type LinkedValuesResult,
  readLinkedValues,
} from "./sst-resources.ts";
import { readWebhookConfig, type WebhookConfig } from "./webhooks/webhook-config.ts";

export interface SignoffConfig {
  /** DynamoDB table holding approvals and audit events. */
  tableName: string;
  /**
   * The due index's shard count (table-schema.ts); core's DEFAULT_DUE_SHARDS when
   * SIGNOFF_DUE_SHARDS is unset. A table setting: every function must use the same one.
   */
  dueShards?: number;
  /** Verified SES sender address. */
  sender: string;
  /**
   * The SES configuration set every email is sent through, tagged with its approval's id, so
   * that the set's bounce and complaint events can be recorded on the approval (ses-events).
   * Absent when SIGNOFF_SES_CONFIGURATION_SET is unset: plain sends, no tags.
   */
  sesConfigurationSet?: string;
  /** Base URL links point at, without a trailing slash, e.g. `https://approvals.example.com`. */
  publicUrl: string;
  /** Keys signing approval links (JWS); the first signs, all verify. */
  linkKeys: readonly SecretKey[];
  /** Keys encrypting task tokens at rest (JWE, 32 bytes each); the first encrypts, all decrypt. */
  tokenKeys: readonly SecretKey[];
  /** Lower-cased, de-duplicated approvers used when a request names none. */
  defaultApprovers: readonly string[];
  defaultTimeoutSeconds: number;
  /** Reminders for requests that do not say; absent when SIGNOFF_DEFAULT_REMINDERS is unset. */
  defaultReminders?: ReminderPlan;
  /**
   * The shortest `reminders.everySeconds` a request may ask for; core's default (5 minutes)
   * when SIGNOFF_MIN_REMINDER_INTERVAL_SECONDS is unset. Tests and demos lower it.
   */
  minReminderIntervalSeconds?: number;
  /**
   * How many invocations of request-approval may try to email every approver before the task is
   * failed with Approval.DeliveryFailed; core's default (3, as Lambda tries an asynchronous
   * invocation) when SIGNOFF_REQUEST_MAX_ATTEMPTS is unset.
   */
  requestMaxAttempts?: number;
  /**
   * The SQS FIFO queue the sweeper hands busy due shards to (the sweep-shard function reads it);
   * without it (the local stack) one run sweeps every shard itself.
   */
  sweepQueueUrl?: string;
  /** Approvals a sweeper run has in hand at once; core's SWEEP_CONCURRENCY when unset. */
  sweepConcurrency?: number;
  /** Bearer-token auth for the `/v1` API; absent when SIGNOFF_OIDC_ISSUER is unset. */
  apiAuth?: ApiAuthConfig;
  /** Slack (slack-config.ts); absent when neither Slack secret is set: Slack is off. */
  slack?: SlackConfig;
  /** Signed webhooks; absent when no signing secret is set (webhooks/webhook-config.ts). */
  webhooks?: WebhookConfig;
}

/** How `/v1` verifies bearer tokens: any OIDC provider's JWTs, checked against its JWKS. */
export interface ApiAuthConfig {
  issuer: string;
  audience: string;
  jwksUrl: string;
  /** The claim holding the approver's email; `email` unless configured. */
  emailClaim: string;
  /** The claim listing the caller's groups; `groups` unless configured. */
  groupsClaim: string;
  /** Members of this group may read every approval. */
  adminGroup?: string;
  /**
   * Where the inbox's sign-in page sends people to get a token: the provider's login page (on
   * the local stack, the dev issuer's `/login`). Without it the page only offers to paste one.
   */
  inboxLoginUrl?: string;
  /**
   * The longest a token may live, by `exp - iat` and by `exp` from now;
   * DEFAULT_MAX_TOKEN_LIFETIME_SECONDS unless configured.
   */
  maxTokenLifetimeSeconds?: number;
}

/** 24 hours: a working day on one sign-in, while a leaked token is good for a day at most. */
export const DEFAULT_MAX_TOKEN_LIFETIME_SECONDS = 86_400;
// Under a minute would refuse every provider's tokens; past a month, a token is a password.
const MIN_TOKEN_LIFETIME_SECONDS = 60;
const MAX_TOKEN_LIFETIME_SECONDS = 2_592_000;

/** The environment variables `loadConfig` reads; see LinkedValue for the linked alternatives. */
export const ConfigVariable = {
  tableName: "SIGNOFF_TABLE_NAME",
  dueShards: "SIGNOFF_DUE_SHARDS",
  sender: "SIGNOFF_SENDER",
  sesConfigurationSet: "SIGNOFF_SES_CONFIGURATION_SET",
  publicUrl: "SIGNOFF_PUBLIC_URL",
  linkKeys: "SIGNOFF_LINK_KEYS",
  tokenKeys: "SIGNOFF_TOKEN_KEYS",
  defaultApprovers: "SIGNOFF_DEFAULT_APPROVERS",
  defaultTimeoutSeconds: "SIGNOFF_DEFAULT_TIMEOUT_SECONDS",
  defaultReminders: "SIGNOFF_DEFAULT_REMINDERS",
  minReminderIntervalSeconds: "SIGNOFF_MIN_REMINDER_INTERVAL_SECONDS",
  requestMaxAttempts: "SIGNOFF_REQUEST_MAX_ATTEMPTS",
  sweepQueueUrl: "SIGNOFF_SWEEP_QUEUE_URL",
  sweepConcurrency: "SIGNOFF_SWEEP_CONCURRENCY",
} as const satisfies Record<Exclude<keyof SignoffConfig, "apiAuth" | "slack" | "webhooks">, string>;

/** The optional block of variables configuring `/v1` auth; SIGNOFF_OIDC_ISSUER switches it on. */
export const ApiAuthVariable = {
  issuer: "SIGNOFF_OIDC_ISSUER",
  audience: "SIGNOFF_OIDC_AUDIENCE",
  jwksUrl: "SIGNOFF_OIDC_JWKS_URL",
  emailClaim: "SIGNOFF_OIDC_EMAIL_CLAIM",
  groupsClaim: "SIGNOFF_OIDC_GROUPS_CLAIM",
  adminGroup: "SIGNOFF_OIDC_ADMIN_GROUP",
  inboxLoginUrl: "SIGNOFF_INBOX_LOGIN_URL",
  maxTokenLifetimeSeconds: "SIGNOFF_OIDC_MAX_TOKEN_LIFETIME_SECONDS",
} as const satisfies Record<keyof ApiAuthConfig, string>;

export interface ConfigProblem {
  /** The setting, by its environment variable (a ConfigVariable), or `SST links`. */
  variable: string;
  /**
   * Where the value came from, or could have: `SIGNOFF_SENDER`, `Resource.LinkKeys.value`, or
   * for a missing value `SIGNOFF_LINK_KEYS (or the linked Resource.LinkKeys.value)`.
   */
  source: string;
  message: string;
}

/** The configuration is unusable; `problems` names every bad setting (never its value). */
export class ConfigError extends Error {
  override readonly name = "ConfigError";
  readonly code = "invalid-config";
  readonly problems: readonly ConfigProblem[];

  constructor(problems: readonly ConfigProblem[]) {
    super(
      `Invalid configuration:\n${problems.map((p) => `  ${p.source} ${p.message}`).join("\n")}`,
    );
    this.problems = problems;
  }
}

/** The problem's `variable` when SST's links themselves cannot be read. */
export const SST_LINKS = "SST links";

/** 24 hours, when neither the request nor the environment says otherwise. */
export const DEFAULT_TIMEOUT_SECONDS = 86_400;
// Step Functions standard executions last at most a year; a longer deadline could never fire.
const MAX_TIMEOUT_SECONDS = 31_536_000;

const emailSchema = z.email();

function required() {
  return z
    .string({ error: "is required" })
    .check(z.trim(), z.minLength(1, { error: "is required" }));
}

// zod/mini, as the request parser: each `.a().b()` chain of zod is `check`, `pipe` and
// `transform` here, in the same order, so the messages are the same.
const schema = z.object({
  [ConfigVariable.tableName]: required().check(
    z.regex(/^[A-Za-z0-9_.-]{3,255}$/, {
      error: "must be a DynamoDB table name (3-255 of A-Z a-z 0-9 _ . -)",
    }),
  ),
  [ConfigVariable.dueShards]: z.optional(
    z.pipe(
      z.pipe(
        z
          .string()
          .check(
            z.trim(),
            z.regex(/^\d{1,4}$/, { error: `must be a whole number from 1 to ${MAX_DUE_SHARDS}` }),
          ),
        z.transform(Number),
      ),
      z.number().check(
        z.minimum(1, { error: `must be a whole number from 1 to ${MAX_DUE_SHARDS}` }),
        z.maximum(MAX_DUE_SHARDS, {
          error: `must be a whole number from 1 to ${MAX_DUE_SHARDS}`,
        }),
      ),
    ),
  ),
  [ConfigVariable.sender]: z.pipe(required(), z.email({ error: "must be an email address" })),
  // SES allows up to 64 ASCII letters, digits, underscores and dashes; unset or blank is none.
  [ConfigVariable.sesConfigurationSet]: z.pipe(
    z.pipe(
      z.optional(z.string()),
      z.transform((value: string | undefined) => value?.trim() || undefined),
    ),
    z.optional(
      z.string().check(
        z.regex(/^[A-Za-z0-9_-]{1,64}$/, {
          error: "must be an SES configuration set name (1-64 of A-Z a-z 0-9 _ -)",
        }),
      ),
    ),
  ),
  [ConfigVariable.publicUrl]: z.pipe(required(), z.transform(parsePublicUrl)),
  [ConfigVariable.linkKeys]: z.pipe(required(), z.transform(keyringParser())),
  [ConfigVariable.tokenKeys]: z.pipe(
    required(),
    z.transform(keyringParser({ exactBytes: TOKEN_KEY_BYTES })),
  ),
  [ConfigVariable.defaultApprovers]: z.pipe(z.optional(z.string()), z.transform(parseApprovers)),
  [ConfigVariable.defaultTimeoutSeconds]: z.pipe(z.optional(z.string()), z.transform(parseTimeout)),
  [ConfigVariable.defaultReminders]: z.pipe(
    z.optional(z.string()),
    z.transform(parseDefaultReminders),
  ),
  [ConfigVariable.minReminderIntervalSeconds]: z.optional(
    z.pipe(
      z.pipe(
        z
          .string()
          .check(
            z.trim(),
            z.regex(/^\d{1,6}$/, { error: "must be a whole number of seconds from 1 to 86400" }),
          ),
        z.transform(Number),
      ),
      z.number().check(z.minimum(1), z.maximum(86_400, { error: "must be at most 86400 (a day)" })),
    ),
  ),
  // Unset or blank is none: one run sweeps every shard itself.
  [ConfigVariable.sweepQueueUrl]: z.pipe(
    z.pipe(
      z.optional(z.string()),
      z.transform((value: string | undefined) => value?.trim() || undefined),
    ),
    z.optional(z.url({ protocol: /^https?$/, error: "must be an SQS queue URL" })),
  ),
  [ConfigVariable.sweepConcurrency]: z.optional(
    z.pipe(
      z.pipe(
        z
          .string()
          .check(z.trim(), z.regex(/^\d{1,3}$/, { error: "must be a whole number from 1 to 256" })),
        z.transform(Number),
      ),
      z
        .number()
        .check(
          z.minimum(1, { error: "must be a whole number from 1 to 256" }),
          z.maximum(256, { error: "must be a whole number from 1 to 256" }),
        ),
    ),
  ),
  [ConfigVariable.requestMaxAttempts]: z.optional(
    z.pipe(
      z
        .string()
        .check(z.trim(), z.regex(/^([1-9]|10)$/, { error: "must be a whole number from 1 to 10" })),
      z.transform(Number),
    ),
  ),
});

type ConfigField = keyof typeof ConfigVariable;

/**
 * What each function reads, by what its code does. Those that sign links or decrypt task tokens
 * need every setting; cancel writes approvals and emails the "no longer needed" notice (no links
 * in it); ses-events only writes approvals.
 */
export const ConfigNeeds = {
  /** request-approval, api and sweeper. */
  full: [...(Object.keys(ConfigVariable) as ConfigField[]), "apiAuth", "slack", "webhooks"],
  // Cancelling updates the approval's Slack messages.
  cancel: ["tableName", "dueShards", "sender", "sesConfigurationSet", "slack"],
  sesEvents: ["tableName", "dueShards"],
} as const satisfies Record<string, readonly (keyof SignoffConfig)[]>;

export type ConfigNeed = keyof typeof ConfigNeeds;

/** The configuration a function with `need` reads: exactly the settings it uses. */
export type ConfigFor<N extends ConfigNeed> = Pick<SignoffConfig, (typeof ConfigNeeds)[N][number]>;

/** The cancel function's configuration: the table and the mail, no keyring. */
export type CancelConfig = ConfigFor<"cancel">;

/** The ses-events function's configuration: the table alone. */
export type StoreConfig = ConfigFor<"sesEvents">;

/**
 * Reads and validates the whole configuration (request-approval, api, sweeper): each value SST
 * links (`linked`, default: read from SST's `Resource`) wins over its plain variable in `env`
 * (default: `process.env`), so the same handlers run on AWS and on the local stack. Throws
 * ConfigError naming every missing or invalid setting, and links that exist but cannot be read.
 */
export function loadConfig(
  env: Readonly<Record<string, string | undefined>> = process.env,
  linked: LinkedValuesResult = readLinkedValues(),
): SignoffConfig {
  return loadConfigFor("full", env, linked);
}

/**
 * Reads and validates only the settings `need` names (see `ConfigNeeds`), as `loadConfig` does;
 * every other variable and link is neither read nor required.
 */
export function loadConfigFor<N extends ConfigNeed>(
  need: N,
  env: Readonly<Record<string, string | undefined>> = process.env,
  linked: LinkedValuesResult = readLinkedValues(),
): ConfigFor<N> {
  const needed: readonly (keyof SignoffConfig)[] = ConfigNeeds[need];
  const fields = needed.filter((field): field is ConfigField => field in ConfigVariable);
  const linkedValues = linked.ok ? linked.values : {};
  const sources = new Map<string, string>();
  const picked: Record<string, string | undefined> = {};
  for (const field of fields) {
    const variable = ConfigVariable[field];
    const linkedValue = isLinkable(field) ? linkedValues[field] : undefined;
    picked[variable] = linkedValue ?? env[variable];
    sources.set(variable, sourceOf(field, linkedValue !== undefined, picked[variable]));
  }

  const problems: ConfigProblem[] = linked.ok
    ? []
    : [{ variable: SST_LINKS, source: SST_LINKS, message: linked.reason }];
  const mask = Object.fromEntries(fields.map((field) => [ConfigVariable[field], true]));
  const result = z
    .pick(schema, mask as { [V in keyof typeof schema.shape]?: true })
    .safeParse(picked, { reportInput: false });
  if (!result.success) {
    for (const issue of result.error.issues) {
      const variable = String(issue.path[0] ?? "environment");
      problems.push({
        variable,
        source: sources.get(variable) ?? variable,
        message: issue.message,
      });
    }
  }
  const apiAuth = needed.includes("apiAuth") ? readApiAuth(env, problems) : undefined;
  const slack = needed.includes("slack")
    ? readSlackSettings(env, linkedValues, problems)
    : undefined;
  const webhooks = needed.includes("webhooks")
    ? readWebhookConfig(env, linkedValues.webhookSecret, problems)
    : undefined;
  if (result.success) checkDefaultReminders(result.data, problems);
  if (!result.success || problems.length > 0) throw new ConfigError(problems);
  const values: Record<string, unknown> = result.data;
  const config: Record<string, unknown> = {};
  for (const field of fields) {
    const value = values[ConfigVariable[field]];
    if (value !== undefined) config[field] = value;
  }
  if (apiAuth) config.apiAuth = apiAuth;
  if (slack) config.slack = slack;
  if (webhooks) config.webhooks = webhooks;
  return config as ConfigFor<N>;
}

/** Default reminders must respect the same floor as a request's own (see buildApproval). */
function checkDefaultReminders(
  values: Partial<z.infer<typeof schema>>,
  problems: ConfigProblem[],
): void {
  const plan = values[ConfigVariable.defaultReminders];
  const floor =
    values[ConfigVariable.minReminderIntervalSeconds] ?? DEFAULT_MIN_REMINDER_INTERVAL_SECONDS;
  if (plan !== undefined && "everySeconds" in plan && plan.everySeconds < floor) {
    const variable = ConfigVariable.defaultReminders;
    problems.push({
      variable,
      source: variable,
      message: `must remind at most every ${floor} seconds: everySeconds must be at least ${floor} (${ConfigVariable.minReminderIntervalSeconds})`,
    });
  }
}

const claimName = /^[\w:./-]{1,128}$/;

/**
 * The `/v1` auth block: absent unless SIGNOFF_OIDC_ISSUER is set, then issuer, audience and JWKS
 * URL are required. Problems are pushed onto `problems`, named by variable.
 */
function readApiAuth(
  env: Readonly<Record<string, string | undefined>>,
  problems: ConfigProblem[],
): ApiAuthConfig | undefined {
  const read = (field: keyof ApiAuthConfig) => env[ApiAuthVariable[field]]?.trim() || undefined;
  const report = (field: keyof ApiAuthConfig, message: string) => {
    const variable = ApiAuthVariable[field];
    problems.push({ variable, source: variable, message });
  };
  const issuer = read("issuer");
  if (issuer === undefined) {
    const dependent = [
      "audience",
      "jwksUrl",
      "adminGroup",
      "inboxLoginUrl",
      "maxTokenLifetimeSeconds",
    ] as const;
    for (const field of dependent) {
      if (read(field) !== undefined) report(field, `needs ${ApiAuthVariable.issuer} as well`);
    }
    return undefined;
  }
  const before = problems.length;
  const audience = read("audience");
  const jwksUrl = read("jwksUrl");
  const emailClaim = read("emailClaim") ?? "email";
  const groupsClaim = read("groupsClaim") ?? "groups";
  const adminGroup = read("adminGroup");
  const inboxLoginUrl = read("inboxLoginUrl");
  const maxTokenLifetimeSeconds = parseTokenLifetime(read("maxTokenLifetimeSeconds"));
  if (audience === undefined)
    report("audience", `is required when ${ApiAuthVariable.issuer} is set`);
  if (jwksUrl === undefined) report("jwksUrl", `is required when ${ApiAuthVariable.issuer} is set`);
  else if (!isHttpUrl(jwksUrl)) report("jwksUrl", "must be an absolute http(s) URL");
  if (!claimName.test(emailClaim)) report("emailClaim", "must be a claim name");
  if (!claimName.test(groupsClaim)) report("groupsClaim", "must be a claim name");
  if (inboxLoginUrl !== undefined && !isHttpUrl(inboxLoginUrl)) {
    report("inboxLoginUrl", "must be an absolute http(s) URL");
  }
  if (maxTokenLifetimeSeconds === undefined) {
    report(
      "maxTokenLifetimeSeconds",
      `must be a whole number of seconds from ${MIN_TOKEN_LIFETIME_SECONDS} to ${MAX_TOKEN_LIFETIME_SECONDS}`,
    );
  }
  if (
    problems.length > before ||
    audience === undefined ||
    jwksUrl === undefined ||
    maxTokenLifetimeSeconds === undefined
  ) {
    return undefined;
  }
  return {
    issuer,
    audience,
    jwksUrl,
    emailClaim,
    groupsClaim,
    ...(adminGroup && { adminGroup }),
    ...(inboxLoginUrl && { inboxLoginUrl }),
    maxTokenLifetimeSeconds,
  };
}

/** The configured token lifetime, the default when unset; undefined when it is not valid. */
function parseTokenLifetime(value: string | undefined): number | undefined {
  if (value === undefined) return DEFAULT_MAX_TOKEN_LIFETIME_SECONDS;
  const seconds = /^\d+$/.test(value) ? Number(value) : Number.NaN;
  const inRange = seconds >= MIN_TOKEN_LIFETIME_SECONDS && seconds <= MAX_TOKEN_LIFETIME_SECONDS;
  return inRange ? seconds : undefined;
}

function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === "https:" || url.protocol === "http:";
  } catch {
    return false;
  }
}

function isLinkable(field: ConfigField): field is ConfigField & keyof typeof LinkedValue {
  return field in LinkedValue;
}

/** How a problem names the setting: by its link, its variable, or both when it has neither. */
function sourceOf(field: ConfigField, fromLink: boolean, value: string | undefined): string {
  const variable = ConfigVariable[field];
  if (!isLinkable(field)) return variable;
  if (fromLink) return describeLinkedValue(field);
  const missing = value === undefined || value.trim() === "";
  return missing ? `${variable} (or the linked ${describeLinkedValue(field)})` : variable;
}

/** `https://host[:port][/prefix]`; trailing slashes dropped so links join with a single "/". */
function parsePublicUrl(value: string, ctx: z.core.ParsePayload): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    reportIssue(ctx, "must be an absolute http(s) URL");
    return z.NEVER;
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") {
    reportIssue(ctx, "must use http or https");
    return z.NEVER;
  }
  if (url.search || url.hash || url.username || url.password) {
    reportIssue(ctx, "must not carry credentials, a query or a fragment");
    return z.NEVER;
  }
  return `${url.origin}${url.pathname.replace(/\/+$/, "")}`;
}

/**
 * `kid:base64url[,kid:base64url]` through core's parser. KeyringError messages name the entry by
 * position and never its text, so they are safe to report; anything else is a bug and rethrown.
 */
function keyringParser(options: { exactBytes?: number } = {}) {
  return (value: string, ctx: z.core.ParsePayload): SecretKey[] => {
    try {
      const keys = parseKeyring(value);
      validateKeyring(keys, options);
      return keys;
    } catch (error) {
      if (!(error instanceof KeyringError)) throw error;
      reportIssue(ctx, error.message);
      return z.NEVER;
    }
  };
}

function parseApprovers(value: string | undefined, ctx: z.core.ParsePayload): string[] {
  const approvers = new Set<string>();
  const entries = (value ?? "").split(",").map((entry) => entry.trim().toLowerCase());
  for (const [index, entry] of entries.entries()) {
    if (entry === "") continue;
    if (!emailSchema.safeParse(entry).success) {
      reportIssue(ctx, `entry ${index + 1} is not an email address`);
      continue;
    }
    approvers.add(entry);
  }
  return [...approvers];
}

function parseTimeout(value: string | undefined, ctx: z.core.ParsePayload): number {
  if (value === undefined || value.trim() === "") return DEFAULT_TIMEOUT_SECONDS;
  const seconds = /^\d+$/.test(value.trim()) ? Number(value.trim()) : Number.NaN;
  if (!Number.isSafeInteger(seconds) || seconds < 1 || seconds > MAX_TIMEOUT_SECONDS) {
    reportIssue(ctx, `must be a whole number of seconds from 1 to ${MAX_TIMEOUT_SECONDS}`);
    return z.NEVER;
  }
  return seconds;
}

/**
 * Slack's settings alone, from plain variables (the local stack, which builds the rest of its
 * configuration by hand): undefined when neither secret is set; ConfigError when half set.
 */
export function readSlackConfig(
  env: Readonly<Record<string, string | undefined>> = process.env,
): SlackConfig | undefined {
  const problems: ConfigProblem[] = [];
  const slack = readSlackSettings(env, {}, problems);
  if (problems.length > 0) throw new ConfigError(problems);
  return slack;
}

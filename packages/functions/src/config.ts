/**
 * The one place the deployables read their environment. Every variable is validated; a bad or
 * missing one is reported by name, all at once, and no value (secrets least of all) is echoed.
 */
import {
  KeyringError,
  parseKeyring,
  type SecretKey,
  TOKEN_KEY_BYTES,
  validateKeyring,
} from "@signoff/core";
import { z } from "zod";

export interface SignoffConfig {
  /** DynamoDB table holding approvals and audit events. */
  tableName: string;
  /** Verified SES sender address. */
  sender: string;
  /** Base URL links point at, without a trailing slash, e.g. `https://approvals.example.com`. */
  publicUrl: string;
  /** Keys signing approval links (JWS); the first signs, all verify. */
  linkKeys: readonly SecretKey[];
  /** Keys encrypting task tokens at rest (JWE, 32 bytes each); the first encrypts, all decrypt. */
  tokenKeys: readonly SecretKey[];
  /** Lower-cased, de-duplicated approvers used when a request names none. */
  defaultApprovers: readonly string[];
  defaultTimeoutSeconds: number;
}

/** The environment variables `loadConfig` reads. */
export const ConfigVariable = {
  tableName: "SIGNOFF_TABLE_NAME",
  sender: "SIGNOFF_SENDER",
  publicUrl: "SIGNOFF_PUBLIC_URL",
  linkKeys: "SIGNOFF_LINK_KEYS",
  tokenKeys: "SIGNOFF_TOKEN_KEYS",
  defaultApprovers: "SIGNOFF_DEFAULT_APPROVERS",
  defaultTimeoutSeconds: "SIGNOFF_DEFAULT_TIMEOUT_SECONDS",
} as const satisfies Record<keyof SignoffConfig, string>;

export interface ConfigProblem {
  variable: string;
  message: string;
}

/** The environment is unusable; `problems` names every bad variable (never its value). */
export class ConfigError extends Error {
  override readonly name = "ConfigError";
  readonly code = "invalid-config";
  readonly problems: readonly ConfigProblem[];

  constructor(problems: readonly ConfigProblem[]) {
    super(
      `Invalid configuration:\n${problems.map((p) => `  ${p.variable} ${p.message}`).join("\n")}`,
    );
    this.problems = problems;
  }
}

/** 24 hours, when neither the request nor the environment says otherwise. */
export const DEFAULT_TIMEOUT_SECONDS = 86_400;
// Step Functions standard executions last at most a year; a longer deadline could never fire.
const MAX_TIMEOUT_SECONDS = 31_536_000;

const emailSchema = z.email();

function required() {
  return z.string({ error: "is required" }).trim().min(1, { error: "is required" });
}

const schema = z.object({
  [ConfigVariable.tableName]: required().regex(/^[A-Za-z0-9_.-]{3,255}$/, {
    error: "must be a DynamoDB table name (3-255 of A-Z a-z 0-9 _ . -)",
  }),
  [ConfigVariable.sender]: required().pipe(z.email({ error: "must be an email address" })),
  [ConfigVariable.publicUrl]: required().transform(parsePublicUrl),
  [ConfigVariable.linkKeys]: required().transform(keyringParser()),
  [ConfigVariable.tokenKeys]: required().transform(keyringParser({ exactBytes: TOKEN_KEY_BYTES })),
  [ConfigVariable.defaultApprovers]: z.string().optional().transform(parseApprovers),
  [ConfigVariable.defaultTimeoutSeconds]: z.string().optional().transform(parseTimeout),
});

/**
 * Reads and validates the configuration from `env` (default: `process.env`).
 * Throws ConfigError naming every missing or invalid variable.
 */
export function loadConfig(
  env: Readonly<Record<string, string | undefined>> = process.env,
): SignoffConfig {
  const picked = Object.fromEntries(Object.values(ConfigVariable).map((name) => [name, env[name]]));
  const result = schema.safeParse(picked, { reportInput: false });
  if (!result.success) {
    const problems = result.error.issues.map((issue) => ({
      variable: String(issue.path[0] ?? "environment"),
      message: issue.message,
    }));
    throw new ConfigError(problems);
  }
  const values = result.data;
  return {
    tableName: values[ConfigVariable.tableName],
    sender: values[ConfigVariable.sender],
    publicUrl: values[ConfigVariable.publicUrl],
    linkKeys: values[ConfigVariable.linkKeys],
    tokenKeys: values[ConfigVariable.tokenKeys],
    defaultApprovers: values[ConfigVariable.defaultApprovers],
    defaultTimeoutSeconds: values[ConfigVariable.defaultTimeoutSeconds],
  };
}

/** `https://host[:port][/prefix]`; trailing slashes dropped so links join with a single "/". */
function parsePublicUrl(value: string, ctx: z.RefinementCtx): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    ctx.addIssue({ code: "custom", message: "must be an absolute http(s) URL" });
    return z.NEVER;
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") {
    ctx.addIssue({ code: "custom", message: "must use http or https" });
    return z.NEVER;
  }
  if (url.search || url.hash || url.username || url.password) {
    ctx.addIssue({ code: "custom", message: "must not carry credentials, a query or a fragment" });
    return z.NEVER;
  }
  return `${url.origin}${url.pathname.replace(/\/+$/, "")}`;
}

/**
 * `kid:base64url[,kid:base64url]` through core's parser. KeyringError messages name the entry by
 * position and never its text, so they are safe to report; anything else is a bug and rethrown.
 */
function keyringParser(options: { exactBytes?: number } = {}) {
  return (value: string, ctx: z.RefinementCtx): SecretKey[] => {
    try {
      const keys = parseKeyring(value);
      validateKeyring(keys, options);
      return keys;
    } catch (error) {
      if (!(error instanceof KeyringError)) throw error;
      ctx.addIssue({ code: "custom", message: error.message });
      return z.NEVER;
    }
  };
}

function parseApprovers(value: string | undefined, ctx: z.RefinementCtx): string[] {
  const approvers = new Set<string>();
  const entries = (value ?? "").split(",").map((entry) => entry.trim().toLowerCase());
  for (const [index, entry] of entries.entries()) {
    if (entry === "") continue;
    if (!emailSchema.safeParse(entry).success) {
      ctx.addIssue({ code: "custom", message: `entry ${index + 1} is not an email address` });
      continue;
    }
    approvers.add(entry);
  }
  return [...approvers];
}

function parseTimeout(value: string | undefined, ctx: z.RefinementCtx): number {
  if (value === undefined || value.trim() === "") return DEFAULT_TIMEOUT_SECONDS;
  const seconds = /^\d+$/.test(value.trim()) ? Number(value.trim()) : Number.NaN;
  if (!Number.isSafeInteger(seconds) || seconds < 1 || seconds > MAX_TIMEOUT_SECONDS) {
    ctx.addIssue({
      code: "custom",
      message: `must be a whole number of seconds from 1 to ${MAX_TIMEOUT_SECONDS}`,
    });
    return z.NEVER;
  }
  return seconds;
}

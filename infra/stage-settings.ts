// The per-stage settings infra/ reads while SST evaluates the config, checked there so a wrong one
// stops `sst deploy` with a message naming it, before anything is created. SST loads `.env` and
// `.env.<stage>` from the project root into the environment; the deploying shell's exports win.
//
// Pure functions of the environment (no SST globals), so test/deploy checks them directly.

export type StageEnv = Readonly<Record<string, string | undefined>>;

export class StageSettingError extends Error {
  override name = "StageSettingError";
}

/** A set value, trimmed; undefined when unset or blank. */
export function readSetting(env: StageEnv, name: string): string | undefined {
  const value = env[name]?.trim();
  return value ? value : undefined;
}

// What SES accepts as a sender and what signoff's config.ts accepts (an address, no display name).
const ADDRESS = /^[^\s@<>",;]+@([A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+)$/;

/**
 * Where approval mail comes from and which SES identity proves it is ours:
 * - `SIGNOFF_SENDER`: the From address, required.
 * - `SIGNOFF_SES_IDENTITY`: unset to have this stage create (and SES verify) an identity for
 *   the address; or an identity that already exists in the account and region (the address
 *   itself, or its domain), to reuse it: a second stage, `sst dev`, or an address verified by
 *   hand, where creating it again fails with AlreadyExistsException.
 */
export interface SenderSettings {
  sender: string;
  identity: string;
  createIdentity: boolean;
}

export function readSenderSettings(env: StageEnv, stage: string): SenderSettings {
  const sender = readSetting(env, "SIGNOFF_SENDER");
  if (sender === undefined) {
    throw new StageSettingError(
      `SIGNOFF_SENDER is not set for stage "${stage}": put SIGNOFF_SENDER=<address> in .env.${stage} or export it before running sst`,
    );
  }
  const match = ADDRESS.exec(sender);
  if (!match) {
    throw new StageSettingError(
      `SIGNOFF_SENDER must be one email address, like approvals@example.com (got "${sender}"): signoff sends from an address, and an SES domain identity is named with SIGNOFF_SES_IDENTITY`,
    );
  }
  const domain = (match[1] as string).toLowerCase();
  const reuse = readSetting(env, "SIGNOFF_SES_IDENTITY");
  if (reuse === undefined) return { sender, identity: sender, createIdentity: true };
  if (reuse.toLowerCase() !== sender.toLowerCase() && reuse.toLowerCase() !== domain) {
    throw new StageSettingError(
      `SIGNOFF_SES_IDENTITY must be the sender address or its domain (${sender} or ${domain}), got "${reuse}": SES signs mail only for an identity that covers its From address`,
    );
  }
  return { sender, identity: reuse, createIdentity: false };
}

/**
 * The origins a browser may call the API from (`SIGNOFF_CORS_ORIGINS`, comma-separated, each
 * `https://host[:port]`, or `http://localhost…` for development). Empty: no CORS at all, which
 * is what the pages, the CLI and server-side clients need.
 */
export function readCorsOrigins(env: StageEnv): string[] {
  const raw = readSetting(env, "SIGNOFF_CORS_ORIGINS");
  if (raw === undefined) return [];
  return raw.split(",").map((entry) => {
    const origin = entry.trim();
    const url = URL.canParse(origin) ? new URL(origin) : undefined;
    if (url === undefined) {
      throw new StageSettingError(
        `SIGNOFF_CORS_ORIGINS: "${origin}" is not an origin like https://dashboard.example.com`,
      );
    }
    const local = url.hostname === "localhost" || url.hostname === "127.0.0.1";
    if (
      url.origin !== origin ||
      (url.protocol !== "https:" && !(local && url.protocol === "http:"))
    ) {
      throw new StageSettingError(
        `SIGNOFF_CORS_ORIGINS: "${origin}" must be exactly an origin (scheme, host, optional port; no path, no "*"), https unless localhost`,
      );
    }
    return origin;
  });
}

/** An address for the alarm topic's email subscription (`SIGNOFF_ALARM_EMAIL`), if any. */
export function readAlarmEmail(env: StageEnv): string | undefined {
  const email = readSetting(env, "SIGNOFF_ALARM_EMAIL");
  if (email !== undefined && !ADDRESS.test(email)) {
    throw new StageSettingError(`SIGNOFF_ALARM_EMAIL must be one email address (got "${email}")`);
  }
  return email;
}

/**
 * The optional settings passed to every function as they are (config.ts checks them).
 * SIGNOFF_DUE_SHARDS is the table's due-index shard count: every function gets the same one
 * (see packages/core/src/table-schema.ts before lowering it).
 */
export const FUNCTION_SETTINGS = [
  "SIGNOFF_DUE_SHARDS",
  "SIGNOFF_DEFAULT_APPROVERS",
  "SIGNOFF_DEFAULT_TIMEOUT_SECONDS",
  "SIGNOFF_DEFAULT_REMINDERS",
  "SIGNOFF_MIN_REMINDER_INTERVAL_SECONDS",
  "SIGNOFF_REQUEST_MAX_ATTEMPTS",
  // Every approval's webhook URLs; they need the SignoffWebhookSecret secret set.
  "SIGNOFF_WEBHOOK_URLS",
] as const;

/** The API's optional settings: its OIDC provider and the inbox sign-in. */
export const API_SETTINGS = [
  "SIGNOFF_OIDC_ISSUER",
  "SIGNOFF_OIDC_AUDIENCE",
  "SIGNOFF_OIDC_JWKS_URL",
  "SIGNOFF_OIDC_EMAIL_CLAIM",
  "SIGNOFF_OIDC_GROUPS_CLAIM",
  "SIGNOFF_OIDC_ADMIN_GROUP",
  "SIGNOFF_OIDC_MAX_TOKEN_LIFETIME_SECONDS",
  "SIGNOFF_INBOX_LOGIN_URL",
] as const;

/** `{ NAME: value }` for each of `names` that is set. */
export function pickSettings(env: StageEnv, names: readonly string[]): Record<string, string> {
  const picked: Record<string, string> = {};
  for (const name of names) {
    const value = readSetting(env, name);
    if (value !== undefined) picked[name] = value;
  }
  return picked;
}

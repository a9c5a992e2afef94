/**
 * Signed webhooks' configuration: the signing secret (SST secret `SignoffWebhookSecret`, linked
 * as `Resource.SignoffWebhookSecret.value`, or SIGNOFF_WEBHOOK_SECRET) and the deployment's URLs
 * (SIGNOFF_WEBHOOK_URLS). Without a secret webhooks are off: nothing is queued or sent, and a
 * request naming webhook URLs is refused.
 *
 * | variable | what |
 * | --- | --- |
 * | SIGNOFF_WEBHOOK_SECRET | `whsec_` + base64 of 24 to 64 random bytes (Standard Webhooks) |
 * | SIGNOFF_WEBHOOK_URLS | optional; URLs, comma- or space-separated, every approval's messages go to |
 * | SIGNOFF_WEBHOOK_ALLOW_LOOPBACK_HTTP | `1` only on the local stack: http:// to 127.0.0.1 / localhost |
 */
import { findWebhookUrlProblem, MAX_WEBHOOK_URLS } from "@signoff/core";

export interface WebhookConfig {
  /** `whsec_<base64>`; never logged. */
  secret: string;
  /** Every approval's messages go here (requests may add their own). */
  urls: string[];
  /** The local stack's receivers are plain http on loopback; never on AWS. */
  allowLoopbackHttp?: boolean;
}

export const WebhookVariable = {
  secret: "SIGNOFF_WEBHOOK_SECRET",
  urls: "SIGNOFF_WEBHOOK_URLS",
  allowLoopbackHttp: "SIGNOFF_WEBHOOK_ALLOW_LOOPBACK_HTTP",
} as const;

const SECRET_PATTERN = /^whsec_[A-Za-z0-9+/]+={0,2}$/;

/** Why `secret` is not a Standard Webhooks signing secret; undefined when it is. */
export function findWebhookSecretProblem(secret: string): string | undefined {
  if (!SECRET_PATTERN.test(secret)) return "must be whsec_ followed by base64";
  const bytes = Buffer.from(secret.slice("whsec_".length), "base64").length;
  if (bytes < 24 || bytes > 64) return "must encode 24 to 64 bytes";
  return undefined;
}

/**
 * Reads the webhook settings from `env` (the linked secret wins over the variable); undefined
 * when no secret is set. Problems are pushed, naming the variable, never its value.
 */
export function readWebhookConfig(
  env: Readonly<Record<string, string | undefined>>,
  linkedSecret: string | undefined,
  problems: { variable: string; source: string; message: string }[],
): WebhookConfig | undefined {
  const secret = (linkedSecret ?? env[WebhookVariable.secret])?.trim() || undefined;
  const rawUrls = env[WebhookVariable.urls]?.trim() ?? "";
  const urls = rawUrls === "" ? [] : [...new Set(rawUrls.split(/[\s,]+/).filter(Boolean))];
  const allowLoopbackHttp = env[WebhookVariable.allowLoopbackHttp]?.trim() === "1";
  if (secret === undefined) {
    if (urls.length > 0) {
      problems.push({
        variable: WebhookVariable.urls,
        source: WebhookVariable.urls,
        message: `needs a signing secret: set ${WebhookVariable.secret} (or the SignoffWebhookSecret secret)`,
      });
    }
    return undefined;
  }
  const secretSource =
    linkedSecret !== undefined ? "Resource.SignoffWebhookSecret.value" : WebhookVariable.secret;
  const secretProblem = findWebhookSecretProblem(secret);
  if (secretProblem !== undefined) {
    problems.push({
      variable: WebhookVariable.secret,
      source: secretSource,
      message: secretProblem,
    });
  }
  if (urls.length > MAX_WEBHOOK_URLS) {
    problems.push({
      variable: WebhookVariable.urls,
      source: WebhookVariable.urls,
      message: `must list at most ${MAX_WEBHOOK_URLS} URLs`,
    });
  }
  for (const [i, url] of urls.entries()) {
    const problem = findWebhookUrlProblem(url, { allowLoopbackHttp });
    if (problem !== undefined) {
      problems.push({
        variable: WebhookVariable.urls,
        source: WebhookVariable.urls,
        message: `URL ${i + 1} ${problem}`,
      });
    }
  }
  return { secret, urls, ...(allowLoopbackHttp && { allowLoopbackHttp }) };
}

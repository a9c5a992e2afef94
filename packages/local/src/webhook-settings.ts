/**
 * Signed webhooks on the local stack: always on, signed with SIGNOFF_WEBHOOK_SECRET when set or a
 * fresh random secret per start (printed in the banner, so a receiver can verify), sent to
 * SIGNOFF_WEBHOOK_URLS, and a request may name http:// receivers on 127.0.0.1 or localhost.
 * Validated by the same reader Lambda runs.
 */
import { randomBytes } from "node:crypto";
import { readWebhookConfig, type WebhookConfig, WebhookVariable } from "@signoff/functions";
import { LocalStackError } from "./errors.ts";

/** The local stack's webhook settings from `env`; throws naming a bad variable, never a value. */
export function readLocalWebhookSettings(env: NodeJS.ProcessEnv): WebhookConfig {
  const problems: { variable: string; source: string; message: string }[] = [];
  const config = readWebhookConfig(
    {
      [WebhookVariable.secret]:
        env[WebhookVariable.secret]?.trim() || `whsec_${randomBytes(32).toString("base64")}`,
      [WebhookVariable.urls]: env[WebhookVariable.urls],
      [WebhookVariable.allowLoopbackHttp]: "1",
    },
    undefined,
    problems,
  );
  if (problems.length > 0 || config === undefined) {
    throw new LocalStackError(
      "INVALID_CONFIG",
      problems.map((problem) => `${problem.source} ${problem.message}`).join("; "),
    );
  }
  return config;
}

/** The banner's lines: where messages go and the secret that verifies them. */
export function formatWebhookSettings(config: WebhookConfig): string[] {
  const urls = config.urls.length > 0 ? config.urls.join(", ") : "none";
  return [
    `  webhooks: ${urls} (${WebhookVariable.urls}; requests may add "webhooks": [...])`,
    `  webhook signing secret: ${config.secret} (${WebhookVariable.secret})`,
  ];
}

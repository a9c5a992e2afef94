import { createHmac } from "node:crypto";

/**
 * Slack's request signature: `v0=` and the hex HMAC-SHA256, keyed with the app's signing
 * secret, of `v0:{X-Slack-Request-Timestamp}:{raw body}`.
 * https://docs.slack.dev/authentication/verifying-requests-from-slack
 */
export function signSlackRequest(
  signingSecret: string,
  timestamp: string,
  rawBody: string,
): string {
  const digest = createHmac("sha256", signingSecret)
    .update(`v0:${timestamp}:${rawBody}`)
    .digest("hex");
  return `v0=${digest}`;
}

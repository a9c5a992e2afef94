/**
 * The WebhookSender port over `fetch`: each message signed per the Standard Webhooks
 * specification by the `standardwebhooks` library (`webhook-id`, `webhook-timestamp`,
 * `webhook-signature: v1,<base64 HMAC-SHA256 of "id.timestamp.body">`), POSTed as JSON with a
 * timeout, redirects not followed (a redirect could lead anywhere, the metadata service included).
 */
import type { WebhookSender } from "@signoff/core";
import { Webhook } from "standardwebhooks";

/** How long one POST may take before it counts as failed. */
export const DEFAULT_WEBHOOK_TIMEOUT_MS = 5_000;

export interface WebhookSenderOptions {
  /** `whsec_<base64>`. */
  secret: string;
  timeoutMs?: number;
  /** Default: the global fetch (Node 20+). */
  fetch?: typeof fetch;
}

/** Creates the sender; the secret stays inside the signer. */
export function createWebhookSender(options: WebhookSenderOptions): WebhookSender {
  const signer = new Webhook(options.secret);
  const timeoutMs = options.timeoutMs ?? DEFAULT_WEBHOOK_TIMEOUT_MS;
  const send = options.fetch ?? fetch;
  return {
    async send(message) {
      const timestamp = Math.floor(message.at.getTime() / 1000);
      const signature = signer.sign(message.webhookId, message.at, message.body);
      let response: Response;
      try {
        response = await send(message.url, {
          method: "POST",
          headers: {
            "content-type": "application/json",
            "user-agent": "signoff-webhooks",
            "webhook-id": message.webhookId,
            "webhook-timestamp": String(timestamp),
            "webhook-signature": signature,
          },
          body: message.body,
          redirect: "manual",
          signal: AbortSignal.timeout(timeoutMs),
        });
      } catch (error) {
        const name = error instanceof Error ? error.name : typeof error;
        return { ok: false, message: name === "TimeoutError" ? "timed out" : `network: ${name}` };
      }
      // The body is not read beyond what frees the connection: a receiver's answer is not ours.
      await response.body?.cancel().catch(() => {});
      if (response.status >= 200 && response.status < 300) {
        return { ok: true, status: response.status };
      }
      return { ok: false, status: response.status, message: `HTTP ${response.status}` };
    },
  };
}

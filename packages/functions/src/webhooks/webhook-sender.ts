/**
 * The WebhookSender port over Node's HTTP client: each message signed per the Standard Webhooks
 * specification by the `standardwebhooks` library (`webhook-id`, `webhook-timestamp`,
 * `webhook-signature: v1,<base64 HMAC-SHA256 of "id.timestamp.body">`), POSTed as JSON with a
 * timeout, redirects not followed (a redirect could lead anywhere, the metadata service included).
 *
 * SSRF: a URL's host name is resolved here, every address it resolves to is checked (none may be
 * loopback, link-local, private or the metadata service), and the connection is made to the
 * address that was checked, never to a second lookup's answer, so a name cannot pass the check
 * and then point elsewhere (DNS rebinding). IP literals are checked when the URL is accepted
 * (`findWebhookUrlProblem`); Node connects to them without a lookup.
 */
import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from "node:dns";
import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";
import type { LookupFunction } from "node:net";
import { isInternalHost, isLoopbackHost, type WebhookSender } from "@signoff/core";
import { Webhook } from "standardwebhooks";

/** How long one POST may take before it counts as failed. */
export const DEFAULT_WEBHOOK_TIMEOUT_MS = 5_000;

/** The error code of a connection refused because the name resolved to an internal address. */
export const INTERNAL_ADDRESS_CODE = "ESIGNOFF_INTERNAL_ADDRESS";

export interface WebhookSenderOptions {
  /** `whsec_<base64>`. */
  secret: string;
  timeoutMs?: number;
  /** The local stack's receivers on 127.0.0.1 (`WebhookConfig.allowLoopbackHttp`); never on AWS. */
  allowLoopback?: boolean;
  /** Default `dns.lookup`; tests answer with addresses this machine's DNS cannot give. */
  lookup?: typeof dnsLookup;
}

/** Creates the sender; the secret stays inside the signer. */
export function createWebhookSender(options: WebhookSenderOptions): WebhookSender {
  const signer = new Webhook(options.secret);
  const timeoutMs = options.timeoutMs ?? DEFAULT_WEBHOOK_TIMEOUT_MS;
  const lookup = guardLookup(options.lookup ?? dnsLookup, options.allowLoopback === true);
  return {
    async send(message) {
      const timestamp = Math.floor(message.at.getTime() / 1000);
      const signature = signer.sign(message.webhookId, message.at, message.body);
      const url = new URL(message.url);
      const request = url.protocol === "https:" ? httpsRequest : httpRequest;
      const signal = AbortSignal.timeout(timeoutMs);
      return new Promise((resolve) => {
        const outgoing = request(
          url,
          {
            method: "POST",
            headers: {
              "content-type": "application/json",
              "content-length": Buffer.byteLength(message.body),
              "user-agent": "signoff-webhooks",
              "webhook-id": message.webhookId,
              "webhook-timestamp": String(timestamp),
              "webhook-signature": signature,
            },
            lookup,
            signal,
            // One connection per message: a kept-alive socket would skip the next lookup's check.
            agent: false,
          },
          (response) => {
            // The body is not read: a receiver's answer is not ours.
            response.destroy();
            const status = response.statusCode ?? 0;
            resolve(
              status >= 200 && status < 300
                ? { ok: true, status }
                : { ok: false, status, message: `HTTP ${status}` },
            );
          },
        );
        outgoing.on("error", (error: NodeJS.ErrnoException) => {
          if (error.code === INTERNAL_ADDRESS_CODE) {
            resolve({ ok: false, message: `refused: ${error.message}` });
          } else if (signal.aborted) {
            resolve({ ok: false, message: "timed out" });
          } else {
            resolve({ ok: false, message: `network: ${error.code ?? error.name}` });
          }
        });
        outgoing.end(message.body);
      });
    },
  };
}

/**
 * `lookup` with every answer checked: the connection gets only addresses that passed, and a
 * name with any internal address is refused outright (a mix is how rebinding attacks hide).
 */
function guardLookup(lookup: typeof dnsLookup, allowLoopback: boolean): LookupFunction {
  return (hostname: string, options: LookupOptions, callback) => {
    lookup(hostname, { ...options, all: true }, (error, answer) => {
      if (error) {
        callback(error, "", 0);
        return;
      }
      const addresses = answer as LookupAddress[];
      const refused = addresses.find(
        ({ address }) => isInternalHost(address) || (isLoopbackHost(address) && !allowLoopback),
      );
      if (refused !== undefined) {
        const problem = Object.assign(
          new Error(
            `${hostname} resolves to ${refused.address}, a loopback, link-local, private or metadata address`,
          ),
          { code: INTERNAL_ADDRESS_CODE },
        );
        callback(problem, "", 0);
        return;
      }
      if (addresses.length === 0) {
        callback(Object.assign(new Error(`${hostname}: no address`), { code: "ENOTFOUND" }), "", 0);
        return;
      }
      if (options.all === true) callback(null, addresses);
      else callback(null, addresses[0]!.address, addresses[0]!.family);
    });
  };
}

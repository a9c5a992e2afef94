/**
 * A webhook receiver for tests, on 127.0.0.1: it verifies every message's signature with the
 * `standardwebhooks` library (as a dashboard would), records what it got, and answers with the
 * statuses it is told to, in turn (then 204).
 */
import { randomBytes } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { Webhook } from "standardwebhooks";

export interface ReceivedWebhook {
  id: string;
  timestamp: string;
  signature: string;
  body: string;
  /** True when the signature verified (with the library's 5-minute timestamp tolerance). */
  verified: boolean;
  /** The parsed body. */
  message: { type: string; timestamp: string; data: Record<string, unknown> };
  /** What the receiver answered; 0 when it reset the connection instead. */
  status: number;
}

export interface WebhookReceiver {
  url: string;
  received: ReceivedWebhook[];
  /** The statuses to answer the next requests with, in order (0 resets); 204 once they run out. */
  answer(...statuses: number[]): void;
  stop(): Promise<void>;
}

/** A fresh `whsec_` secret: 32 random bytes, base64. */
export function createWebhookSecret(): string {
  return `whsec_${randomBytes(32).toString("base64")}`;
}

/**
 * Starts a receiver that verifies with `secret`. `status`, when given, picks the answer to each
 * verified message once the queued answers run out (e.g. a random share of 500s).
 */
export async function startWebhookReceiver(
  secret: string,
  options: { status?: (webhookId: string) => number } = {},
): Promise<WebhookReceiver> {
  const verifier = new Webhook(secret);
  const received: ReceivedWebhook[] = [];
  const answers: number[] = [];
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      const body = Buffer.concat(chunks).toString("utf8");
      const headers = {
        "webhook-id": String(request.headers["webhook-id"] ?? ""),
        "webhook-timestamp": String(request.headers["webhook-timestamp"] ?? ""),
        "webhook-signature": String(request.headers["webhook-signature"] ?? ""),
      };
      let verified = false;
      try {
        verifier.verify(body, headers);
        verified = true;
      } catch {
        verified = false;
      }
      const status = verified
        ? (answers.shift() ?? options.status?.(headers["webhook-id"]) ?? 204)
        : 401;
      received.push({
        id: headers["webhook-id"],
        timestamp: headers["webhook-timestamp"],
        signature: headers["webhook-signature"],
        body,
        verified,
        message: JSON.parse(body),
        status,
      });
      // 0: the connection is reset without an answer.
      if (status === 0) request.socket.destroy();
      else response.writeHead(status).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hooks`,
    received,
    answer: (...statuses) => answers.push(...statuses),
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

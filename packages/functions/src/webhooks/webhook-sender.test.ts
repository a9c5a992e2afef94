/**
 * The webhook sender's SSRF guard over real sockets: a name that resolves to a loopback,
 * link-local, private or metadata address is refused before anything connects, a mix of public
 * and internal answers too, and the connection goes to the address that was checked (a name this
 * machine cannot resolve, answered by the test's resolver, reaches the receiver it names).
 */
import type { LookupAddress, lookup as realLookup } from "node:dns";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  createWebhookSecret,
  startWebhookReceiver,
  type WebhookReceiver,
} from "../test-support/webhook-receiver.ts";
import { createWebhookSender } from "./webhook-sender.ts";

let secret: string;
let receiver: WebhookReceiver;
let port: string;

beforeEach(async () => {
  secret = createWebhookSecret();
  receiver = await startWebhookReceiver(secret);
  port = new URL(receiver.url).port;
});
afterEach(() => receiver.stop());

const message = (url: string) => ({
  url,
  webhookId: `msg_${Math.random().toString(36).slice(2)}`,
  at: new Date(),
  body: JSON.stringify({
    type: "approval.requested",
    timestamp: new Date().toISOString(),
    data: {},
  }),
});

/** A resolver answering every name with `addresses`, as a hostile or misconfigured DNS might. */
function answering(...addresses: string[]) {
  const answer: LookupAddress[] = addresses.map((address) => ({
    address,
    family: address.includes(":") ? 6 : 4,
  }));
  return ((_hostname: string, _options: unknown, callback: (...args: unknown[]) => void) => {
    callback(null, answer);
  }) as unknown as typeof realLookup;
}

describe("the webhook sender's address check", () => {
  it("delivers to a loopback receiver only where loopback is allowed (the local stack)", async () => {
    const url = `http://localhost:${port}/hooks`;
    const allowed = createWebhookSender({ secret, allowLoopback: true });
    expect(await allowed.send(message(url))).toEqual({ ok: true, status: 204 });
    expect(receiver.received.map((r) => r.verified)).toEqual([true]);

    // localhost resolves (through this machine's real resolver) to loopback: refused.
    const strict = createWebhookSender({ secret });
    const refused = await strict.send(message(url));
    expect(refused).toEqual({
      ok: false,
      message: expect.stringMatching(
        /^refused: localhost resolves to (127\.0\.0\.1|::1), a loopback/,
      ),
    });
    expect(receiver.received).toHaveLength(1);
  });

  it("refuses a name resolving to the metadata service, a private or link-local address, or a mix", async () => {
    for (const addresses of [
      ["169.254.169.254"],
      ["10.0.0.5"],
      ["172.20.1.1"],
      ["192.168.1.10"],
      ["100.64.0.1"],
      ["fd00:ec2::254"],
      ["fe80::1"],
      ["::ffff:10.0.0.1"],
      ["0.0.0.0"],
      ["93.184.216.34", "10.1.2.3"],
    ]) {
      const sender = createWebhookSender({
        secret,
        allowLoopback: true,
        lookup: answering(...addresses),
      });
      const result = await sender.send(message(`http://hooks.example.com:${port}/`));
      expect(result, addresses.join(", ")).toEqual({
        ok: false,
        message: expect.stringContaining("refused: hooks.example.com resolves to"),
      });
    }
    expect(receiver.received).toEqual([]);
  });

  it("connects to the address it checked, not to another lookup's answer", async () => {
    // hooks.example.com resolves nowhere on this machine: only the checked answer can be used.
    const sender = createWebhookSender({
      secret,
      allowLoopback: true,
      lookup: answering("127.0.0.1"),
    });
    expect(await sender.send(message(`http://hooks.example.com:${port}/x`))).toEqual({
      ok: true,
      status: 204,
    });
    expect(receiver.received.map((r) => r.verified)).toEqual([true]);
  });

  it("reports a receiver's error status, a reset and a timeout as failures to retry", async () => {
    const sender = createWebhookSender({ secret, allowLoopback: true, timeoutMs: 300 });
    receiver.answer(503, 0);
    const url = `http://127.0.0.1:${port}/`;
    expect(await sender.send(message(url))).toEqual({
      ok: false,
      status: 503,
      message: "HTTP 503",
    });
    expect(await sender.send(message(url))).toEqual({
      ok: false,
      message: expect.stringMatching(/^network: /),
    });
    const silent = await import("node:net").then(
      ({ createServer }) =>
        new Promise<{ port: number; close: () => void }>((resolve) => {
          const server = createServer(() => {}); // accepts, never answers
          server.listen(0, "127.0.0.1", () =>
            resolve({
              port: (server.address() as { port: number }).port,
              close: () => server.close(),
            }),
          );
        }),
    );
    try {
      expect(await sender.send(message(`http://127.0.0.1:${silent.port}/`))).toEqual({
        ok: false,
        message: "timed out",
      });
    } finally {
      silent.close();
    }
  });
});

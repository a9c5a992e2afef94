/**
 * `/v1/approvals/{id}/webhooks` and `/webhooks/replay`: admins see how an approval's messages
 * went (URLs without their query strings) and send given-up ones again; nobody else may.
 */
import { sweepDue } from "@signoff/core";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { useApiFixture } from "../../test-support/api-fixture.ts";
import { TEST_ADMIN_GROUP } from "../../test-support/oidc-issuer.ts";
import {
  createWebhookSecret,
  startWebhookReceiver,
  type WebhookReceiver,
} from "../../test-support/webhook-receiver.ts";

let receiver: WebhookReceiver;
let secret: string;
beforeEach(async () => {
  secret = createWebhookSecret();
  receiver = await startWebhookReceiver(secret);
});
afterEach(() => receiver.stop());

const api = useApiFixture({
  webhooks: () => ({
    secret,
    urls: [`${receiver.url}?key=not-for-dashboards`],
    allowLoopbackHttp: true,
  }),
});
const ADMIN = { email: "ops@example.com", groups: [TEST_ADMIN_GROUP] };

/**
 * Sweeps at the fixture's time, moving it past each retry (1 s here). Only seconds: receivers
 * refuse a `webhook-timestamp` more than 5 minutes from their own clock.
 */
async function sweepThroughRetries(rounds: number) {
  for (let round = 0; round < rounds; round++) {
    await sweepDue(api.runtime.deps, { limit: 100, now: new Date(api.time) });
    api.time += 2_000;
  }
}

describe("webhook deliveries in /v1", () => {
  it("shows an admin each message's state, and replays the given-up ones once", async () => {
    api.runtime.deps.webhooks!.retry = { maxAttempts: 2, delaysMs: [1_000] };
    receiver.answer(500, 500);
    const { approvalId } = await api.requestApproval();
    await sweepThroughRetries(3);

    const listed = await api.call(`/v1/approvals/${approvalId}/webhooks`, ADMIN);
    expect(listed.status).toBe(200);
    const { webhooks } = (await listed.json()) as { webhooks: Record<string, unknown>[] };
    expect(webhooks).toEqual([
      {
        webhookId: expect.stringMatching(new RegExp(`^msg_${approvalId}_\\d+$`)),
        type: "approval.requested",
        state: "GAVE_UP",
        attempts: 2,
        replays: 0,
        urls: [{ url: `${receiver.url}?…`, delivered: false }],
        lastError: expect.stringContaining("HTTP 500"),
        createdAt: expect.any(String),
      },
    ]);
    expect(JSON.stringify(webhooks)).not.toContain("not-for-dashboards");

    const replayed = await api.call(`/v1/approvals/${approvalId}/webhooks/replay`, {
      ...ADMIN,
      method: "POST",
    });
    expect(replayed.status).toBe(202);
    expect(await replayed.json()).toEqual({ requeued: [webhooks[0]!.webhookId] });
    const again = await api.call(`/v1/approvals/${approvalId}/webhooks/replay`, {
      ...ADMIN,
      method: "POST",
    });
    expect(await again.json()).toEqual({ requeued: [] });

    await sweepThroughRetries(1);
    expect(receiver.received.map((r) => r.status)).toEqual([500, 500, 204]);
    const after = await api.call(`/v1/approvals/${approvalId}/webhooks`, ADMIN);
    expect(((await after.json()) as { webhooks: unknown[] }).webhooks).toMatchObject([
      { state: "DELIVERED", attempts: 1, replays: 1, urls: [{ delivered: true }] },
    ]);
  });

  it("answers 403 to an approver who is not an admin, and 404 for an unknown approval", async () => {
    const { approvalId } = await api.requestApproval();
    for (const [path, method] of [
      [`/v1/approvals/${approvalId}/webhooks`, "GET"],
      [`/v1/approvals/${approvalId}/webhooks/replay`, "POST"],
    ] as const) {
      await api.expectProblem(await api.call(path, { email: "ann@example.com", method }), 403);
    }
    await api.expectProblem(
      await api.call("/v1/approvals/abcdefghijklmnopqrstuvwxyz/webhooks", ADMIN),
      404,
    );
  });
});

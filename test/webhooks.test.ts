/**
 * Signed webhooks on the local stack: real executions of the demo workflow, decisions by link,
 * the sweeper on its timer, and a dashboard's receiver on 127.0.0.1 that verifies every message
 * with the `standardwebhooks` library, as the README's snippet does.
 */
import { afterAll, describe, expect, it } from "vitest";
import {
  createWebhookSecret,
  type ReceivedWebhook,
  startWebhookReceiver,
} from "../packages/functions/src/test-support/webhook-receiver.ts";
import {
  approvalInput,
  requestApproval,
  SWEEP_INTERVAL_MS,
  uniqueSubject,
} from "./support/approval-requests.ts";
import { pollUntil } from "./support/poll.ts";
import { useSignoffStack } from "./support/signoff-stack.ts";

const secret = createWebhookSecret();
const receiver = await startWebhookReceiver(secret);
const signoff = useSignoffStack({
  sweepIntervalMs: SWEEP_INTERVAL_MS,
  webhooks: { secret, urls: [receiver.url], allowLoopbackHttp: true },
});
afterAll(() => receiver.stop());

/** The messages about `approvalId` that the receiver answered 2xx, in arrival order. */
function deliveredFor(approvalId: string): ReceivedWebhook[] {
  return receiver.received.filter(
    (message) => message.message.data.approvalId === approvalId && message.status < 300,
  );
}

async function waitForTypes(approvalId: string, types: string[], timeoutMs = 20_000) {
  return pollUntil(
    `webhooks ${types.join(", ")} for ${approvalId}`,
    async () => {
      const got = deliveredFor(approvalId);
      return got.length >= types.length ? got : undefined;
    },
    { timeoutMs, intervalMs: 50 },
  );
}

/** What must hold for every message the receiver ever got. */
function expectEveryMessageSound(tokens: string[]) {
  for (const message of receiver.received) {
    expect(message.verified, message.id).toBe(true);
    for (const token of tokens) expect(message.body).not.toContain(token);
  }
  // One webhook-id, one body: a retry resends the same bytes.
  const bodies = new Map<string, string>();
  for (const message of receiver.received) {
    expect(bodies.get(message.id) ?? message.body).toBe(message.body);
    bodies.set(message.id, message.body);
  }
}

describe("signed webhooks on the local stack", () => {
  it("tells a dashboard of the request, the decision and the outcome, in order, each signed", async () => {
    const subject = uniqueSubject("Deploy checkout-service");
    const { executionArn, approvalId, request } = await requestApproval(
      signoff,
      signoff.demoArn,
      approvalInput({ approvers: ["alice@example.com"], subject }),
    );
    await waitForTypes(approvalId, ["approval.requested"]);
    const links = await signoff.linksFor("alice@example.com", subject);
    expect((await signoff.decide(links.approve, "approve", "Ship it")).status).toBe(200);
    expect((await signoff.waitForExecution(executionArn)).status).toBe("SUCCEEDED");

    const got = await waitForTypes(approvalId, [
      "approval.requested",
      "approval.decided",
      "approval.settled",
    ]);
    expect(got.map((message) => message.message.type)).toEqual([
      "approval.requested",
      "approval.decided",
      "approval.settled",
    ]);
    expect(got[1]!.message.data).toMatchObject({
      approver: "alice@example.com",
      decision: "approve",
      comment: "Ship it",
      channel: "link",
    });
    expect(got[2]!.message.data).toMatchObject({ status: "APPROVED", reason: "quorum" });
    expect(await signoff.taskCallbacks(executionArn)).toEqual(["TaskSucceeded"]);
    expectEveryMessageSound([request.token]);
  });

  it("retries a receiver that answers 500 and delivers the message under the same webhook-id", async () => {
    const subject = uniqueSubject("Rotate keys");
    receiver.answer(500);
    const { approvalId, request } = await requestApproval(
      signoff,
      signoff.demoArn,
      approvalInput({ approvers: ["alice@example.com"], subject }),
    );
    // The first retry waits 5 s.
    const [delivered] = await waitForTypes(approvalId, ["approval.requested"], 30_000);
    const attempts = receiver.received.filter((message) => message.id === delivered!.id);
    expect(attempts.map((message) => message.status)).toEqual([500, 204]);
    expectEveryMessageSound([request.token]);
  });

  it("sends approval.cancelled when the execution is stopped", async () => {
    const subject = uniqueSubject("Migrate billing");
    const { executionArn, approvalId, request } = await requestApproval(
      signoff,
      signoff.demoArn,
      approvalInput({ approvers: ["alice@example.com"], subject }),
    );
    await waitForTypes(approvalId, ["approval.requested"]);
    await signoff.stopExecution(executionArn);
    const got = await waitForTypes(approvalId, ["approval.requested", "approval.cancelled"]);
    expect(got.map((message) => message.message.type)).toEqual([
      "approval.requested",
      "approval.cancelled",
    ]);
    expect(got[1]!.message.data).toMatchObject({ status: "CANCELLED", reason: "execution-ended" });
    expectEveryMessageSound([request.token]);
  });
});

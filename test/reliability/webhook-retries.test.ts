/**
 * Webhook retries: a dashboard's receiver that answers 500 or 503, or resets the connection, on
 * the first few attempts at many of its messages. After the sweeper's retries every message of
 * every approval (requested, decided, settled) must have been answered 2xx exactly once, under
 * one webhook-id and one body, every signature valid and no task token in any of them; and the
 * receiver's trouble must not have touched a single decision or callback.
 */
import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import {
  createWebhookSecret,
  startWebhookReceiver,
} from "../../packages/functions/src/test-support/webhook-receiver.ts";
import { useSignoffStack } from "../support/signoff-stack.ts";
import { linksForBatch, requestBatch } from "./support/approval-batch.ts";
import { countCallbacks } from "./support/callback-counter.ts";
import { recordFigure, scaled } from "./support/figures.ts";
import { mapPool } from "./support/load-stats.ts";

const SUITE = "webhook retries";
const APPROVALS = scaled({ full: 200, ci: 20 });
const APPROVER = "approver@example.com";
const TYPES = ["approval.requested", "approval.decided", "approval.settled"];
/** Sweeps until nothing is due; far more than the most failures a message meets (3) need. */
const MAX_SWEEPS = 40;
/** Sweeps run this far ahead, so every retry's backoff (5 s to 4 h) has passed. */
const SWEEP_AHEAD_MS = 12 * 60 * 60 * 1000;
/** What a failing attempt gets, in turn: a 500, a reset connection, a 503. */
const FAILURES = [500, 0, 503];

/** How many first attempts at a message fail: 0 to 3, fixed by its id (about 60% fail once). */
function failuresFor(webhookId: string): number {
  return [0, 0, 1, 1, 2, 3][createHash("sha256").update(webhookId).digest()[0]! % 6]!;
}

const secret = createWebhookSecret();
const attemptsSeen = new Map<string, number>();
const receiver = await startWebhookReceiver(secret, {
  status: (webhookId) => {
    const attempt = (attemptsSeen.get(webhookId) ?? 0) + 1;
    attemptsSeen.set(webhookId, attempt);
    return attempt <= failuresFor(webhookId) ? FAILURES[(attempt - 1) % FAILURES.length]! : 204;
  },
});
// The sweeper runs by hand, so the test knows when each round of retries happened.
const signoff = useSignoffStack({
  sweeper: false,
  webhooks: { secret, urls: [receiver.url], allowLoopbackHttp: true },
});

describe("webhooks under a failing receiver", () => {
  it(`delivers each of ${APPROVALS} approvals' three messages once, signed, after retries, and no decision or callback notices`, async () => {
    try {
      const counter = countCallbacks(signoff);
      const batch = await requestBatch(signoff, APPROVALS, {
        approvers: [APPROVER],
        what: "Webhook retry",
      });
      const links = await linksForBatch(signoff, batch, [APPROVER]);

      // 1. Decide every approval by link while the receiver is failing.
      const started = performance.now();
      const decided = await mapPool(batch, 8, async (approval) => {
        const page = await signoff.decide(links.get(approval.approvalId)![0]!.approve, "approve");
        return { ...approval, status: page.status };
      });
      const decideMs = performance.now() - started;
      expect(decided.filter((d) => d.status !== 200).map((d) => d.approvalId)).toEqual([]);

      // 2. Sweep (ahead of the clock) until nothing is due.
      let sweeps = 0;
      let retried = 0;
      let gaveUp = 0;
      for (; sweeps < MAX_SWEEPS; sweeps++) {
        const stats = await signoff.sweep({ now: new Date(Date.now() + SWEEP_AHEAD_MS) });
        retried += stats.webhooksRetried;
        gaveUp += stats.webhooksGaveUp;
        if (stats.due === 0) break;
      }
      expect(sweeps).toBeLessThan(MAX_SWEEPS);

      // 3. The invariants.
      const tokens = signoff.requests.flatMap((r) => (r.token ? [r.token] : []));
      const received = receiver.received;
      const unsigned = received.filter((message) => !message.verified).length;
      const leaks = received.filter((m) => tokens.some((token) => m.body.includes(token))).length;
      const bodies = new Map<string, Set<string>>();
      const okCount = new Map<string, number>();
      for (const message of received) {
        bodies.set(message.id, (bodies.get(message.id) ?? new Set()).add(message.body));
        if (message.status >= 200 && message.status < 300) {
          okCount.set(message.id, (okCount.get(message.id) ?? 0) + 1);
        }
      }
      const changedBodies = [...bodies.values()].filter((set) => set.size > 1).length;
      const deliveredTwice = [...okCount.values()].filter((n) => n > 1).length;
      const missing: string[] = [];
      for (const approval of batch) {
        const types = received
          .filter((m) => m.message.data.approvalId === approval.approvalId && m.status === 204)
          .map((m) => m.message.type)
          .sort();
        if (JSON.stringify(types) !== JSON.stringify([...TYPES].sort())) {
          missing.push(`${approval.approvalId}: ${types.join(", ")}`);
        }
      }
      let callbacksWrong = 0;
      for (const approval of batch) {
        const stored = await signoff.approval(approval.approvalId);
        if (
          counter.callsFor(approval.approvalId) !== 1 ||
          stored?.status !== "APPROVED" ||
          stored.callback !== "DELIVERED"
        ) {
          callbacksWrong += 1;
        }
      }
      counter.restore();

      const failed = received.filter((m) => m.status === 0 || m.status >= 300).length;
      recordFigure({ suite: SUITE, measure: "approvals", value: APPROVALS });
      recordFigure({ suite: SUITE, measure: "messages expected", value: APPROVALS * 3 });
      recordFigure({
        suite: SUITE,
        measure: "POSTs received (failed: 500 / reset / 503)",
        value: `${received.length} (${failed})`,
      });
      recordFigure({ suite: SUITE, measure: "retries scheduled by the sweeper", value: retried });
      recordFigure({ suite: SUITE, measure: "sweeps until none due", value: sweeps + 1 });
      recordFigure({
        suite: SUITE,
        measure: "decisions while the receiver failed (ms per decision)",
        value: (decideMs / APPROVALS).toFixed(1),
        unit: "ms",
      });
      recordFigure({
        suite: SUITE,
        measure: "messages never delivered",
        value: missing.length,
        target: "0",
      });
      recordFigure({ suite: SUITE, measure: "messages given up", value: gaveUp, target: "0" });
      recordFigure({
        suite: SUITE,
        measure: "messages answered 2xx more than once",
        value: deliveredTwice,
        target: "0",
      });
      recordFigure({
        suite: SUITE,
        measure: "bodies changed between attempts",
        value: changedBodies,
        target: "0",
      });
      recordFigure({
        suite: SUITE,
        measure: "signatures that did not verify",
        value: unsigned,
        target: "0",
      });
      recordFigure({
        suite: SUITE,
        measure: "task tokens in a message",
        value: leaks,
        target: "0",
      });
      recordFigure({
        suite: SUITE,
        measure: "decisions or callbacks affected",
        value: callbacksWrong,
        target: "0",
      });

      expect(failed).toBeGreaterThan(0);
      expect(missing).toEqual([]);
      expect(gaveUp).toBe(0);
      expect(deliveredTwice).toBe(0);
      expect(changedBodies).toBe(0);
      expect(unsigned).toBe(0);
      expect(leaks).toBe(0);
      expect(callbacksWrong).toBe(0);
    } finally {
      await receiver.stop();
    }
  });
});

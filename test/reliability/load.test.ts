/**
 * Load: many approvals in flight at once, decided in waves of simultaneous decisions on distinct
 * approvals. No request may fail, and no execution may be left waiting: each must end with the
 * outcome decided for it, called back once.
 */
import { describe, expect, it } from "vitest";
import { SWEEP_INTERVAL_MS } from "../support/approval-requests.ts";
import { headingOf } from "../support/pages.ts";
import { useSignoffStack } from "../support/signoff-stack.ts";
import { linksForBatch, requestBatch } from "./support/approval-batch.ts";
import { countCallbacks } from "./support/callback-counter.ts";
import { recordFigure, scaled } from "./support/figures.ts";
import { mapPool, quantile, roundMs, timed } from "./support/load-stats.ts";

const SUITE = "load";
const IN_FLIGHT = scaled({ full: 1000, ci: 200 });
const CONCURRENT_DECISIONS = 200;
const APPROVER = "approver@example.com";

const signoff = useSignoffStack({ sweepIntervalMs: SWEEP_INTERVAL_MS });

describe("many approvals in flight", () => {
  it(`decides ${IN_FLIGHT} approvals in flight, ${CONCURRENT_DECISIONS} at a time, with no error and no execution left waiting`, async () => {
    const counter = countCallbacks(signoff);

    // 1. Every approval requested and waiting before anyone decides.
    const created = await timed(() =>
      requestBatch(signoff, IN_FLIGHT, { approvers: [APPROVER], what: "Load", concurrency: 16 }),
    );
    const batch = created.value;
    const links = await linksForBatch(signoff, batch, [APPROVER], 300_000);
    const running = await mapPool(batch, 16, (b) => signoff.statusOf(b.executionArn));
    expect(running.filter((s) => s !== "RUNNING")).toEqual([]);

    // 2. Decide in waves: each approval's page opened first (for its form nonce), then a wave's
    // decisions all sent at once.
    const plan = batch.map((approval, i) => {
      const decision: "approve" | "reject" = i % 5 === 4 ? "reject" : "approve";
      return { ...approval, decision, link: links.get(approval.approvalId)![0]![decision] };
    });
    const latencies: number[] = [];
    const errors: string[] = [];
    const decideStart = Date.now();
    for (let start = 0; start < plan.length; start += CONCURRENT_DECISIONS) {
      const wave = plan.slice(start, start + CONCURRENT_DECISIONS);
      const nonces = await mapPool(wave, 16, async (p) => (await signoff.openPage(p.link)).nonce);
      await Promise.all(
        wave.map(async (p, i) => {
          const nonce = nonces[i];
          if (nonce === undefined) return void errors.push(`${p.approvalId}: no form`);
          const sent = await timed(() =>
            signoff.submit(p.link, nonce, p.decision).catch((error: unknown) => error as Error),
          );
          latencies.push(sent.ms);
          const page = sent.value;
          if (page instanceof Error) return void errors.push(`${p.approvalId}: ${page.name}`);
          const expected = `${p.decision === "approve" ? "Approved" : "Rejected"}: your decision is recorded`;
          if (page.status !== 200 || headingOf(page) !== expected) {
            errors.push(`${p.approvalId}: ${page.status} ${headingOf(page)}`);
          }
        }),
      );
    }

    // 3. Every execution ends, as decided, called back once.
    // One still RUNNING after a minute counts as lost rather than ending the test.
    const ends = await mapPool(plan, 16, (p) =>
      signoff.waitForExecution(p.executionArn, 60_000).catch(() => ({ status: "RUNNING" })),
    );
    const allEndedMs = Date.now() - decideStart;
    const lost: string[] = [];
    const wrong: string[] = [];
    await mapPool(plan, 16, async (p, i) => {
      const end: { status: string; error?: string } = ends[i]!;
      const approved = p.decision === "approve";
      if (end.status === "RUNNING") lost.push(p.approvalId);
      const ok = approved
        ? end.status === "SUCCEEDED"
        : end.status === "FAILED" && end.error === "Approval.Rejected";
      const closing = await signoff.taskCallbacks(p.executionArn);
      const stored = await signoff.waitForCallbackRecorded(p.approvalId);
      if (
        !ok ||
        closing.length !== 1 ||
        counter.callsFor(p.approvalId) !== 1 ||
        stored.status !== (approved ? "APPROVED" : "REJECTED") ||
        stored.callback !== "DELIVERED"
      ) {
        wrong.push(`${p.approvalId}: ${end.status} ${closing} ${stored.status}/${stored.callback}`);
      }
    });
    counter.restore();

    recordFigure({ suite: SUITE, measure: "approvals in flight", value: IN_FLIGHT });
    recordFigure({
      suite: SUITE,
      measure: "requests stored per second (16 executions starting at a time)",
      value: Math.round((IN_FLIGHT / created.ms) * 1000),
      unit: "/s",
    });
    recordFigure({ suite: SUITE, measure: "simultaneous decisions", value: CONCURRENT_DECISIONS });
    recordFigure({ suite: SUITE, measure: "decision errors", value: errors.length, target: "0" });
    recordFigure({
      suite: SUITE,
      measure: "executions left waiting",
      value: lost.length,
      target: "0",
    });
    recordFigure({
      suite: SUITE,
      measure: "executions ended otherwise than decided, or called back ≠ once",
      value: wrong.length,
      target: "0",
    });
    recordFigure({
      suite: SUITE,
      measure: "decision latency p50",
      value: roundMs(quantile(latencies, 0.5)),
      unit: "ms",
    });
    recordFigure({
      suite: SUITE,
      measure: "decision latency p99",
      value: roundMs(quantile(latencies, 0.99)),
      unit: "ms",
    });
    recordFigure({
      suite: SUITE,
      measure: "first decision → every execution ended",
      value: roundMs(allEndedMs / 1000),
      unit: "s",
    });
    expect(latencies).toHaveLength(IN_FLIGHT);
    expect(errors.slice(0, 20)).toEqual([]);
    expect(lost).toEqual([]);
    expect(wrong.slice(0, 20)).toEqual([]);
  });
});

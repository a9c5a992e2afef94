/**
 * Callback faults: Step Functions throttles, fails with a 5xx, resets the connection, or takes
 * the call and loses its answer, on a share of SendTaskSuccess / SendTaskFailure requests
 * (sfn-local's fault injection, on the wire, under the real SDK client and its own retries).
 * After the sweeper's retries every outcome must have reached its execution exactly once, and
 * signoff's record must say so: none lost, none sent twice, none recorded as something else.
 */

import type { SfnFaultKind, SfnLocalFaults } from "@signoff/sfn-local";
import { describe, expect, it } from "vitest";
import { useSignoffStack } from "../support/signoff-stack.ts";
import { linksForBatch, requestBatch } from "./support/approval-batch.ts";
import { countCallbacks } from "./support/callback-counter.ts";
import { recordFigure, scaled } from "./support/figures.ts";
import { mapPool } from "./support/load-stats.ts";

const SUITE = "callback faults";
const APPROVALS = scaled({ full: 1000, ci: 100 });
const FAULT_PROBABILITY = 0.3;
const KINDS: SfnFaultKind[] = ["throttling", "5xx", "reset", "lost-response"];
const APPROVER = "approver@example.com";
/** Sweeps until nothing is pending; far more than three faults in a row ever need. */
const MAX_SWEEPS = 30;
/** Sweeps run this far ahead, so every retry's backoff (30 s to 30 min) has passed. */
const SWEEP_AHEAD_MS = 3 * 60 * 60 * 1000;

const injected: Record<SfnFaultKind, number> = {
  throttling: 0,
  "5xx": 0,
  reset: 0,
  "lost-response": 0,
};
const faults: SfnLocalFaults = {
  probability: 0,
  kinds: KINDS,
  onFault: ({ kind }) => {
    injected[kind] += 1;
  },
};
// The sweeper runs by hand, so the test knows when each round of retries happened.
const signoff = useSignoffStack({ sweeper: false, sfnFaults: faults });

/** What the first test found, for the second to judge. */
const found = { ran: false, deliveryProblems: [] as string[], recordProblems: [] as string[] };

describe("callbacks under Step Functions faults", () => {
  it(`delivers each of ${APPROVALS} outcomes to its execution exactly once when ${FAULT_PROBABILITY * 100}% of SendTask* calls fail`, async () => {
    const counter = countCallbacks(signoff);
    const batch = await requestBatch(signoff, APPROVALS, {
      approvers: [APPROVER],
      what: "Faulty callback",
    });
    const links = await linksForBatch(signoff, batch, [APPROVER]);

    // 1. Decide every approval by link, half approve and half reject, with faults on.
    faults.probability = FAULT_PROBABILITY;
    const decided = await mapPool(batch, 8, async (approval, i) => {
      const link = links.get(approval.approvalId)![0]!;
      const decision = i % 2 === 0 ? "approve" : "reject";
      const page = await signoff.decide(link[decision], decision);
      return { ...approval, decision, status: page.status };
    });
    expect(decided.filter((d) => d.status !== 200).map((d) => d.approvalId)).toEqual([]);

    // 2. The sweeper retries whatever is still pending, faults still on, until nothing is.
    let sweeps = 0;
    let retried = 0;
    for (; sweeps < MAX_SWEEPS; sweeps++) {
      const stats = await signoff.sweep({ now: new Date(Date.now() + SWEEP_AHEAD_MS) });
      retried += stats.callbacksRetried;
      if (stats.due === 0) break;
    }
    faults.probability = 0;

    // 3. Every execution ended once, with the outcome people decided; every record agrees.
    let lost = 0;
    let duplicated = 0;
    let misrecorded = 0;
    let ambiguous = 0;
    const problems = found.deliveryProblems;
    await mapPool(decided, 8, async (approval) => {
      const approved = approval.decision === "approve";
      const end = await signoff.describeExecution(approval.executionArn);
      const closing = await signoff.taskCallbacks(approval.executionArn);
      const stored = await signoff.approval(approval.approvalId);
      const expectedEnd = approved
        ? end.status === "SUCCEEDED" &&
          (end.output as { approvalId?: string; outcome?: string }).approvalId ===
            approval.approvalId &&
          (end.output as { outcome?: string }).outcome === "approved"
        : end.status === "FAILED" && end.error === "Approval.Rejected";
      if (end.status === "RUNNING") lost += 1;
      if (closing.length > 1) duplicated += 1;
      if (!expectedEnd || closing.length !== 1) {
        problems.push(`${approval.approvalId}: execution ${end.status}, closed by ${closing}`);
      }
      if (
        stored?.status !== (approved ? "APPROVED" : "REJECTED") ||
        stored.callback !== "DELIVERED"
      ) {
        misrecorded += 1;
        found.recordProblems.push(
          `${approval.approvalId}: recorded ${stored?.status} / callback ${stored?.callback} (${stored?.callbackError ?? ""}), decided ${approval.decision}`,
        );
      }
      if (stored?.callbackError?.includes("most likely delivered")) ambiguous += 1;
    });
    const attempts = decided.map((d) => counter.callsFor(d.approvalId));
    counter.restore();

    recordFigure({ suite: SUITE, measure: "approvals", value: APPROVALS });
    recordFigure({
      suite: SUITE,
      measure: "fault probability per SendTask* request",
      value: FAULT_PROBABILITY,
    });
    recordFigure({
      suite: SUITE,
      measure: "faults injected (throttling / 5xx / reset / lost response)",
      value: KINDS.map((k) => injected[k]).join(" / "),
    });
    recordFigure({
      suite: SUITE,
      measure: "delivery attempts per approval (mean, max)",
      value: `${(attempts.reduce((a, b) => a + b, 0) / attempts.length).toFixed(2)}, ${Math.max(...attempts)}`,
    });
    recordFigure({ suite: SUITE, measure: "callbacks retried by the sweeper", value: retried });
    recordFigure({ suite: SUITE, measure: "sweeps until none pending", value: sweeps + 1 });
    recordFigure({
      suite: SUITE,
      measure: "deliveries recorded as ambiguous (task already closed on retry)",
      value: ambiguous,
    });
    recordFigure({ suite: SUITE, measure: "outcomes lost", value: lost, target: "0" });
    recordFigure({
      suite: SUITE,
      measure: "outcomes delivered twice",
      value: duplicated,
      target: "0",
    });
    recordFigure({
      suite: SUITE,
      measure: "approvals recorded otherwise than delivered",
      value: misrecorded,
      target: "0",
    });

    found.ran = true;
    expect(injected["lost-response"]).toBeGreaterThan(0);
    expect(counter.unknown()).toBe(0);
    expect(problems.slice(0, 20)).toEqual([]);
  });

  // A lost response retried by the SDK inside one delivery attempt finds the task closed
  // (TaskTimedOut); that answer is about our own send, so the outcome stays as decided.
  it("records every delivered outcome as decided and DELIVERED", () => {
    expect(found.ran).toBe(true);
    expect(found.recordProblems.slice(0, 20)).toEqual([]);
  });
});

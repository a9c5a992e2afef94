/**
 * The race issue 11 found: on a 1-of-2 approval, alice presses Approve and bob presses Reject on
 * their link pages at the same moment. Whichever lands first decides; the other must be told the
 * request was already decided, never "your decision is recorded". Checked over many approvals at
 * once, on every result:
 * - the outcome is the policy's answer for the recorded decisions, in recording order, and no
 *   decision was recorded after the one that determined it (`findOutcomeInconsistency`);
 * - every "recorded" page is a decision in that set, and every other page names the outcome;
 * - the task heard exactly once, and what the outcome says;
 * - the audit trail (its head on the approval, views racing the decisions) still verifies.
 */
import { findOutcomeInconsistency, verifyAuditChain } from "@signoff/core";
import { afterAll, describe, expect, it } from "vitest";
import { SWEEP_INTERVAL_MS } from "../support/approval-requests.ts";
import { headingOf, type PageResponse } from "../support/pages.ts";
import { useSignoffStack } from "../support/signoff-stack.ts";
import { linksForBatch, requestBatch } from "./support/approval-batch.ts";
import { recordFigure, scaled } from "./support/figures.ts";
import { mapPool } from "./support/load-stats.ts";

const SUITE = "decision race";
const APPROVALS = scaled({ full: 240, ci: 48 });
const PER_TEST = 24;
const ALICE = "alice@example.com";
const BOB = "bob@example.com";
const STATUS_TEXT = { APPROVED: "approved", REJECTED: "rejected" } as const;

const signoff = useSignoffStack({ sweepIntervalMs: SWEEP_INTERVAL_MS });

const measured = {
  approvals: 0,
  outcomes: { APPROVED: 0, REJECTED: 0 },
  inconsistent: 0,
  recordedNotDeciding: 0,
  wrongPages: 0,
  callbacksOtherThanOne: 0,
  brokenTrails: 0,
  examples: [] as string[],
};

function problem(text: string): void {
  if (measured.examples.length < 10) measured.examples.push(text);
}

/** Alice approves and bob rejects at once; returns each page. */
async function pressBoth(
  links: { approver: string; approve: string; reject: string }[],
  aliceFirst: boolean,
): Promise<{ alice: PageResponse; bob: PageResponse }> {
  const alice = links.find((l) => l.approver === ALICE)!;
  const bob = links.find((l) => l.approver === BOB)!;
  const [aliceForm, bobForm] = await Promise.all([
    signoff.openPage(alice.approve),
    signoff.openPage(bob.reject),
  ]);
  const press = {
    alice: () => signoff.submit(alice.approve, aliceForm.nonce!, "approve"),
    bob: () => signoff.submit(bob.reject, bobForm.nonce!, "reject"),
  };
  const [first, second] = aliceFirst ? [press.alice, press.bob] : [press.bob, press.alice];
  const [a, b] = await Promise.all([first(), second()]);
  return aliceFirst ? { alice: a, bob: b } : { alice: b, bob: a };
}

afterAll(() => {
  if (measured.approvals === 0) return;
  recordFigure({
    suite: SUITE,
    measure: "1-of-2 approvals, approve + reject at once",
    value: measured.approvals,
  });
  recordFigure({
    suite: SUITE,
    measure: "outcomes approved / rejected",
    value: `${measured.outcomes.APPROVED} / ${measured.outcomes.REJECTED}`,
  });
  recordFigure({
    suite: SUITE,
    measure: "inconsistent outcomes (outcome ≠ policy on recorded decisions)",
    value: measured.inconsistent,
    target: "0",
  });
  recordFigure({
    suite: SUITE,
    measure: '"recorded" pages for decisions outside the deciding set',
    value: measured.recordedNotDeciding,
    target: "0",
  });
  recordFigure({
    suite: SUITE,
    measure: "pages not naming the outcome and who decided",
    value: measured.wrongPages,
    target: "0",
  });
  recordFigure({
    suite: SUITE,
    measure: "approvals whose task heard other than once",
    value: measured.callbacksOtherThanOne,
    target: "0",
  });
  recordFigure({
    suite: SUITE,
    measure: "audit trails that do not verify",
    value: measured.brokenTrails,
    target: "0",
  });
});

describe("approve and reject pressed at the same moment", () => {
  for (let first = 0; first < APPROVALS; first += PER_TEST) {
    const count = Math.min(PER_TEST, APPROVALS - first);
    it(`settle the way the recorded decisions say, and tell the other person so (approvals ${first + 1}–${first + count} of ${APPROVALS})`, async () => {
      const batch = await requestBatch(signoff, count, {
        approvers: [ALICE, BOB],
        what: "Race",
      });
      const linksById = await linksForBatch(signoff, batch, [ALICE, BOB]);
      const before = { ...measured, outcomes: { ...measured.outcomes } };

      // Eight approvals at a time, each with both presses at once.
      const pressed = await mapPool(batch, 8, async (approval, i) => ({
        approval,
        pages: await pressBoth(linksById.get(approval.approvalId)!, (first + i) % 2 === 0),
      }));

      for (const { approval, pages } of pressed) {
        const stored = await signoff.waitForCallbackRecorded(approval.approvalId);
        const end = await signoff.waitForExecution(approval.executionArn);
        measured.approvals += 1;
        const status = stored.status as keyof typeof STATUS_TEXT;
        if (status in measured.outcomes) measured.outcomes[status] += 1;

        const inconsistency = findOutcomeInconsistency(stored);
        const expectedEnd = status === "APPROVED" ? "SUCCEEDED" : "FAILED";
        if (inconsistency !== undefined || end.status !== expectedEnd) {
          measured.inconsistent += 1;
          problem(
            `${approval.approvalId}: ${inconsistency ?? `${status} but execution ${end.status}`}`,
          );
        }
        const callbacks = await signoff.taskCallbacks(approval.executionArn);
        if (callbacks.length !== 1) {
          measured.callbacksOtherThanOne += 1;
          problem(`${approval.approvalId}: callbacks ${callbacks.join(", ")}`);
        }

        const trail = await signoff.runtime().deps.store.listEvents(approval.approvalId);
        const verified = verifyAuditChain(trail);
        const decided = trail.filter((event) => event.type === "decided").length;
        if (!verified.ok || decided !== Object.keys(stored.decisions).length) {
          measured.brokenTrails += 1;
          problem(`${approval.approvalId}: trail ${JSON.stringify(verified)}, ${decided} decided`);
        }

        // The deciding set: everything recorded (nothing may be recorded after the outcome).
        const winner = Object.values(stored.decisions);
        for (const [approver, page] of [
          [ALICE, pages.alice],
          [BOB, pages.bob],
        ] as const) {
          const heading = headingOf(page);
          const own = stored.decisions[approver];
          if (heading.endsWith("your decision is recorded")) {
            if (own === undefined) {
              measured.recordedNotDeciding += 1;
              problem(`${approval.approvalId}: ${approver} told "${heading}" but not recorded`);
            }
            continue;
          }
          const decidedBy = winner.map((d) => d.approver).join(" and ");
          const expected = `This request was already decided: ${STATUS_TEXT[status]} by ${decidedBy} at `;
          if (page.status !== 200 || own !== undefined || !heading.startsWith(expected)) {
            measured.wrongPages += 1;
            problem(`${approval.approvalId}: ${approver} got ${page.status} "${heading}"`);
          }
        }
      }
      expect(measured.examples).toEqual([]);
      expect(measured.inconsistent - before.inconsistent).toBe(0);
      expect(measured.recordedNotDeciding - before.recordedNotDeciding).toBe(0);
      expect(measured.wrongPages - before.wrongPages).toBe(0);
      expect(measured.callbacksOtherThanOne - before.callbacksOtherThanOne).toBe(0);
      expect(measured.brokenTrails - before.brokenTrails).toBe(0);
    });
  }
});

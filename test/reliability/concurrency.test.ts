/**
 * Concurrency: a burst of simultaneous button presses on one approval, approve and reject mixed
 * over every approver's links, repeated over many approvals. Each approval must call its task
 * back exactly once, and every press must get a page saying what was recorded, never a 5xx.
 *
 * The approvals run in tests of ten, so a slow machine meets each test's time limit; the
 * figures cover all of them and are recorded once at the end.
 */
import { findOutcomeInconsistency } from "@signoff/core";
import { afterAll, describe, expect, it } from "vitest";
import { SWEEP_INTERVAL_MS } from "../support/approval-requests.ts";
import { headingOf, type PageResponse } from "../support/pages.ts";
import { useSignoffStack } from "../support/signoff-stack.ts";
import {
  type ApproverLinks,
  type BatchApproval,
  linksForBatch,
  requestBatch,
} from "./support/approval-batch.ts";
import { type CallbackCounter, countCallbacks } from "./support/callback-counter.ts";
import { recordFigure, scaled } from "./support/figures.ts";
import { quantile, roundMs, timed } from "./support/load-stats.ts";

const SUITE = "concurrency";
const APPROVALS = scaled({ full: 50, ci: 5 });
const PER_TEST = 10;
const PRESSES_PER_APPROVAL = 200;
const APPROVERS = ["ann@example.com", "ben@example.com", "cy@example.com", "dee@example.com"];
const STATUS_TEXT = { APPROVED: "approved", REJECTED: "rejected" } as const;

const signoff = useSignoffStack({ sweepIntervalMs: SWEEP_INTERVAL_MS });
let counter: CallbackCounter | undefined;

/** What every test measured, for the figures. */
const measured = {
  approvals: 0,
  latencies: [] as number[],
  burstMs: [] as number[],
  recordedPerApproval: [] as number[],
  callsPerApproval: [] as number[],
  serverErrors: 0,
  wrongPages: 0,
  outcomes: { APPROVED: 0, REJECTED: 0 },
};

/** One press: a link, the button pressed, and the page it got back. */
interface Press {
  links: ApproverLinks;
  decision: "approve" | "reject";
  page: PageResponse;
  ms: number;
}

/** Presses every button of `approval` at once and checks what each press and the task got. */
async function pressAllAtOnce(approval: BatchApproval, links: ApproverLinks[], k: number) {
  // 1. Each link's confirmation page once, for its form nonce (bound to that link).
  const nonces = new Map<string, string>();
  for (const approver of links) {
    for (const url of [approver.approve, approver.reject]) {
      const form = await signoff.openPage(url);
      expect(form.nonce, `a form on the page of ${approval.approvalId}`).toBeDefined();
      nonces.set(url, form.nonce!);
    }
  }

  // 2. Every press at once, spread over all links, both buttons on each; which button goes
  // first alternates between approvals, so both outcomes occur.
  const burst = await timed(() =>
    Promise.all(
      Array.from({ length: PRESSES_PER_APPROVAL }, async (_, i): Promise<Press> => {
        const approverLinks = links[i % links.length]!;
        const url = i % 3 === 0 ? approverLinks.reject : approverLinks.approve;
        const decision = (Math.floor(i / links.length) + k) % 2 === 0 ? "approve" : "reject";
        const sent = await timed(() => signoff.submit(url, nonces.get(url)!, decision));
        return { links: approverLinks, decision, page: sent.value, ms: sent.ms };
      }),
    ),
  );
  measured.burstMs.push(burst.ms);
  const presses = burst.value;
  measured.latencies.push(...presses.map((p) => p.ms));

  // 3. The stored outcome, and the execution it was handed to, once.
  const stored = await signoff.waitForCallbackRecorded(approval.approvalId);
  const end = await signoff.waitForExecution(approval.executionArn);
  expect(["APPROVED", "REJECTED"]).toContain(stored.status);
  const status = stored.status as keyof typeof STATUS_TEXT;
  measured.outcomes[status] += 1;
  measured.callsPerApproval.push(counter!.callsFor(approval.approvalId));
  expect(stored).toMatchObject({ callback: "DELIVERED", callbackAttempts: 1 });
  expect(findOutcomeInconsistency(stored), approval.approvalId).toBeUndefined();
  if (status === "APPROVED") expect(end.status).toBe("SUCCEEDED");
  else expect(end).toMatchObject({ status: "FAILED", error: "Approval.Rejected" });
  expect(await signoff.taskCallbacks(approval.executionArn)).toEqual([
    status === "APPROVED" ? "TaskSucceeded" : "TaskFailed",
  ]);
  expect(counter!.callsFor(approval.approvalId), approval.approvalId).toBe(1);

  // 4. Every page says what was recorded: this press's decision and the outcome, or the
  // approver's earlier decision, or the outcome someone else settled.
  const recordedBy = new Map<string, number>();
  for (const press of presses) {
    const { page } = press;
    if (page.status >= 500) measured.serverErrors += 1;
    const heading = headingOf(page);
    const own = stored.decisions[press.links.approver];
    const ownText = own?.decision === "approve" ? "approved" : "rejected";
    const recordedHeading = `${press.decision === "approve" ? "Approved" : "Rejected"}: your decision is recorded`;
    const ok =
      page.status === 200 &&
      (heading === recordedHeading
        ? own?.decision === press.decision && page.html.includes(`is now ${STATUS_TEXT[status]}`)
        : heading.startsWith(`You already ${ownText} this request on `) ||
          heading.startsWith(`This request was already decided: ${STATUS_TEXT[status]} by `));
    if (!ok) measured.wrongPages += 1;
    if (heading.endsWith("your decision is recorded")) {
      recordedBy.set(press.links.approver, (recordedBy.get(press.links.approver) ?? 0) + 1);
    }
  }
  // At most one recorded page per approver, and exactly as many as decisions stored.
  expect([...recordedBy.values()].every((n) => n === 1)).toBe(true);
  expect(recordedBy.size).toBe(Object.keys(stored.decisions).length);
  measured.recordedPerApproval.push(recordedBy.size);
  measured.approvals += 1;
}

afterAll(() => {
  counter?.restore();
  if (measured.approvals === 0) return;
  const calls = measured.callsPerApproval;
  recordFigure({ suite: SUITE, measure: "approvals", value: measured.approvals });
  recordFigure({
    suite: SUITE,
    measure: "simultaneous presses per approval (4 approvers × 2 links)",
    value: PRESSES_PER_APPROVAL,
  });
  recordFigure({
    suite: SUITE,
    measure: "outcomes approved / rejected",
    value: `${measured.outcomes.APPROVED} / ${measured.outcomes.REJECTED}`,
  });
  recordFigure({
    suite: SUITE,
    measure: "SendTask* calls per approval (min–max)",
    value: `${Math.min(...calls)}–${Math.max(...calls)}`,
    unit: "calls",
    target: "= 1",
  });
  recordFigure({
    suite: SUITE,
    measure: "decisions recorded per approval (max)",
    value: Math.max(...measured.recordedPerApproval),
    target: "≤ 4 (one per approver)",
  });
  recordFigure({ suite: SUITE, measure: "5xx answers", value: measured.serverErrors, target: "0" });
  recordFigure({
    suite: SUITE,
    measure: "pages not saying what was recorded",
    value: measured.wrongPages,
    target: "0",
  });
  const { latencies } = measured;
  recordFigure({
    suite: SUITE,
    measure: "press latency p50 / p99",
    value: `${roundMs(quantile(latencies, 0.5))} / ${roundMs(quantile(latencies, 0.99))}`,
    unit: "ms",
  });
  recordFigure({
    suite: SUITE,
    measure: `burst of ${PRESSES_PER_APPROVAL} presses, p50`,
    value: roundMs(quantile(measured.burstMs, 0.5)),
    unit: "ms",
  });
});

describe("simultaneous decisions on one approval", () => {
  for (let first = 0; first < APPROVALS; first += PER_TEST) {
    const count = Math.min(PER_TEST, APPROVALS - first);
    it(`calls each task back exactly once when ${PRESSES_PER_APPROVAL} approve and reject presses arrive at once (approvals ${first + 1}–${first + count} of ${APPROVALS})`, async () => {
      counter ??= countCallbacks(signoff);
      const batch = await requestBatch(signoff, count, {
        approvers: APPROVERS,
        what: "Concurrent presses",
      });
      const linksById = await linksForBatch(signoff, batch, APPROVERS);
      const before = { serverErrors: measured.serverErrors, wrongPages: measured.wrongPages };
      for (const [i, approval] of batch.entries()) {
        await pressAllAtOnce(approval, linksById.get(approval.approvalId)!, first + i);
      }
      expect(counter.unknown()).toBe(0);
      expect(measured.serverErrors - before.serverErrors).toBe(0);
      expect(measured.wrongPages - before.wrongPages).toBe(0);
    });
  }
});

/**
 * Crash: the API process dies (SIGKILL) in the middle of a decision, after the outcome is
 * written and before the task hears of it, or after the task heard but before signoff wrote
 * that down. The API comes back, and the sweeper, on its timer with production backoff, must
 * finish each callback: every execution ends exactly once with the outcome people decided, and
 * every approval says DELIVERED.
 */
import { afterAll, describe, expect, it } from "vitest";
import { SWEEP_INTERVAL_MS } from "../support/approval-requests.ts";
import { headingOf } from "../support/pages.ts";
import { pollUntil } from "../support/poll.ts";
import { useSignoffStack } from "../support/signoff-stack.ts";
import { linksForBatch, requestBatch } from "./support/approval-batch.ts";
import { type ApiProcess, type CrashPoint, startApiProcess } from "./support/crash-api-process.ts";
import { recordFigure, scaled } from "./support/figures.ts";
import { quantile, roundMs } from "./support/load-stats.ts";

const SUITE = "crash";
const CRASHES = scaled({ full: 10, ci: 4 });
const APPROVER = "approver@example.com";

// The in-process API only serves the links' origin; the one that crashes is a child process.
// The sweeper stays off until the API has been restarted, as if it too were down meanwhile.
const signoff = useSignoffStack({ sweeper: false, sweepIntervalMs: SWEEP_INTERVAL_MS });
const processes: ApiProcess[] = [];
afterAll(async () => {
  for (const api of processes) await api.stop();
});

/** The same link path on another origin: the API process serves what the link names. */
function on(api: ApiProcess, link: string): string {
  return `${api.url}${new URL(link).pathname}`;
}

describe("the API killed between recording a decision and the callback", () => {
  it(`delivers each of ${CRASHES} interrupted callbacks exactly once after a restart, through the sweeper`, async () => {
    const batch = await requestBatch(signoff, CRASHES, { approvers: [APPROVER], what: "Crash" });
    const links = await linksForBatch(signoff, batch, [APPROVER]);

    // 1. One API process per decision, each killed by its own first SendTask*.
    const crashed: Array<{
      approvalId: string;
      executionArn: string;
      decision: "approve" | "reject";
      point: CrashPoint;
      link: string;
      crashedAt: number;
    }> = [];
    for (const [i, approval] of batch.entries()) {
      const point: CrashPoint = i % 2 === 0 ? "before-callback" : "after-callback";
      const decision = i % 4 < 2 ? "approve" : "reject";
      const link = links.get(approval.approvalId)![0]![decision];
      const api = await startApiProcess(signoff, point);
      processes.push(api);
      const form = await signoff.openPage(on(api, link));
      expect(form.nonce).toBeDefined();
      // The POST never gets an answer: the process dies under it.
      const press = await signoff.submit(on(api, link), form.nonce!, decision).then(
        (page) => `answered ${page.status}`,
        () => "no answer",
      );
      expect(press).toBe("no answer");
      expect(await api.exited).toEqual({ code: null, signal: "SIGKILL" });
      crashed.push({ ...approval, decision, point, link, crashedAt: Date.now() });

      // The outcome is written and the callback is owed; the task heard only after-callback.
      const stored = await signoff.approval(approval.approvalId);
      expect(stored).toMatchObject({
        status: decision === "approve" ? "APPROVED" : "REJECTED",
        callback: "PENDING",
        callbackAttempts: 1,
      });
      const closing = await signoff.taskCallbacks(approval.executionArn);
      expect(closing).toHaveLength(point === "before-callback" ? 0 : 1);
    }

    // 2. The API comes back (no crash hook): the decided links say so, and change nothing.
    const restarted = await startApiProcess(signoff);
    processes.push(restarted);
    const restartedAt = Date.now();
    for (const entry of crashed) {
      const page = await signoff.openPage(on(restarted, entry.link));
      expect(page.status).toBe(200);
      expect(headingOf(page)).toMatch(/^You already (approved|rejected) this request on /);
    }

    // 3. The sweeper, as deployed: it retries each callback once its claim (30 s) runs out.
    signoff.startSweeper();
    const deliveredAt = new Map<string, number>();
    await pollUntil(
      `the sweeper to deliver ${CRASHES} callbacks`,
      async () => {
        for (const entry of crashed) {
          if (deliveredAt.has(entry.approvalId)) continue;
          const stored = await signoff.approval(entry.approvalId);
          if (stored?.callback !== "PENDING") deliveredAt.set(entry.approvalId, Date.now());
        }
        return deliveredAt.size === crashed.length ? true : undefined;
      },
      { timeoutMs: 180_000, intervalMs: 100 },
    );
    await signoff.stopSweeper();

    // 4. Each execution ended once, as decided; each approval says DELIVERED.
    const closingCounts: number[] = [];
    for (const entry of crashed) {
      const approved = entry.decision === "approve";
      const end = await signoff.waitForExecution(entry.executionArn);
      if (approved) {
        expect(end.status).toBe("SUCCEEDED");
        expect(end.output).toMatchObject({ approvalId: entry.approvalId, outcome: "approved" });
      } else {
        expect(end).toMatchObject({ status: "FAILED", error: "Approval.Rejected" });
      }
      const closing = await signoff.taskCallbacks(entry.executionArn);
      closingCounts.push(closing.length);
      expect(closing).toEqual([approved ? "TaskSucceeded" : "TaskFailed"]);
      const stored = await signoff.approval(entry.approvalId);
      expect(stored, entry.approvalId).toMatchObject({
        status: approved ? "APPROVED" : "REJECTED",
        callback: "DELIVERED",
        callbackAttempts: 2,
      });
      // Killed after the call went through, the retry finds the task closed and says so.
      if (entry.point === "after-callback") {
        expect(stored?.callbackError).toMatch(/most likely delivered/);
      } else {
        expect(stored?.callbackError).toBeUndefined();
      }
    }

    const recoveryS = crashed.map((c) => (deliveredAt.get(c.approvalId)! - c.crashedAt) / 1000);
    recordFigure({
      suite: SUITE,
      measure: "API processes killed (before / after SendTask*)",
      value: `${crashed.filter((c) => c.point === "before-callback").length} / ${crashed.filter((c) => c.point === "after-callback").length}`,
    });
    recordFigure({
      suite: SUITE,
      measure: "callbacks delivered after restart",
      value: `${deliveredAt.size} of ${crashed.length}`,
      target: "all",
    });
    recordFigure({
      suite: SUITE,
      measure: "task-closing events per execution (min–max)",
      value: `${Math.min(...closingCounts)}–${Math.max(...closingCounts)}`,
      target: "= 1",
    });
    recordFigure({
      suite: SUITE,
      measure: "crash → delivered, p50 / max (30 s retry claim)",
      value: `${roundMs(quantile(recoveryS, 0.5))} / ${roundMs(Math.max(...recoveryS))}`,
      unit: "s",
    });
    recordFigure({
      suite: SUITE,
      measure: "API restart → last delivery",
      value: roundMs((Math.max(...deliveredAt.values()) - restartedAt) / 1000),
      unit: "s",
    });
  });
});

/**
 * Mail scanners and link previewers open every link in every email, with GET and HEAD, following
 * redirects or not. Every link of many approvals is opened by each of them over real HTTP: the
 * pages answer, and nothing is decided: every approval stays PENDING with no decision, no
 * decided or settled audit event, and no SendTask* in its execution's history.
 */
import { describe, expect, it } from "vitest";
import {
  approvalInput,
  QUIET_MS,
  requestApproval,
  SWEEP_INTERVAL_MS,
  uniqueSubject,
} from "../support/approval-requests.ts";
import { linksIn } from "../support/inbox.ts";
import { sleep } from "../support/poll.ts";
import { useSignoffStack } from "../support/signoff-stack.ts";
import { recordFigure, scaled } from "./support/figures.ts";
import { runPool } from "./support/run-pool.ts";
import { SCANNER_AGENTS, type ScannerAgent } from "./support/scanner-agents.ts";
import { chooseSeed, createSeededRandom } from "./support/seeded-random.ts";

const SUITE = "scanners";
const APPROVERS = ["alice@example.com", "bob@example.com"];
const CONCURRENCY = 8;
/** Events that would mean something was decided, or a task was called back. */
const DECIDING_EVENTS = new Set(["decided", "settled", "callback-sent", "callback-failed"]);

const signoff = useSignoffStack({ sweepIntervalMs: SWEEP_INTERVAL_MS });

interface ScannerVisit {
  approvalId: string;
  url: string;
  agent: ScannerAgent;
  method: "GET" | "HEAD";
  redirect: "follow" | "manual";
}

/** Requests `count` approvals through the demo workflow; returns each with its four links. */
async function requestApprovals(count: number) {
  const requested: Array<{ executionArn: string; approvalId: string; subject: string }> = [];
  await runPool(Array.from({ length: count }), 4, async () => {
    const subject = uniqueSubject("Scanned");
    const input = approvalInput({ approvers: APPROVERS, subject, timeoutSeconds: 3600 });
    const { executionArn, approvalId } = await requestApproval(signoff, signoff.demoArn, input);
    requested.push({ executionArn, approvalId, subject });
  });
  // One read of the inbox for all of them; request-approval has sent the mail by the time it returns.
  const inbox = await signoff.readInbox();
  return requested.map((approval) => {
    const links = APPROVERS.flatMap((to) => {
      const mail = inbox.find(
        (m) =>
          m.destination.to.includes(to) && m.subject === `Approval requested: ${approval.subject}`,
      );
      if (mail === undefined) throw new Error(`no request mail to ${to} for ${approval.subject}`);
      const { approve, reject } = linksIn(mail);
      return [approve, reject];
    });
    return { ...approval, links };
  });
}

describe("mail scanners and link previewers", () => {
  it("decide nothing when they GET and HEAD every link of every approval, with and without following redirects", async () => {
    const count = scaled({ full: 100, ci: 10 });
    const approvals = await requestApprovals(count);
    const random = createSeededRandom(chooseSeed());

    // 1. Every link × every agent × GET and HEAD; each agent follows redirects on two of an
    // approval's four links and not on the other two. Shuffled so that concurrent visits land on
    // different approvals, as scanners of many mailboxes would.
    const visits: ScannerVisit[] = [];
    for (const { approvalId, links } of approvals) {
      for (const [linkIndex, url] of links.entries()) {
        for (const [agentIndex, agent] of SCANNER_AGENTS.entries()) {
          const redirect = (linkIndex + agentIndex) % 2 === 0 ? "follow" : "manual";
          for (const method of ["GET", "HEAD"] as const) {
            visits.push({ approvalId, url, agent, method, redirect });
          }
        }
      }
    }
    for (let i = visits.length - 1; i > 0; i--) {
      const j = random.int(0, i);
      [visits[i], visits[j]] = [visits[j]!, visits[i]!];
    }

    // 2. The visits, over real HTTP.
    const problems: string[] = [];
    let serverErrors = 0;
    const getsPerApproval = new Map<string, number>();
    await runPool(visits, CONCURRENCY, async ({ approvalId, url, agent, method, redirect }) => {
      const response = await fetch(url, {
        method,
        redirect,
        headers: { "User-Agent": agent.userAgent, Accept: "text/html,*/*;q=0.8" },
      });
      const body = await response.text();
      if (method === "GET")
        getsPerApproval.set(approvalId, (getsPerApproval.get(approvalId) ?? 0) + 1);
      if (response.status >= 500) serverErrors++;
      // Each sees the confirmation page (a HEAD its headers only), which decides nothing.
      const shown = method === "HEAD" ? body === "" : body.includes('name="nonce"');
      if ((response.status !== 200 || !shown) && problems.length < 20) {
        problems.push(`${agent.name} ${method} (${redirect}) → ${response.status}`);
      }
    });

    // 3. A few sweeps later: nothing decided, nothing called back.
    await sleep(QUIET_MS);
    let decisions = 0;
    let decidingEvents = 0;
    let callbacks = 0;
    let notPending = 0;
    let views = 0;
    let viewsBeyondGets = 0;
    for (const { executionArn, approvalId } of approvals) {
      const approval = await signoff.approval(approvalId);
      decisions += Object.keys(approval?.decisions ?? {}).length;
      if (approval?.status !== "PENDING") notPending++;
      if ((await signoff.statusOf(executionArn)) !== "RUNNING") notPending++;
      callbacks += (await signoff.taskCallbacks(executionArn)).length;
      const events = await signoff.runtime().deps.store.listEvents(approvalId);
      decidingEvents += events.filter((event) => DECIDING_EVENTS.has(event.type)).length;
      // A GET is an audited view; a HEAD shows nothing and must not be one.
      const viewed = events.filter((event) => event.type === "viewed").length;
      views += viewed;
      viewsBeyondGets += Math.max(0, viewed - (getsPerApproval.get(approvalId) ?? 0));
    }

    recordFigure({ suite: SUITE, measure: "approvals scanned", value: approvals.length });
    recordFigure({ suite: SUITE, measure: "user agents", value: SCANNER_AGENTS.length });
    recordFigure({ suite: SUITE, measure: "requests made (GET+HEAD)", value: visits.length });
    recordFigure({ suite: SUITE, measure: "5xx responses", value: serverErrors, target: "0" });
    recordFigure({ suite: SUITE, measure: "GET views audited", value: views });
    recordFigure({
      suite: SUITE,
      measure: "decisions made",
      value: decisions + decidingEvents,
      target: "0",
    });
    recordFigure({
      suite: SUITE,
      measure: "SendTask* calls / approvals not PENDING",
      value: `${callbacks} / ${notPending}`,
      target: "0 / 0",
    });

    expect(problems).toEqual([]);
    expect(serverErrors).toBe(0);
    expect({ decisions, decidingEvents, callbacks, notPending, viewsBeyondGets }).toEqual({
      decisions: 0,
      decidingEvents: 0,
      callbacks: 0,
      notPending: 0,
      viewsBeyondGets: 0,
    });
  });
});

/**
 * Forged links at volume: thousands of links mutated from the real links of a few real
 * approvals (bit flips, truncation, `alg: none`, wrong key ids, foreign keys, spliced claims,
 * expired, replayed), each opened (GET) and submitted (POST, with the most plausible nonce) over
 * real HTTP. None may be accepted, each is answered with its refusal page, none with a 5xx, and
 * afterwards the approvals are as the test left them: PENDING, or decided once, legitimately.
 */
import { describe, expect, it } from "vitest";
import {
  approvalInput,
  QUIET_MS,
  requestApproval,
  SWEEP_INTERVAL_MS,
  uniqueSubject,
} from "../support/approval-requests.ts";
import { createPageClient, type PageResponse } from "../support/pages.ts";
import { sleep } from "../support/poll.ts";
import { useSignoffStack } from "../support/signoff-stack.ts";
import { recordFigure, scaled } from "./support/figures.ts";
import {
  createLinkForger,
  FORGERY_KINDS,
  type ForgedLink,
  type Refusal,
  type SourceLink,
} from "./support/link-forger.ts";
import { createRefusalTally, type ExpectedPage } from "./support/refusal-tally.ts";
import { runPool } from "./support/run-pool.ts";
import { chooseSeed, createSeededRandom } from "./support/seeded-random.ts";

const SUITE = "forged links";
const APPROVERS = ["alice@example.com", "bob@example.com"];
/** Approvals whose links are mutated; they must end PENDING. */
const PENDING_APPROVALS = 3;
/** Requests in flight at once: a steady stream, not a load test. */
const CONCURRENCY = 8;

const EXPECTED: Record<Refusal, ExpectedPage> = {
  "invalid-link": { status: 404, heading: /^This link is not valid$/ },
  expired: { status: 410, heading: /^This link has expired$/ },
  "already-decided": {
    status: 200,
    heading: /^(You already approved this request on |This request was already decided: approved)/,
  },
  "invalid-form": { status: 400, heading: /^This form is not valid$/ },
};

const signoff = useSignoffStack({ sweepIntervalMs: SWEEP_INTERVAL_MS });

function tokenOf(url: string): string {
  return url.slice(url.indexOf("/a/") + 3);
}

/** Asks alice and bob for an approval through the demo workflow; returns it and its 4 links. */
async function requestAliceAndBob() {
  const subject = uniqueSubject("Forgery target");
  const { executionArn, approvalId } = await requestApproval(
    signoff,
    signoff.demoArn,
    approvalInput({ approvers: APPROVERS, subject }),
  );
  const [alice, bob] = await Promise.all(APPROVERS.map((to) => signoff.linksFor(to, subject)));
  return {
    executionArn,
    approvalId,
    links: [alice!.approve, alice!.reject, bob!.approve, bob!.reject],
  };
}

/** Opens a genuine link and keeps its page's nonce (a GET decides nothing). */
async function withNonce(url: string): Promise<SourceLink> {
  const page = await signoff.openPage(url);
  if (page.nonce === undefined)
    throw new Error(`no confirmation form at a genuine link: ${page.status}`);
  return { token: tokenOf(url), nonce: page.nonce };
}

describe("forged and replayed links", () => {
  it("accepts none of thousands of forged, expired and replayed links, GET or POST, and answers each with its refusal page", async () => {
    const total = scaled({ full: 10_000, ci: 2_000 });
    const seed = chooseSeed();
    const random = createSeededRandom(seed);

    // 1. Approvals whose real links are the raw material; they must stay PENDING.
    const pending = await Promise.all(
      Array.from({ length: PENDING_APPROVALS }, () => requestAliceAndBob()),
    );
    const sources = await Promise.all(pending.flatMap((p) => p.links.map(withNonce)));

    // 2. One approval alice approves legitimately: its links and used nonces are then replayed.
    const decided = await requestAliceAndBob();
    const decidedLinks = await Promise.all(decided.links.map(withNonce));
    const [aliceApprove] = decidedLinks;
    const recorded = await signoff.submit(
      `${signoff.apiUrl}/a/${aliceApprove!.token}`,
      aliceApprove!.nonce,
      "approve",
    );
    expect(recorded.status).toBe(200);
    expect((await signoff.waitForExecution(decided.executionArn)).status).toBe("SUCCEEDED");
    await signoff.waitForCallbackRecorded(decided.approvalId);

    // 3. The forgeries: an equal share of each kind, replays included.
    const forger = createLinkForger({ sources, keys: signoff.keys.link, random });
    const perKind = Math.ceil(total / (FORGERY_KINDS.length + 1));
    const forged: ForgedLink[] = [];
    for (const kind of FORGERY_KINDS) {
      for (let i = 0; i < perKind; i++) forged.push(await forger.forge(kind));
    }
    for (let i = 0; i < perKind; i++) {
      const link = random.pick(decidedLinks);
      forged.push({
        kind: "replayed",
        token: link.token,
        nonce: link.nonce,
        decision: random.pick(["approve", "reject"] as const),
        expect: "already-decided",
      });
    }

    // 4. Each one opened and submitted, the way a person (or a forger) would.
    const tally = createRefusalTally();
    const client = createPageClient(() => {});
    await runPool(forged, CONCURRENCY, async (link, index) => {
      const url = `${signoff.apiUrl}/a/${link.token}`;
      const label = `#${index} (seed ${seed})`;
      const pages: PageResponse[] = [
        await client.openPage(url),
        await client.submit(url, link.nonce, link.decision, "forged"),
      ];
      for (const page of pages) tally.count(link.kind, label, page, EXPECTED[link.expect]);
    });

    // 5. Afterwards: nothing decided but the legitimate decision, and one callback for it.
    await sleep(QUIET_MS);
    let decisionsOnPending = 0;
    let callbacksOnPending = 0;
    for (const { executionArn, approvalId } of pending) {
      const approval = await signoff.approval(approvalId);
      decisionsOnPending += Object.keys(approval?.decisions ?? {}).length;
      if (approval?.status !== "PENDING") decisionsOnPending++;
      callbacksOnPending += (await signoff.taskCallbacks(executionArn)).length;
      const events = await signoff.runtime().deps.store.listEvents(approvalId);
      decisionsOnPending += events.filter(
        (e) => e.type === "decided" || e.type === "settled",
      ).length;
    }
    const decidedApproval = await signoff.approval(decided.approvalId);
    const replayCallbacks = await signoff.taskCallbacks(decided.executionArn);

    for (const [kind, counts] of tally.kinds) {
      recordFigure({
        suite: SUITE,
        measure: `${kind}: requests (GET+POST) / accepted / 5xx`,
        value: `${counts.requests} / ${counts.accepted} / ${counts.serverErrors}`,
        target: "accepted 0, 5xx 0",
      });
    }
    const sum = tally.total();
    recordFigure({ suite: SUITE, measure: "forged links", value: forged.length, unit: "links" });
    recordFigure({ suite: SUITE, measure: "requests made", value: sum.requests, unit: "requests" });
    recordFigure({ suite: SUITE, measure: "requests accepted", value: sum.accepted, target: "0" });
    recordFigure({ suite: SUITE, measure: "5xx responses", value: sum.serverErrors, target: "0" });
    recordFigure({
      suite: SUITE,
      measure: "refused with another page than expected",
      value: sum.unexpected,
      target: "0",
    });
    recordFigure({
      suite: SUITE,
      measure: "decisions or callbacks on the forged-at approvals",
      value: decisionsOnPending + callbacksOnPending,
      target: "0",
    });

    expect(tally.problems, `seed ${seed}`).toEqual([]);
    expect(sum).toEqual({
      requests: 2 * forged.length,
      accepted: 0,
      serverErrors: 0,
      unexpected: 0,
    });
    expect(decisionsOnPending).toBe(0);
    expect(callbacksOnPending).toBe(0);
    for (const { executionArn } of pending) {
      expect(await signoff.statusOf(executionArn)).toBe("RUNNING");
    }
    expect(Object.keys(decidedApproval?.decisions ?? {})).toEqual(["alice@example.com"]);
    expect(decidedApproval).toMatchObject({ status: "APPROVED", callback: "DELIVERED" });
    expect(replayCallbacks).toEqual(["TaskSucceeded"]);
  });
});

/**
 * Forged Slack requests at volume: `POST /slack/interactions` bodies that would decide a real
 * approval for a real approver (button presses, and submissions of the form modal), sent unsigned, signed with guessed secrets, stale, from the
 * future, tampered with after signing, with mangled signatures and headers. Every one must be
 * answered 401 (never a 5xx) before signoff so much as looks the clicker up in Slack; afterwards
 * the approvals are untouched. Genuine presses replayed inside Slack's window decide nothing
 * twice.
 */
import { randomUUID } from "node:crypto";
import { SLACK_MODAL_CALLBACK, SlackActionId, signSlackRequest } from "@signoff/functions";
import { describe, expect, it } from "vitest";
import { sleep } from "../support/poll.ts";
import { useSignoffStack } from "../support/signoff-stack.ts";
import { approvalWorkflow } from "../support/workflows.ts";
import { recordFigure, scaled } from "./support/figures.ts";
import { runPool } from "./support/run-pool.ts";
import { chooseSeed, createSeededRandom, type SeededRandom } from "./support/seeded-random.ts";

const SUITE = "forged Slack requests";
const CHANNEL = "C0APPROVALS";
const APPROVERS = ["alice@example.com", "bob@example.com"];
const TARGETS = 3;
const CONCURRENCY = 8;

const FORGERY_KINDS = [
  "unsigned",
  "timestamp only",
  "signature only",
  "guessed secret",
  "empty secret",
  "stale",
  "future",
  "body tampered",
  "signature of another body",
  "signature bit flipped",
  "signature truncated",
  "wrong version",
  "timestamp not a number",
  "timestamp changed",
] as const;
type ForgeryKind = (typeof FORGERY_KINDS)[number];

const signoff = useSignoffStack({ slack: true });

interface Target {
  executionArn: string;
  approvalId: string;
  ts: string;
}

/**
 * A body exactly like a real press of `decision` on `target` by `userId`, or (`modal`) like the
 * submission of the form modal such a press opens, which decides as surely.
 */
function pressBody(
  target: Target,
  userId: string,
  decision: "approve" | "reject",
  modal = false,
): string {
  if (modal) {
    const submission = {
      type: "view_submission",
      user: { id: userId },
      view: {
        id: "V0FORGED00",
        type: "modal",
        callback_id: SLACK_MODAL_CALLBACK,
        private_metadata: JSON.stringify({
          a: target.approvalId,
          d: decision,
          c: CHANNEL,
          t: target.ts,
        }),
        state: { values: {} },
      },
    };
    return new URLSearchParams({ payload: JSON.stringify(submission) }).toString();
  }
  const payload = {
    type: "block_actions",
    user: { id: userId },
    channel: { id: CHANNEL },
    container: { type: "message", channel_id: CHANNEL, message_ts: target.ts },
    actions: [
      {
        action_id: decision === "approve" ? SlackActionId.approve : SlackActionId.reject,
        value: JSON.stringify({ approvalId: target.approvalId, decision }),
        type: "button",
      },
    ],
  };
  return new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
}

interface Forged {
  kind: ForgeryKind;
  headers: Record<string, string>;
  body: string;
}

function forge(
  kind: ForgeryKind,
  body: string,
  secret: string,
  random: SeededRandom,
  nowSeconds: number,
): Forged {
  const now = String(nowSeconds);
  const signed = (ts: string, text = body, key = secret) => ({
    "x-slack-request-timestamp": ts,
    "x-slack-signature": signSlackRequest(key, ts, text),
  });
  switch (kind) {
    case "unsigned":
      return { kind, headers: {}, body };
    case "timestamp only":
      return { kind, headers: { "x-slack-request-timestamp": now }, body };
    case "signature only":
      return {
        kind,
        headers: { "x-slack-signature": signed(now)["x-slack-signature"] },
        body,
      };
    case "guessed secret":
      return { kind, headers: signed(now, body, randomUUID().replace(/-/g, "")), body };
    case "empty secret":
      return { kind, headers: signed(now, body, ""), body };
    case "stale":
      return { kind, headers: signed(String(nowSeconds - random.int(301, 86_400))), body };
    case "future":
      return { kind, headers: signed(String(nowSeconds + random.int(301, 86_400))), body };
    case "body tampered": {
      const at = random.int(0, body.length - 1);
      const swapped = body[at] === "a" ? "b" : "a";
      return { kind, headers: signed(now), body: body.slice(0, at) + swapped + body.slice(at + 1) };
    }
    case "signature of another body":
      // Signed for a body that differs from the one sent (the other decision, or more fields).
      return { kind, headers: signed(now, swapDecision(body)), body };
    case "signature bit flipped": {
      const headers = signed(now);
      const signature = headers["x-slack-signature"];
      const at = random.int(3, signature.length - 1);
      const flipped = signature[at] === "0" ? "1" : "0";
      headers["x-slack-signature"] = signature.slice(0, at) + flipped + signature.slice(at + 1);
      return { kind, headers, body };
    }
    case "signature truncated": {
      const headers = signed(now);
      headers["x-slack-signature"] = headers["x-slack-signature"].slice(0, random.int(0, 66));
      return { kind, headers, body };
    }
    case "wrong version": {
      const headers = signed(now);
      headers["x-slack-signature"] = headers["x-slack-signature"].replace(
        "v0=",
        random.pick(["v1=", "V0=", "v0:", ""]),
      );
      return { kind, headers, body };
    }
    case "timestamp not a number":
      return {
        kind,
        headers: signed(random.pick([`${now}.0`, ` ${now}`, "0x1", "NaN", "-1"])),
        body,
      };
    case "timestamp changed": {
      const headers = signed(now);
      headers["x-slack-request-timestamp"] = String(nowSeconds + random.pick([-2, -1, 1, 2]));
      return { kind, headers, body };
    }
  }
}

/** The same press with the other decision: a different body, whichever it was. */
function swapDecision(body: string): string {
  const swapped = body.includes("approve")
    ? body.replaceAll("approve", "reject")
    : body.replaceAll("reject", "approve");
  if (swapped === body) throw new Error("a press body names its decision");
  return swapped;
}

async function post(headers: Record<string, string>, body: string): Promise<number> {
  const response = await fetch(`${signoff.apiUrl}/slack/interactions`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", ...headers },
    body,
  });
  await response.arrayBuffer();
  return response.status;
}

describe("forged Slack requests", () => {
  it("answers every forged, stale or tampered request 401, looks nobody up, and decides nothing; genuine replays decide nothing twice", async () => {
    const total = scaled({ full: 5_000, ci: 700 });
    const seed = chooseSeed();
    const random = createSeededRandom(seed);
    const slack = signoff.slack();
    const machine = await signoff.createStateMachine(
      `forged-slack-${randomUUID().slice(0, 8)}`,
      approvalWorkflow({ fields: ["slack"], catchErrors: false }),
    );

    // 1. Approvals posted to the channel: the forgeries aim at them, and they must stay PENDING.
    const request = async (): Promise<Target> => {
      const subject = `Forged Slack target ${randomUUID().slice(0, 8)}`;
      const executionArn = await signoff.startExecution(machine, {
        approvers: APPROVERS,
        subject,
        timeoutSeconds: 3600,
        slack: { channel: CHANNEL },
      });
      const approvalId = await signoff.approvalIdFor(subject);
      const approval = await signoff.approval(approvalId);
      const ts = approval?.slackMessages?.[0]?.ts;
      if (ts === undefined) throw new Error(`approval ${approvalId} was not posted to Slack`);
      return { executionArn, approvalId, ts };
    };
    const targets = await Promise.all(Array.from({ length: TARGETS }, request));
    const aliceId = slack.userByEmail(APPROVERS[0]!)!.id;
    const bobId = slack.userByEmail(APPROVERS[1]!)!.id;
    const callsBefore = slack.calls().length;

    // 2. The forgeries: an equal share of each kind, each aimed at a real approver's real press.
    const perKind = Math.ceil(total / FORGERY_KINDS.length);
    const forged: Forged[] = [];
    const nowSeconds = Math.floor(Date.now() / 1000);
    for (const kind of FORGERY_KINDS) {
      for (let i = 0; i < perKind; i++) {
        const target = random.pick(targets);
        const body = pressBody(
          target,
          random.pick([aliceId, bobId]),
          random.pick(["approve", "reject"] as const),
          random.int(0, 3) === 0,
        );
        forged.push(forge(kind, body, slack.signingSecret, random, nowSeconds));
      }
    }
    const byKind = new Map<ForgeryKind, { sent: number; accepted: number; serverErrors: number }>();
    const unexpected: string[] = [];
    await runPool(forged, CONCURRENCY, async (forgery, index) => {
      const status = await post(forgery.headers, forgery.body);
      const counts = byKind.get(forgery.kind) ?? { sent: 0, accepted: 0, serverErrors: 0 };
      counts.sent++;
      if (status < 400) counts.accepted++;
      if (status >= 500) counts.serverErrors++;
      byKind.set(forgery.kind, counts);
      if (status !== 401) unexpected.push(`#${index} ${forgery.kind}: ${status} (seed ${seed})`);
    });

    // 3. Nothing happened: no Slack lookups or replies, no decisions, no callbacks.
    expect(unexpected).toEqual([]);
    const slackCallsDuringForgeries = slack.calls().slice(callsBefore);
    for (const target of targets) {
      const approval = await signoff.approval(target.approvalId);
      expect(approval).toMatchObject({ status: "PENDING", decisions: {}, version: 0 });
      expect(await signoff.statusOf(target.executionArn)).toBe("RUNNING");
      const events = await signoff.runtime().deps.store.listEvents(target.approvalId);
      expect(events.filter((e) => e.type === "decided")).toEqual([]);
    }

    // 4. A genuine press, then the very same signed request replayed inside the window.
    const [decided] = targets;
    const genuine = pressBody(decided!, aliceId, "approve");
    const ts = String(Math.floor(Date.now() / 1000));
    const headers = {
      "x-slack-request-timestamp": ts,
      "x-slack-signature": signSlackRequest(slack.signingSecret, ts, genuine),
    };
    expect(await post(headers, genuine)).toBe(200);
    const replays = scaled({ full: 50, ci: 10 });
    const replayStatuses = await Promise.all(
      Array.from({ length: replays }, () => post(headers, genuine)),
    );
    expect(await signoff.waitForExecution(decided!.executionArn)).toMatchObject({
      status: "SUCCEEDED",
    });
    await sleep(300);
    const afterReplays = await signoff.approval(decided!.approvalId);
    const callbacks = await signoff.taskCallbacks(decided!.executionArn);

    for (const [kind, counts] of byKind) {
      recordFigure({
        suite: SUITE,
        measure: `${kind}: sent / accepted / 5xx`,
        value: `${counts.sent} / ${counts.accepted} / ${counts.serverErrors}`,
        target: "accepted 0, 5xx 0",
      });
    }
    recordFigure({ suite: SUITE, measure: "forged requests", value: forged.length });
    recordFigure({
      suite: SUITE,
      measure: "Slack API calls caused by forgeries",
      value: slackCallsDuringForgeries.length,
      target: "0",
    });
    recordFigure({
      suite: SUITE,
      measure: "genuine press replayed: decisions / callbacks",
      value: `${Object.keys(afterReplays?.decisions ?? {}).length} / ${callbacks.length}`,
      target: "1 / 1",
    });

    expect(unexpected).toEqual([]);
    expect(slackCallsDuringForgeries).toEqual([]);
    expect(replayStatuses.every((status) => status === 200)).toBe(true);
    expect(Object.keys(afterReplays?.decisions ?? {})).toEqual([APPROVERS[0]]);
    expect(afterReplays?.decisions[APPROVERS[0]!]?.channel).toBe("slack");
    expect(callbacks).toEqual(["TaskSucceeded"]);
    for (const target of targets.slice(1)) {
      expect(await signoff.statusOf(target.executionArn)).toBe("RUNNING");
    }
  });
});

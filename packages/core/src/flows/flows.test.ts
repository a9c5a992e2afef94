import { randomBytes } from "node:crypto";
import { beforeEach, describe, expect, it } from "vitest";
import type { Approval, AuditEvent } from "../approval.ts";
import { chainAuditEvent } from "../audit.ts";
import { EmailDeliveryError } from "../errors.ts";
import { createLinkSigner } from "../links.ts";
import type {
  ApprovalEmail,
  ApprovalStore,
  TaskCallback,
  TaskCallbackFailureReason,
  TaskCallbackResult,
} from "../ports.ts";
import type { NewApprovalInput } from "../request.ts";
import { createTokenCipher } from "../token-cipher.ts";
import { decide } from "./decide.ts";
import { decideByLink } from "./decide-by-link.ts";
import { deliverCallback } from "./deliver-callback.ts";
import type { FlowDeps } from "./flow-deps.ts";
import { requestApproval } from "./request-approval.ts";
import { sweepDue } from "./sweep-due.ts";
import { viewApproval } from "./view-approval.ts";

// Flows are tested end to end against the emulators in packages/functions; this in-memory store
// only follows the port's contract closely enough to drive the flows' own branches.
function createMemoryStore(): ApprovalStore & { approvals: Map<string, Approval> } {
  const approvals = new Map<string, Approval>();
  const events = new Map<string, AuditEvent[]>();
  const copy = <T>(value: T): T => structuredClone(value);
  const update = (id: string, when: (a: Approval) => boolean, change: (a: Approval) => void) => {
    const stored = approvals.get(id);
    if (!stored || !when(stored)) return undefined;
    change(stored);
    return copy(stored);
  };
  return {
    approvals,
    async create(approval) {
      const stored = approvals.get(approval.id);
      if (stored) return { ok: false, reason: "exists", approval: copy(stored) };
      approvals.set(approval.id, copy(approval));
      return { ok: true, approval: copy(approval) };
    },
    async get(id) {
      const stored = approvals.get(id);
      return stored && copy(stored);
    },
    async recordDecision(id, decision) {
      const stored = approvals.get(id);
      if (!stored) return { ok: false, reason: "not-found" };
      if (stored.decisions[decision.approver]) {
        return { ok: false, reason: "already-decided", approval: copy(stored) };
      }
      if (stored.status !== "PENDING")
        return { ok: false, reason: "not-pending", approval: copy(stored) };
      stored.decisions[decision.approver] = copy(decision);
      return { ok: true, approval: copy(stored) };
    },
    async settle(id, { outcome, callback, dueAt }) {
      const stored = approvals.get(id);
      if (!stored) return { ok: false, reason: "not-found" };
      if (stored.status !== "PENDING")
        return { ok: false, reason: "not-pending", approval: copy(stored) };
      Object.assign(stored, { status: outcome.status, outcome, callback, dueAt });
      return { ok: true, approval: copy(stored) };
    },
    async claimCallback(id, attempt, retryAt) {
      return update(
        id,
        (a) => a.callback === "PENDING" && a.callbackAttempts === attempt - 1,
        (a) => Object.assign(a, { callbackAttempts: attempt, dueAt: retryAt }),
      );
    },
    async failCallback(id, attempt, error) {
      const done = update(
        id,
        (a) => a.callback === "PENDING" && a.callbackAttempts === attempt,
        (a) => Object.assign(a, { callbackError: error }),
      );
      return done !== undefined;
    },
    async finishCallback(id, attempt, finish) {
      const done = update(
        id,
        (a) => a.callback === "PENDING" && a.callbackAttempts === attempt,
        (a) => {
          a.callback = finish.callback;
          a.dueAt = undefined;
          if (finish.outcome)
            Object.assign(a, { outcome: finish.outcome, status: finish.outcome.status });
          if (finish.error !== undefined) a.callbackError = finish.error;
        },
      );
      return done !== undefined;
    },
    async appendEvent(approvalId, input) {
      const trail = events.get(approvalId) ?? [];
      const event = chainAuditEvent(trail.at(-1), approvalId, copy(input));
      events.set(approvalId, [...trail, event]);
      return event;
    },
    async listEvents(approvalId) {
      return copy(events.get(approvalId) ?? []);
    },
    async listDue(now, limit, cursor) {
      const due = [...approvals.values()]
        .filter((a) => a.dueAt !== undefined && a.dueAt <= now)
        .sort((a, b) => a.dueAt! - b.dueAt!);
      const start = Number(cursor ?? 0);
      const page = due.slice(start, start + limit);
      const next = start + limit < due.length ? String(start + limit) : undefined;
      return { approvals: copy(page), read: page.length, ...(next ? { cursor: next } : {}) };
    },
  };
}

interface SentCallback {
  token: string;
  kind: "success" | "failure";
  output?: string;
  error?: string;
  cause?: string;
}

function createScriptedCallback() {
  const sent: SentCallback[] = [];
  const script: Array<TaskCallbackFailureReason | "ok" | "throw"> = [];
  const answer = (): TaskCallbackResult => {
    const next = script.shift() ?? "ok";
    if (next === "throw") throw new Error("socket hang up");
    return next === "ok"
      ? { ok: true }
      : { ok: false, reason: next, message: `${next} (scripted)` };
  };
  const callback: TaskCallback = {
    async sendSuccess(token, output) {
      sent.push({ token, kind: "success", output });
      return answer();
    },
    async sendFailure(token, error, cause) {
      sent.push({ token, kind: "failure", error, cause });
      return answer();
    },
    async sendHeartbeat() {
      return { ok: true };
    },
  };
  return { callback, sent, script };
}

const TOKEN = `AQCEAAAAKgAAAAMAAAAAAAAAAT${"t0k3n".repeat(60)}`;
const start = Date.parse("2026-03-01T12:00:00.000Z");

let time: number;
let store: ReturnType<typeof createMemoryStore>;
let emails: ApprovalEmail[];
let failMailTo: Set<string>;
let calls: ReturnType<typeof createScriptedCallback>;
let logs: unknown[];
let deps: FlowDeps;

beforeEach(() => {
  time = start;
  store = createMemoryStore();
  emails = [];
  failMailTo = new Set();
  calls = createScriptedCallback();
  logs = [];
  deps = {
    store,
    mailer: {
      async sendApprovalEmail(email) {
        if (failMailTo.has(email.to)) throw new Error("SES throttled");
        emails.push(email);
      },
    },
    callback: calls.callback,
    links: createLinkSigner({ keys: [{ kid: "l1", secret: randomBytes(32) }] }),
    cipher: createTokenCipher({ keys: [{ kid: "e1", secret: randomBytes(32) }] }),
    publicBaseUrl: "https://approve.example.com/",
    clock: () => new Date(time),
    log: (level, message, fields) => logs.push({ level, message, fields }),
  };
});

function request(overrides: Partial<NewApprovalInput> = {}): NewApprovalInput {
  return {
    taskToken: TOKEN,
    approvers: ["ann@x.io", "bob@x.io", "cat@x.io"],
    subject: "Deploy",
    timeoutSeconds: 3600,
    context: {},
    ...overrides,
  };
}

async function requested(overrides: Partial<NewApprovalInput> = {}): Promise<string> {
  const result = await requestApproval(deps, request(overrides));
  if (!result.ok) throw new Error(result.message);
  return result.approvalId;
}

function linkFor(to: string, action: "approve" | "reject" = "approve"): string {
  const email = emails.find((e) => e.to === to);
  if (!email) throw new Error(`no email to ${to}`);
  const url = action === "approve" ? email.approveUrl : email.rejectUrl;
  return url.slice("https://approve.example.com/a/".length);
}

async function confirmPage(to: string, action: "approve" | "reject") {
  const linkToken = linkFor(to, action);
  const page = await viewApproval(deps, linkToken, { recordView: true });
  if (page.kind !== "confirm") throw new Error(`expected a confirm page, got ${page.kind}`);
  return { linkToken, formNonce: page.formNonce };
}

async function decideViaPage(to: string, decision: "approve" | "reject", comment?: string) {
  const form = await confirmPage(to, decision);
  return decideByLink(
    deps,
    comment === undefined ? { ...form, decision } : { ...form, decision, comment },
  );
}

describe("requestApproval", () => {
  it("stores the approval and emails every approver an approve and a reject link", async () => {
    const result = await requestApproval(deps, request());
    expect(result).toMatchObject({ ok: true, created: true });
    expect(emails.map((e) => e.to)).toEqual(["ann@x.io", "bob@x.io", "cat@x.io"]);
    const first = emails[0]!;
    expect(first.approveUrl).toMatch(
      /^https:\/\/approve\.example\.com\/a\/[\w-]+\.[\w-]+\.[\w-]+$/,
    );
    expect("tokenCiphertext" in first.approval).toBe(false);
    const events = await store.listEvents(first.approval.id);
    expect(events.map((e) => e.type)).toEqual(["requested", "emailed", "emailed", "emailed"]);
  });

  it("sends nothing when invoked again with the same token", async () => {
    await requested();
    const again = await requestApproval(deps, request());
    expect(again).toMatchObject({ ok: true, created: false, emailed: [] });
    expect(emails).toHaveLength(3);
  });

  it("emails everyone it can, throws for the rest, and a retry emails only those", async () => {
    failMailTo.add("bob@x.io");
    await expect(requestApproval(deps, request())).rejects.toThrow(EmailDeliveryError);
    expect(emails.map((e) => e.to)).toEqual(["ann@x.io", "cat@x.io"]);
    failMailTo.clear();
    const retry = await requestApproval(deps, request());
    expect(retry).toMatchObject({ ok: true, created: false, emailed: ["bob@x.io"] });
    expect(emails.map((e) => e.to)).toEqual(["ann@x.io", "cat@x.io", "bob@x.io"]);
  });

  it("returns an invalid request as a value naming the field", async () => {
    const result = await requestApproval(deps, request({ policy: { required: 4 } }));
    expect(result).toMatchObject({
      ok: false,
      reason: "invalid-request",
      field: "policy.required",
    });
    expect(store.approvals.size).toBe(0);
  });
});

describe("viewApproval", () => {
  it("shows a confirmation page and changes nothing, however often it is opened", async () => {
    const id = await requested();
    for (let i = 0; i < 3; i++) {
      const page = await viewApproval(deps, linkFor("ann@x.io"), { recordView: i === 0 });
      expect(page).toMatchObject({ kind: "confirm", approver: "ann@x.io", action: "approve" });
    }
    const approval = await store.get(id);
    expect(approval).toMatchObject({ status: "PENDING", decisions: {} });
    const views = (await store.listEvents(id)).filter((e) => e.type === "viewed");
    expect(views).toHaveLength(1);
  });

  it("shows invalid for a tampered link and expired after the deadline", async () => {
    await requested();
    const link = linkFor("ann@x.io");
    expect(await viewApproval(deps, `${link}x`, { recordView: false })).toEqual({
      kind: "invalid",
    });
    time = start + 3600_000;
    expect(await viewApproval(deps, link, { recordView: false })).toMatchObject({
      kind: "expired",
    });
  });

  it("does not offer the requester their own approval", async () => {
    await requested({ requestedBy: "ann@x.io" });
    const page = await viewApproval(deps, linkFor("ann@x.io"), { recordView: false });
    expect(page).toMatchObject({ kind: "confirm", canApprove: false });
  });
});

describe("decide", () => {
  it("settles 1-of-1 and tells the task, exactly once", async () => {
    const id = await requested({ approvers: ["ann@x.io"] });
    const form = await confirmPage("ann@x.io", "approve");
    const result = await decideByLink(deps, { ...form, decision: "approve", comment: "lgtm" });
    expect(result).toMatchObject({
      ok: true,
      approval: { status: "APPROVED" },
      callback: { status: "delivered", attempt: 1 },
    });
    expect(calls.sent).toHaveLength(1);
    expect(calls.sent[0]).toMatchObject({ token: TOKEN, kind: "success" });
    expect(JSON.parse(calls.sent[0]!.output!)).toMatchObject({
      approvalId: id,
      outcome: "approved",
      decisions: [{ approver: "ann@x.io", decision: "approve", comment: "lgtm", channel: "link" }],
    });
    expect(store.approvals.get(id)).toMatchObject({ callback: "DELIVERED", dueAt: undefined });

    // A double-clicked or replayed POST, with the same form, shows the recorded decision.
    const replay = await decideByLink(deps, { ...form, decision: "approve" });
    expect(replay).toMatchObject({ ok: false, reason: "already-decided" });
    expect(calls.sent).toHaveLength(1);
    expect(await viewApproval(deps, form.linkToken, { recordView: false })).toMatchObject({
      kind: "decided",
      decision: { approver: "ann@x.io", decision: "approve" },
    });
  });

  it("sends Approval.Rejected on a rejection", async () => {
    await requested();
    await decideViaPage("bob@x.io", "reject", "no");
    expect(calls.sent).toEqual([
      expect.objectContaining({ kind: "failure", error: "Approval.Rejected" }),
    ]);
  });

  it("settles a 2-of-3 quorum reached by two simultaneous approvals", async () => {
    const id = await requested({ policy: { required: 2 } });
    const [a, b] = await Promise.all([
      decide(deps, { approvalId: id, approver: "ann@x.io", decision: "approve", channel: "api" }),
      decide(deps, { approvalId: id, approver: "cat@x.io", decision: "approve", channel: "api" }),
    ]);
    expect(a.ok && b.ok).toBe(true);
    expect(store.approvals.get(id)).toMatchObject({ status: "APPROVED", callback: "DELIVERED" });
    expect(calls.sent).toHaveLength(1);
  });

  it("refuses the requester's own approval and strangers", async () => {
    const id = await requested({ requestedBy: "ann@x.io" });
    const own = await decide(deps, {
      approvalId: id,
      approver: "ann@x.io",
      decision: "approve",
      channel: "api",
    });
    expect(own).toMatchObject({ ok: false, reason: "self-approval" });
    const stranger = await decide(deps, {
      approvalId: id,
      approver: "eve@x.io",
      decision: "approve",
      channel: "api",
    });
    expect(stranger).toEqual({ ok: false, reason: "not-an-approver" });
  });

  it("refuses a form nonce from another link", async () => {
    await requested();
    const page = await viewApproval(deps, linkFor("bob@x.io"), { recordView: false });
    if (page.kind !== "confirm") throw new Error(page.kind);
    const result = await decideByLink(deps, {
      linkToken: linkFor("ann@x.io"),
      formNonce: page.formNonce,
      decision: "approve",
    });
    expect(result).toEqual({ ok: false, reason: "invalid-form" });
  });
});

describe("deliverCallback", () => {
  it("retries a failed callback with backoff through the sweeper", async () => {
    const id = await requested({ approvers: ["ann@x.io"] });
    calls.script.push("retryable");
    const result = await decideViaPage("ann@x.io", "approve");
    expect(result).toMatchObject({ ok: true, callback: { status: "retry-scheduled", attempt: 1 } });
    expect(store.approvals.get(id)).toMatchObject({ callback: "PENDING", dueAt: start + 30_000 });

    expect(await sweepDue(deps, { limit: 10 })).toMatchObject({ due: 0 });
    time = start + 30_000;
    const stats = await sweepDue(deps, { limit: 10 });
    expect(stats).toMatchObject({ due: 1, callbacksRetried: 1, callbacksDelivered: 1 });
    expect(store.approvals.get(id)).toMatchObject({ callback: "DELIVERED", callbackAttempts: 2 });
  });

  it("marks the approval EXPIRED when the task closed before the first attempt", async () => {
    const id = await requested({ approvers: ["ann@x.io"] });
    calls.script.push("task-timed-out");
    const result = await decideViaPage("ann@x.io", "approve");
    expect(result).toMatchObject({ ok: true, callback: { status: "task-closed" } });
    expect(store.approvals.get(id)).toMatchObject({
      status: "EXPIRED",
      callback: "GAVE_UP",
      outcome: { status: "EXPIRED", reason: "task-closed" },
    });
  });

  it("keeps the outcome when a retry finds the task closed (an earlier attempt likely got through)", async () => {
    const id = await requested({ approvers: ["ann@x.io"] });
    calls.script.push("throw", "task-timed-out");
    await decideViaPage("ann@x.io", "approve");
    time = start + 30_000;
    const retry = await deliverCallback(deps, id);
    expect(retry).toEqual({ status: "delivered", attempt: 2, ambiguous: true });
    expect(store.approvals.get(id)).toMatchObject({ status: "APPROVED", callback: "DELIVERED" });
    expect(store.approvals.get(id)?.callbackError).toMatch(/earlier attempt/);
  });

  it("gives up after the last attempt", async () => {
    const id = await requested({ approvers: ["ann@x.io"] });
    deps.callbackRetry = { maxAttempts: 2 };
    calls.script.push("retryable", "retryable");
    await decideViaPage("ann@x.io", "approve");
    time = start + 60_000;
    expect(await deliverCallback(deps, id)).toMatchObject({ status: "gave-up", attempt: 2 });
    expect(store.approvals.get(id)).toMatchObject({ status: "APPROVED", callback: "GAVE_UP" });
  });
});

describe("sweepDue", () => {
  it("applies the deadline and tells the task it timed out", async () => {
    const id = await requested({ timeoutSeconds: 60 });
    time = start + 60_000;
    const stats = await sweepDue(deps, { limit: 10 });
    expect(stats).toMatchObject({ due: 1, expired: 1, callbacksDelivered: 1, failed: 0 });
    expect(store.approvals.get(id)).toMatchObject({ status: "EXPIRED", callback: "DELIVERED" });
    expect(calls.sent[0]).toMatchObject({ kind: "failure", error: "Approval.TimedOut" });
  });

  it("follows onTimeout approve and settles what decisions already settled", async () => {
    const autoId = await requested({ timeoutSeconds: 60, onTimeout: "approve" });
    const decidedId = await requested({ taskToken: `${TOKEN}-2`, approvers: ["ann@x.io"] });
    // A decide that crashed between recording the decision and settling it:
    await store.recordDecision(decidedId, {
      approver: "ann@x.io",
      decision: "reject",
      at: new Date(time).toISOString(),
      channel: "link",
    });
    time = start + 3600_000;
    const stats = await sweepDue(deps, { limit: 10 });
    expect(stats).toMatchObject({ due: 2, expired: 1, settled: 1 });
    expect(store.approvals.get(autoId)).toMatchObject({
      status: "APPROVED",
      outcome: { reason: "timeout" },
    });
    expect(store.approvals.get(decidedId)).toMatchObject({
      status: "REJECTED",
      outcome: { reason: "rejected" },
    });
  });

  it("carries on past an item that fails", async () => {
    await requested({ timeoutSeconds: 60 });
    await requested({ taskToken: `${TOKEN}-2`, timeoutSeconds: 60 });
    const settle = store.settle;
    let first = true;
    store.settle = async (id, settlement) => {
      if (first) {
        first = false;
        throw new Error("DynamoDB unavailable");
      }
      return settle(id, settlement);
    };
    time = start + 60_000;
    expect(await sweepDue(deps, { limit: 10 })).toMatchObject({ due: 2, expired: 1, failed: 1 });
  });
});

describe("the task token", () => {
  it("appears in no email, event, log line or stored approval", async () => {
    failMailTo.add("cat@x.io");
    await requestApproval(deps, request()).catch(() => undefined);
    failMailTo.clear();
    const id = await requested();
    calls.script.push("throw", "retryable");
    await decideViaPage("ann@x.io", "reject", "no");
    time = start + 30_000;
    await sweepDue(deps, { limit: 10 });
    const everything = JSON.stringify([
      emails,
      await store.listEvents(id),
      logs,
      [...store.approvals.values()],
    ]);
    expect(everything).not.toContain(TOKEN);
    expect(everything).not.toContain(TOKEN.slice(0, 32));
    expect(calls.sent.every((c) => c.token === TOKEN)).toBe(true);
  });
});

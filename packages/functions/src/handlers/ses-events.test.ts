/**
 * The ses-events function over dynalite, on its store-only runtime: SES's bounce, complaint,
 * reject and delay events, shaped as AWS documents them, recorded on the approval (and shown by
 * `GET /v1/approvals/{id}`) and on its audit trail, once per event.
 */
import { randomUUID } from "node:crypto";
import { type ApprovalStore, EMAIL_PROBLEM_REPAIR_AFTER_MS, verifyAuditChain } from "@signoff/core";
import { beforeEach, describe, expect, it } from "vitest";
import { createStoreRuntime, type StoreRuntime } from "../store-runtime.ts";
import { useApiFixture } from "../test-support/api-fixture.ts";
import { randomApprovalId } from "../test-support/approval-fixture.ts";
import { sesEvent } from "../test-support/ses-events.ts";
import { withStoreHooks } from "../test-support/store-hooks.ts";
import { createSesEventsHandler } from "./ses-events.ts";

const api = useApiFixture();

let runtime: StoreRuntime;
let handle: ReturnType<typeof createSesEventsHandler>;

beforeEach(() => {
  // Its own runtime over the API fixture's table: the table, nothing else.
  runtime = createStoreRuntime(
    { tableName: api.runtime.config.tableName },
    {
      clients: { dynamo: api.emulators.dynamo.documentClient },
      clock: () => new Date(api.time),
      log: () => {},
    },
  );
  handle = createSesEventsHandler(runtime);
});

async function problemEvents(approvalId: string) {
  const events = await runtime.deps.store.listEvents(approvalId);
  expect(verifyAuditChain(events)).toMatchObject({ ok: true });
  return events.filter((event) => event.type === "email-problem");
}

describe("the ses-events handler", () => {
  it("records a bounce on the approval and its trail, once however often EventBridge delivers it", async () => {
    const { approvalId } = await api.requestApproval({ approvers: ["ann@example.com"] });
    const event = sesEvent("bounce", { approvalId, to: "ann@example.com" });

    expect(await handle(event)).toMatchObject({ approvalId, kind: "bounce", status: "recorded" });
    const problem = {
      approver: "ann@example.com",
      kind: "bounce",
      bounceType: "Permanent",
      bounceSubType: "General",
      email: "request",
      at: "2026-03-01T12:05:00.000Z",
      recordedAt: new Date(api.time).toISOString(),
      eventId: event.id,
    };
    expect((await runtime.deps.store.get(approvalId))?.emailProblems).toEqual([problem]);
    const trail = await problemEvents(approvalId);
    expect(trail).toEqual([
      expect.objectContaining({
        actor: "signoff",
        at: problem.recordedAt,
        data: {
          approver: "ann@example.com",
          kind: "bounce",
          bounceType: "Permanent",
          bounceSubType: "General",
          email: "request",
          at: problem.at,
          eventId: event.id,
        },
      }),
    ]);

    // EventBridge delivers at least once: the same event again changes nothing.
    expect(await handle(event)).toMatchObject({ status: "duplicate" });
    expect((await runtime.deps.store.get(approvalId))?.emailProblems).toHaveLength(1);
    expect(await problemEvents(approvalId)).toHaveLength(1);
  });

  it("shows a request whose only approver's mail bounced on GET /v1/approvals/{id}", async () => {
    const { approvalId } = await api.requestApproval({ approvers: ["ann@example.com"] });
    await handle(sesEvent("bounce", { approvalId, to: "Ann@Example.com" }));

    const response = await api.call(`/v1/approvals/${approvalId}`, { email: "ann@example.com" });
    expect(response.status).toBe(200);
    const approval = (await response.json()) as Record<string, unknown>;
    expect(approval).toMatchObject({
      status: "PENDING",
      emailProblems: [{ approver: "ann@example.com", kind: "bounce", bounceType: "Permanent" }],
    });
  });

  it("records complaints, rejections and delays with what SES says of each, never the message", async () => {
    const { approvalId } = await api.requestApproval();
    const subject = `Secret project ${randomUUID()}`;
    const events = [
      sesEvent("complaint", { approvalId, to: "bob@example.com", subject }),
      sesEvent("reject", { approvalId, to: "ann@example.com", subject, email: "reminder" }),
      sesEvent("delay", { approvalId, to: "bob@example.com", subject, email: "reminder" }),
    ];
    for (const event of events) expect(await handle(event)).toMatchObject({ status: "recorded" });

    const stored = (await runtime.deps.store.get(approvalId))?.emailProblems;
    expect(stored).toEqual([
      expect.objectContaining({
        approver: "bob@example.com",
        kind: "complaint",
        complaintType: "abuse",
      }),
      expect.objectContaining({ approver: "ann@example.com", kind: "reject", email: "reminder" }),
      expect.objectContaining({
        approver: "bob@example.com",
        kind: "delay",
        delayType: "MailboxFull",
      }),
    ]);
    // The reject event has no time of its own: the mail's.
    expect(stored?.[1]?.at).toBe("2026-03-01T12:04:00.000Z");
    const everything = JSON.stringify([stored, await runtime.deps.store.listEvents(approvalId)]);
    for (const raw of [subject, "diagnosticCode", "smtp;", "192.0.2.0", "Bad content", "headers"]) {
      expect(everything).not.toContain(raw);
    }
  });

  it("ignores other detail-types, mail that is not an approval's, and approvals it does not know", async () => {
    const bounce = sesEvent("bounce", { to: "ann@example.com" });
    expect(await handle(bounce)).toEqual({ ignored: true, reason: "not-ours" });
    const delivered = {
      ...sesEvent("bounce", { approvalId: randomApprovalId(), to: "ann@example.com" }),
      "detail-type": "Email Delivered",
    };
    expect(await handle(delivered as never)).toEqual({ ignored: true, reason: "not-a-problem" });
    const unknown = sesEvent("bounce", { approvalId: randomApprovalId(), to: "ann@example.com" });
    expect(await handle(unknown)).toMatchObject({ status: "not-found" });
  });

  it("finishes the trail when an earlier delivery stopped between its two writes", async () => {
    const { approvalId } = await api.requestApproval({ approvers: ["ann@example.com"] });
    const event = sesEvent("bounce", { approvalId, to: "ann@example.com" });

    // 1. The first delivery stores the problem, then cannot append to the trail, and fails.
    const failing = { ...runtime, deps: { ...runtime.deps, store: failAppends(runtime) } };
    await expect(createSesEventsHandler(failing)(event)).rejects.toThrow(/DynamoDB unavailable/);
    expect((await runtime.deps.store.get(approvalId))?.emailProblems).toHaveLength(1);
    expect(await problemEvents(approvalId)).toEqual([]);

    // 2. Another delivery moments later leaves it to the first (it may still be writing).
    api.time += 10_000;
    expect(await handle(event)).toMatchObject({ status: "in-progress" });
    expect(await problemEvents(approvalId)).toEqual([]);

    // 3. Lambda's retry of the failed delivery, a minute later, appends it, once.
    api.time += EMAIL_PROBLEM_REPAIR_AFTER_MS;
    expect(await handle(event)).toMatchObject({ status: "repaired" });
    expect(await handle(event)).toMatchObject({ status: "duplicate" });
    expect(await problemEvents(approvalId)).toEqual([
      expect.objectContaining({ data: expect.objectContaining({ eventId: event.id }) }),
    ]);
  });
});

/** The real store, except that appending to the audit trail fails as if DynamoDB were down. */
function failAppends(on: StoreRuntime): ApprovalStore {
  return withStoreHooks(on.deps.store, {
    before(method) {
      if (method === "appendEvent") throw new Error("DynamoDB unavailable (injected)");
    },
  });
}

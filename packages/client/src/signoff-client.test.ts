import { randomUUID } from "node:crypto";
import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import { createApp, createRequestApprovalHandler, type Runtime } from "@signoff/functions";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
// The functions package's own fixtures: the emulators, a runtime over them, a test OIDC issuer.
import { type OidcIssuer, startOidcIssuer } from "../../functions/src/test-support/oidc-issuer.ts";
import { createTestRuntime } from "../../functions/src/test-support/runtime-fixture.ts";
import { useEmulators } from "../../functions/src/test-support/use-emulators.ts";
import { SignoffApiError } from "./signoff-api-error.ts";
import { createSignoffClient, type SignoffClient } from "./signoff-client.ts";

const emulators = useEmulators();

let issuer: OidcIssuer;
let runtime: Runtime;
/** The app behind a real HTTP server on loopback, as the client meets it in production. */
let server: ReturnType<typeof serve>;
let baseUrl: string;

beforeAll(async () => {
  issuer = await startOidcIssuer();
  runtime = createTestRuntime({
    dynamo: emulators.dynamo,
    ses: emulators.ses,
    tableName: await emulators.dynamo.createTable(),
    sfnEndpoint: emulators.sfn.endpoint,
  });
  const app = createApp(runtime.deps, { apiAuth: issuer.auth });
  server = await new Promise<ReturnType<typeof serve>>((resolve) => {
    const listening = serve({ fetch: app.fetch, hostname: "127.0.0.1", port: 0 }, () =>
      resolve(listening),
    );
  });
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
});

afterAll(async () => {
  await new Promise((resolve) => server?.close(resolve));
  await issuer?.stop();
});

/** A client calling as `email`, with a fresh token from the test issuer. */
async function clientFor(email: string): Promise<SignoffClient> {
  return createSignoffClient({ baseUrl, token: await issuer.token(email) });
}

/** Requests an approval through the real request handler, with a real execution waiting on it. */
async function requestApproval(fields: Record<string, unknown> = {}) {
  const task = await emulators.sfn.startWaitingTask();
  const { approvalId } = await createRequestApprovalHandler(runtime)({
    taskToken: task.token,
    approvers: ["ann@example.com", "bob@example.com"],
    subject: `Deploy ${randomUUID()}`,
    executionArn: task.executionArn,
    ...fields,
  });
  return { approvalId, executionArn: task.executionArn };
}

/** The error `promise` rejects with; fails the test when it resolves or throws something else. */
async function apiErrorOf(promise: Promise<unknown>): Promise<SignoffApiError> {
  const error = await promise.then(
    () => expect.fail("expected the call to throw a SignoffApiError"),
    (rejection: unknown) => rejection,
  );
  expect(error).toBeInstanceOf(SignoffApiError);
  return error as SignoffApiError;
}

describe("createSignoffClient", () => {
  let ann: SignoffClient;
  beforeEach(async () => {
    ann = await clientFor("ann@example.com");
  });

  it("reads an approval an approver may see", async () => {
    const { approvalId } = await requestApproval({ policy: { required: 2 } });
    const approval = await ann.getApproval(approvalId);
    expect(approval).toMatchObject({
      id: approvalId,
      status: "PENDING",
      approvers: ["ann@example.com", "bob@example.com"],
      policy: { required: 2 },
    });
  });

  it("approves with a comment, and the waiting execution succeeds", async () => {
    const { approvalId, executionArn } = await requestApproval();
    const created = await ann.decide(approvalId, { decision: "approve", comment: "Ship it" });
    expect(created.decision).toMatchObject({
      approver: "ann@example.com",
      decision: "approve",
      comment: "Ship it",
      channel: "api",
    });
    expect(created.approval.status).toBe("APPROVED");
    const execution = await emulators.sfn.waitForEnd(executionArn);
    expect(execution.status).toBe("SUCCEEDED");
  });

  it("sends the Idempotency-Key header, so a retried decision gets the recorded one back", async () => {
    const { approvalId } = await requestApproval({ policy: { required: 2 } });
    const seen: (string | null)[] = [];
    const recording = createSignoffClient({
      baseUrl,
      token: await issuer.token("bob@example.com"),
      fetch: (request) => {
        seen.push(request.headers.get("Idempotency-Key"));
        return fetch(request);
      },
    });
    const first = await recording.decide(
      approvalId,
      { decision: "approve" },
      { idempotencyKey: "deploy-42" },
    );
    // The same key again is a retry: the recorded decision comes back instead of a 409.
    const retried = await recording.decide(
      approvalId,
      { decision: "approve" },
      { idempotencyKey: "deploy-42" },
    );
    expect(seen).toEqual(["deploy-42", "deploy-42"]);
    expect(retried.decision).toEqual(first.decision);
  });

  it("returns the audit trail with its verification", async () => {
    const { approvalId } = await requestApproval();
    await ann.decide(approvalId, { decision: "reject", comment: "Not today" });
    const trail = await ann.events(approvalId);
    expect(trail.events.map((event) => event.type)).toContain("decided");
    expect(trail.verification).toEqual({ ok: true, count: trail.events.length });
  });

  it("lists the caller's approvals newest first, filtered by status and tag", async () => {
    const tag = `release-${randomUUID().slice(0, 8)}`;
    const first = await requestApproval({ tags: [tag] });
    const second = await requestApproval({ tags: [tag] });
    await requestApproval({ tags: [`other-${randomUUID().slice(0, 8)}`] });

    const page = await ann.listApprovals({ approver: "me", tag });
    expect(page.approvals.map((approval) => approval.id)).toEqual([
      second.approvalId,
      first.approvalId,
    ]);
    expect(page.nextCursor).toBeUndefined();

    await ann.decide(first.approvalId, { decision: "approve" });
    const approved = await ann.listApprovals({ approver: "me", tag, status: "APPROVED" });
    expect(approved.approvals.map((approval) => approval.id)).toEqual([first.approvalId]);
  });

  it("follows nextCursor through every page with listAllApprovals", async () => {
    const tag = `paged-${randomUUID().slice(0, 8)}`;
    const ids: string[] = [];
    for (let i = 0; i < 3; i += 1) ids.unshift((await requestApproval({ tags: [tag] })).approvalId);

    const firstPage = await ann.listApprovals({ tag, limit: 2 });
    expect(firstPage.approvals).toHaveLength(2);
    expect(firstPage.nextCursor).toEqual(expect.any(String));

    const pages: string[] = [];
    const counting = createSignoffClient({
      baseUrl,
      token: await issuer.token("ann@example.com"),
      fetch: (request) => {
        pages.push(new URL(request.url).searchParams.get("cursor") ?? "(first)");
        return fetch(request);
      },
    });
    const all: string[] = [];
    for await (const approval of counting.listAllApprovals({ tag, limit: 1 })) {
      all.push(approval.id);
    }
    expect(all).toEqual(ids);
    expect(pages.length).toBeGreaterThanOrEqual(3);
    expect(pages[0]).toBe("(first)");
  });

  it("resends the request to the approvers who have not decided", async () => {
    const { approvalId } = await requestApproval({ policy: { required: 2 } });
    await ann.decide(approvalId, { decision: "approve" });
    const before = (await emulators.ses.readMail()).length;
    const result = await ann.resend(approvalId);
    expect(result).toEqual({ resent: ["bob@example.com"], failed: [] });
    const sent = (await emulators.ses.readMail()).slice(before);
    expect(sent.map((mail) => mail.destination.to)).toEqual([["bob@example.com"]]);
  });

  it("throws one SignoffApiError carrying the status, the problem and its code", async () => {
    const { approvalId } = await requestApproval();
    const eve = await clientFor("eve@example.com");
    const forbidden = await apiErrorOf(eve.getApproval(approvalId));
    expect(forbidden).toMatchObject({
      name: "SignoffApiError",
      status: 403,
      code: "forbidden",
      message: "This approval is not addressed to you.",
      problem: { type: "urn:signoff:problem:forbidden", status: 403 },
    });

    await ann.decide(approvalId, { decision: "approve" });
    const conflict = await apiErrorOf(ann.decide(approvalId, { decision: "reject" }));
    expect(conflict).toMatchObject({ status: 409, code: "conflict" });
    expect(conflict.problem.decision).toMatchObject({ decision: "approve" });

    const missing = await apiErrorOf(ann.getApproval("aaaaaaaaaaaaaaaaaaaaaaaaaa"));
    expect(missing).toMatchObject({ status: 404, code: "not-found" });
  });

  it("throws 401 for a token the API does not trust, without echoing the token", async () => {
    const { approvalId } = await requestApproval();
    const token = await issuer.token("ann@example.com", { foreignKey: true });
    const error = await apiErrorOf(createSignoffClient({ baseUrl, token }).getApproval(approvalId));
    expect(error).toMatchObject({ status: 401, code: "unauthorized" });
    expect(JSON.stringify({ ...error, message: error.message })).not.toContain(token);
  });

  it("throws a 400 naming the invalid field for a body the schema refuses", async () => {
    const { approvalId } = await requestApproval();
    // A caller without the types (plain JS) can still send a wrong decision.
    const body = { decision: "maybe" } as unknown as { decision: "approve" };
    const error = await apiErrorOf(ann.decide(approvalId, body));
    expect(error).toMatchObject({ status: 400, code: "invalid-request" });
    expect(error.problem.issues).toEqual([expect.objectContaining({ path: "decision" })]);
  });

  it("makes a plain problem of an answer that is not problem+json", async () => {
    const proxy = createSignoffClient({
      baseUrl,
      token: "a.b.c",
      fetch: async () => new Response("<h1>Bad gateway</h1>", { status: 502 }),
    });
    const error = await apiErrorOf(proxy.getApproval("aaaaaaaaaaaaaaaaaaaaaaaaaa"));
    expect(error).toMatchObject({ status: 502, code: undefined, problem: { status: 502 } });
    expect(error.message).not.toContain("<h1>");
  });
});

import { randomUUID } from "node:crypto";
import type { Hono } from "hono";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRequestApprovalHandler } from "../handlers/request-approval.ts";
import type { Runtime } from "../runtime.ts";
import {
  type DynamoEmulator,
  type SesEmulator,
  startDynamo,
  startSesInbox,
} from "../test-support/emulators.ts";
import { createTestRuntime, findLinks } from "../test-support/runtime-fixture.ts";
import { withStoreHooks } from "../test-support/store-hooks.ts";
import { createApp } from "./app.ts";

let dynamo: DynamoEmulator;
let ses: SesEmulator;
let runtime: Runtime;
let app: Hono;

beforeAll(async () => {
  [dynamo, ses] = await Promise.all([startDynamo(), startSesInbox()]);
  runtime = createTestRuntime({ dynamo, ses, tableName: await dynamo.createTable() });
  app = createApp(runtime.deps);
});

afterAll(async () => {
  await Promise.all([dynamo?.stop(), ses?.stop()]);
});

/** Requests an approval through the real request handler and returns each approver's links. */
async function requestApproval(fields: Record<string, unknown> = {}) {
  const subject = `Deploy ${randomUUID()}`;
  const approvers = (fields.approvers as string[] | undefined) ?? ["ann@example.com"];
  const response = await createRequestApprovalHandler(runtime)({
    taskToken: `token-${randomUUID()}`,
    approvers,
    subject,
    ...fields,
  });
  const mail = await ses.readMail();
  const links = Object.fromEntries(approvers.map((a) => [a, findLinks(mail, a, subject)]));
  return { approvalId: response.approvalId, subject, links };
}

/** The path of a link URL, as the app sees it. */
function path(url: string): string {
  return new URL(url).pathname;
}

async function openForm(url: string) {
  const response = await app.request(path(url));
  const page = await response.text();
  const nonce = /name="nonce" value="([^"]+)"/.exec(page)?.[1];
  return { response, page, nonce };
}

function post(url: string, form: Record<string, string>, to: Hono = app) {
  return to.request(path(url), {
    method: "POST",
    headers: { "Content-Type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams(form).toString(),
  });
}

describe("a decision whose aftermath fails", () => {
  it("is still reported as recorded when its audit line cannot be written", async () => {
    const { links, approvalId } = await requestApproval();
    const failingAudit = createApp({
      ...runtime.deps,
      store: withStoreHooks(runtime.deps.store, {
        before(method) {
          if (method === "appendEvent") throw new Error("ProvisionedThroughputExceededException");
        },
      }),
    });
    const { nonce } = await openForm(links["ann@example.com"]!.approve);
    const response = await post(
      links["ann@example.com"]!.approve,
      { decision: "approve", nonce: nonce! },
      failingAudit,
    );
    const page = await response.text();
    expect(response.status).toBe(200);
    expect(page).toContain("Approved: your decision is recorded");
    expect(page).not.toContain("Nothing was changed");
    expect(await runtime.deps.store.get(approvalId)).toMatchObject({ status: "APPROVED" });
  });

  it("never claims nothing was changed when a POST fails after its decision may be stored", async () => {
    const { links, approvalId } = await requestApproval();
    const lostAnswer = createApp({
      ...runtime.deps,
      store: withStoreHooks(runtime.deps.store, {
        after(method) {
          if (method === "commitDecision") throw new Error("socket hang up");
        },
      }),
    });
    const { nonce } = await openForm(links["ann@example.com"]!.reject);
    const response = await post(
      links["ann@example.com"]!.reject,
      { decision: "reject", nonce: nonce! },
      lostAnswer,
    );
    const page = await response.text();
    expect(response.status).toBe(500);
    expect(page).not.toContain("Nothing was changed");
    expect(page).toContain("Open the link again");
    expect(await runtime.deps.store.get(approvalId)).toMatchObject({ status: "REJECTED" });
  });
});

describe("the link pages", () => {
  it("answer health checks", async () => {
    const response = await app.request("/health");
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ ok: true });
  });

  it("show a confirmation page on GET with strict security headers", async () => {
    const { links, subject } = await requestApproval({ details: { change: "CHG-7" } });
    const { response, page, nonce } = await openForm(links["ann@example.com"]!.approve);
    expect(response.status).toBe(200);
    expect(page).toContain(subject);
    expect(page).toContain("CHG-7");
    expect(nonce).toBeTruthy();
    const csp = response.headers.get("content-security-policy") ?? "";
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("form-action 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toContain("unsafe-inline");
    expect(response.headers.get("cache-control")).toBe("no-store");
    expect(response.headers.get("referrer-policy")).toBe("no-referrer");
  });

  it("never decide on GET or HEAD, however often a link is opened", async () => {
    const { approvalId, links } = await requestApproval();
    const { approve, reject } = links["ann@example.com"]!;
    for (let i = 0; i < 5; i += 1) {
      for (const url of [approve, reject]) {
        expect((await app.request(path(url))).status).toBe(200);
        const head = await app.request(path(url), { method: "HEAD" });
        expect(head.status).toBe(200);
        expect(await head.text()).toBe("");
      }
    }
    const stored = await runtime.deps.store.get(approvalId);
    expect(stored?.status).toBe("PENDING");
    expect(stored?.decisions).toEqual({});
    const events = await runtime.deps.store.listEvents(approvalId);
    // One approver opening their links ten times is one audited view within ten minutes.
    expect(events.filter((e) => e.type === "viewed")).toHaveLength(1);
    expect(events.filter((e) => e.type === "decided")).toHaveLength(0);
  });

  it("record a decision from the page's form once, and show it again on a replayed POST", async () => {
    const { approvalId, links } = await requestApproval();
    const url = links["ann@example.com"]!.approve;
    const { nonce } = await openForm(url);
    const form = { nonce: nonce!, decision: "approve", comment: "Looks <b>good</b>" };

    const first = await post(url, form);
    expect(first.status).toBe(200);
    const recorded = await first.text();
    expect(recorded).toContain("your decision is recorded");
    expect(recorded).toContain("Looks &lt;b&gt;good&lt;/b&gt;");

    const replay = await post(url, form);
    expect(await replay.text()).toContain("You already approved this request");

    const stored = await runtime.deps.store.get(approvalId);
    expect(stored?.status).toBe("APPROVED");
    expect(Object.keys(stored?.decisions ?? {})).toEqual(["ann@example.com"]);
    expect(stored?.callbackAttempts).toBe(1);
  });

  it("refuse a form far bigger than a decision with 413, deciding nothing", async () => {
    const { approvalId, links } = await requestApproval();
    const url = links["ann@example.com"]!.approve;
    const { nonce } = await openForm(url);
    const refused = await post(url, {
      nonce: nonce!,
      decision: "approve",
      comment: "x".repeat(40_000),
    });
    expect(refused.status).toBe(413);
    expect(refused.headers.get("content-security-policy")).toContain("default-src 'none'");
    expect((await runtime.deps.store.get(approvalId))?.decisions).toEqual({});
  });

  it("refuse a POST without the page's nonce, or with another link's nonce", async () => {
    const first = await requestApproval();
    const second = await requestApproval();
    const url = first.links["ann@example.com"]!.approve;
    expect((await post(url, { decision: "approve" })).status).toBe(400);
    const { nonce: otherNonce } = await openForm(second.links["ann@example.com"]!.approve);
    const refused = await post(url, { nonce: otherNonce!, decision: "approve" });
    expect(refused.status).toBe(400);
    expect(await refused.text()).toContain("This form is not valid");
    expect((await runtime.deps.store.get(first.approvalId))?.status).toBe("PENDING");
  });

  it("refuse tampered and foreign links with the invalid-link page", async () => {
    const { links } = await requestApproval();
    const url = links["ann@example.com"]!.approve;
    const [header, payload, signature] = path(url).slice(3).split(".");
    // Change the second-to-last character: the last one of an HS256 signature carries padding
    // bits, so changing it may decode to the same bytes.
    const changed = signature!.at(-2) === "A" ? "B" : "A";
    const flipped = `${signature!.slice(0, -2)}${changed}${signature!.slice(-1)}`;
    expect(flipped).not.toBe(signature);
    for (const bad of [`${header}.${payload}.${flipped}`, `${header}.${payload}`, "not-a-link"]) {
      const response = await app.request(`/a/${bad}`);
      expect(response.status).toBe(404);
      expect(await response.text()).toContain("This link is not valid");
      expect(response.headers.get("content-security-policy")).toContain("default-src 'none'");
    }
  });

  it("let the requester reject but not approve their own request", async () => {
    const { approvalId, links } = await requestApproval({
      approvers: ["ann@example.com", "bob@example.com"],
      requestedBy: "ann@example.com",
    });
    const url = links["ann@example.com"]!.approve;
    const { page, nonce } = await openForm(url);
    expect(page).not.toContain('value="approve"');
    const refused = await post(url, { nonce: nonce!, decision: "approve" });
    expect(refused.status).toBe(403);
    expect(await refused.text()).toContain("You cannot approve your own request");
    expect((await runtime.deps.store.get(approvalId))?.decisions).toEqual({});
  });
});

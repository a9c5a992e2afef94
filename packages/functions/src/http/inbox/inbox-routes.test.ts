import { randomUUID } from "node:crypto";
import type { Hono } from "hono";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createRequestApprovalHandler } from "../../handlers/request-approval.ts";
import type { Runtime } from "../../runtime.ts";
import { type OidcIssuer, startOidcIssuer } from "../../test-support/oidc-issuer.ts";
import { createTestRuntime } from "../../test-support/runtime-fixture.ts";
import { useEmulators } from "../../test-support/use-emulators.ts";
import { createApp } from "../app.ts";
import { signInboxNonce } from "./inbox-form-nonce.ts";
import { SESSION_COOKIE } from "./inbox-session.ts";

const emulators = useEmulators();
const LOGIN_URL = "https://id.example.com/login";

let issuer: OidcIssuer;
let runtime: Runtime;
let app: Hono;

beforeAll(async () => {
  issuer = await startOidcIssuer();
});

afterAll(async () => {
  await issuer?.stop();
});

beforeEach(async () => {
  runtime = createTestRuntime({
    dynamo: emulators.dynamo,
    ses: emulators.ses,
    // A table per test: each inbox lists only what its test asked for.
    tableName: await emulators.dynamo.createTable(),
    sfnEndpoint: emulators.sfn.endpoint,
  });
  app = createApp(runtime.deps, { apiAuth: { ...issuer.auth, inboxLoginUrl: LOGIN_URL } });
});

/** Requests an approval through the real request handler, with a real execution waiting on it. */
async function requestApproval(fields: Record<string, unknown> = {}) {
  const task = await emulators.sfn.startWaitingTask();
  const subject = `Deploy ${randomUUID()}`;
  const response = await createRequestApprovalHandler(runtime)({
    taskToken: task.token,
    approvers: ["ann@example.com", "bob@example.com"],
    subject,
    requestedBy: "dev@example.com",
    executionArn: task.executionArn,
    ...fields,
  });
  return { approvalId: response.approvalId, subject, task };
}

/** Signs `email` in as the browser would, returning the Cookie header the session set. */
async function signIn(email: string): Promise<string> {
  const response = await postForm("/inbox/session", { token: await issuer.token(email) });
  expect(response.status).toBe(303);
  const cookie = /^signoff_inbox=[^;]+/.exec(response.headers.get("set-cookie") ?? "")?.[0];
  if (!cookie) throw new Error("no session cookie");
  return cookie;
}

function postForm(path: string, form: Record<string, string>, cookie?: string) {
  return app.request(path, {
    method: "POST",
    headers: {
      "Content-Type": "application/x-www-form-urlencoded",
      ...(cookie && { Cookie: cookie }),
    },
    body: new URLSearchParams(form),
  });
}

async function openInbox(cookie: string, query = "") {
  const response = await app.request(`/inbox${query}`, { headers: { Cookie: cookie } });
  return { response, page: await response.text() };
}

/** The nonce of the decision form for `approvalId` on an inbox page. */
function nonceFor(page: string, approvalId: string): string | undefined {
  const form = page.split(`action="/inbox/approvals/${approvalId}/decision"`)[1];
  return form && /name="nonce" value="([^"]+)"/.exec(form)?.[1];
}

/** Posts the decision form as the page would, and follows the redirect back to the list. */
async function decideInInbox(
  cookie: string,
  approvalId: string,
  form: { decision: string; comment?: string; nonce?: string },
) {
  const nonce = form.nonce ?? nonceFor((await openInbox(cookie)).page, approvalId) ?? "";
  const response = await postForm(
    `/inbox/approvals/${approvalId}/decision`,
    { ...form, nonce },
    cookie,
  );
  expect(response.status).toBe(303);
  const location = response.headers.get("location")!;
  expect(location).toMatch(/^\/inbox\?flash=/);
  return { location, ...(await openInbox(cookie, location.slice("/inbox".length))) };
}

function flashOf(page: string): string | undefined {
  return /<p class="flash[^"]*" role="status">([^<]*)<\/p>/.exec(page)?.[1];
}

function expectPageHeaders(response: Response) {
  const csp = response.headers.get("content-security-policy") ?? "";
  expect(csp).toContain("default-src 'none'");
  expect(csp).toContain("frame-ancestors 'none'");
  expect(csp).toContain("form-action 'self'");
  expect(csp).not.toContain("script-src");
  expect(response.headers.get("cache-control")).toBe("no-store");
  expect(response.headers.get("referrer-policy")).toBe("no-referrer");
}

describe("signing in to the inbox", () => {
  it("shows a sign-in page with the provider's login and a token form, with the page headers", async () => {
    const response = await app.request("/inbox");
    expect(response.status).toBe(200);
    expectPageHeaders(response);
    const page = await response.text();
    expect(page).toContain(`<a href="${LOGIN_URL}">`);
    expect(page).toContain('<form method="post" action="/inbox/session">');
    expect(page).not.toContain("<script");
  });

  it("sets an HttpOnly, SameSite=Lax cookie scoped to /inbox for a valid token, Secure over https", async () => {
    const token = await issuer.token("ann@example.com");
    const response = await postForm("/inbox/session", { token: `Bearer ${token}` });
    expect(response.status).toBe(303);
    expect(response.headers.get("location")).toBe("/inbox");
    const cookie = response.headers.get("set-cookie") ?? "";
    expect(cookie).toContain(`${SESSION_COOKIE}=${token}`);
    expect(cookie).toMatch(/; HttpOnly/);
    expect(cookie).toMatch(/; SameSite=Lax/);
    expect(cookie).toMatch(/; Path=\/inbox(;|$)/);
    expect(cookie).not.toMatch(/Secure/);
    expect(Number(/Max-Age=(\d+)/.exec(cookie)?.[1])).toBeGreaterThan(200);

    const overHttps = await app.request("https://approvals.example.com/inbox/session", {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ token }),
    });
    expect(overHttps.headers.get("set-cookie")).toMatch(/; Secure/);
  });

  it("takes a sign-in posted from signoff or the login page's origin, and from no other site", async () => {
    const token = await issuer.token("ann@example.com");
    const post = (origin: string, site: string) =>
      app.request("http://localhost/inbox/session", {
        method: "POST",
        headers: {
          "Content-Type": "application/x-www-form-urlencoded",
          Origin: origin,
          "Sec-Fetch-Site": site,
        },
        body: new URLSearchParams({ token }),
      });
    expect((await post("http://localhost", "same-origin")).status).toBe(303);
    // signoff's own sign-in page sends no referrer, so its browser sends `Origin: null`.
    expect((await post("null", "same-origin")).status).toBe(303);
    expect((await post(new URL(LOGIN_URL).origin, "cross-site")).status).toBe(303);
    for (const [origin, site] of [
      ["https://evil.example.com", "cross-site"],
      ["null", "cross-site"],
    ] as const) {
      const forged = await post(origin, site);
      expect(forged.status).toBe(403);
      expect(forged.headers.get("set-cookie")).toBeNull();
    }
  });

  it("refuses a form far bigger than a token or a decision with 413", async () => {
    const response = await postForm("/inbox/session", { token: "x".repeat(40_000) });
    expect(response.status).toBe(413);
    expect(response.headers.get("content-security-policy")).toContain("default-src 'none'");
  });

  it("refuses a token the issuer did not sign, an expired one, or one that never expires, and sets no cookie", async () => {
    for (const token of [
      await issuer.token("ann@example.com", { foreignKey: true }),
      await issuer.token("ann@example.com", { expiresIn: -30 }),
      await issuer.token("ann@example.com", { expiresIn: null }),
      "not a token",
    ]) {
      const response = await postForm("/inbox/session", { token });
      expect(response.status).toBe(401);
      expect(response.headers.get("set-cookie")).toBeNull();
      expect(await response.text()).toContain("That token is not valid here");
    }
  });

  it("sends someone whose token expired back to sign-in, and clears the cookie", async () => {
    const expired = await issuer.token("ann@example.com", { expiresIn: -30 });
    const { response, page } = await openInbox(`${SESSION_COOKIE}=${expired}`);
    expect(response.status).toBe(401);
    expect(page).toContain("Your session has ended");
    expect(response.headers.get("set-cookie")).toMatch(/^signoff_inbox=;.*Max-Age=0/);
  });

  it("signs out: the cookie is cleared and the page says so", async () => {
    const cookie = await signIn("ann@example.com");
    const response = await postForm("/inbox/session/end", {}, cookie);
    expect(response.status).toBe(303);
    expect(response.headers.get("set-cookie")).toMatch(/^signoff_inbox=;.*Max-Age=0/);
    const after = await app.request(response.headers.get("location")!);
    expect(flashOf(await after.text())).toBe("You are signed out.");
  });

  it("signs out only on a post from signoff's own page, so no other site can sign someone out", async () => {
    const cookie = await signIn("ann@example.com");
    const post = (origin: string, site: string) =>
      app.request("http://localhost/inbox/session/end", {
        method: "POST",
        headers: { Cookie: cookie, Origin: origin, "Sec-Fetch-Site": site },
      });
    const forged = await post("https://evil.example", "cross-site");
    expect(forged.status).toBe(403);
    expect(forged.headers.get("set-cookie")).toBeNull();
    expect((await openInbox(cookie)).page).toContain("Signed in as ann@example.com");

    // The inbox page sends no referrer, so its browser sends `Origin: null`.
    const own = await post("null", "same-origin");
    expect(own.status).toBe(303);
    expect(own.headers.get("set-cookie")).toMatch(/^signoff_inbox=;.*Max-Age=0/);
  });

  it("says the inbox is not set up when no identity provider is configured", async () => {
    const response = await createApp(runtime.deps).request("/inbox");
    expect(response.status).toBe(503);
    expectPageHeaders(response);
    expect(await response.text()).toContain("The inbox is not set up");
  });
});

describe("the inbox list", () => {
  it("lists the pending approvals addressed to the approver, newest first, escaped, without the task token", async () => {
    const older = await requestApproval({ details: { note: "<script>alert(1)</script>" } });
    const newer = await requestApproval({ approvers: ["ann@example.com"] });
    const notHers = await requestApproval({ approvers: ["bob@example.com"] });
    const settled = await requestApproval();
    const bob = await signIn("bob@example.com");
    await decideInInbox(bob, settled.approvalId, { decision: "reject" });

    const { response, page } = await openInbox(await signIn("ann@example.com"));
    expect(response.status).toBe(200);
    expectPageHeaders(response);
    expect(page).toContain("Waiting for you: 2");
    expect(page).toContain("Signed in as ann@example.com");
    expect(page.indexOf(newer.subject)).toBeGreaterThan(0);
    expect(page.indexOf(newer.subject)).toBeLessThan(page.indexOf(older.subject));
    expect(page).not.toContain(notHers.subject);
    expect(page).not.toContain(settled.subject);
    expect(page).toContain("&lt;script&gt;alert(1)&lt;/script&gt;");
    expect(page).not.toContain("<script");
    expect(page).toContain("dev@example.com");
    expect(nonceFor(page, older.approvalId)).toBeDefined();
    expect(page).not.toContain(older.task.token);
    expect(page).not.toContain(newer.task.token);
  });
});

describe("deciding in the inbox", () => {
  it("approves with a comment through decide: the task succeeds and the decision says inbox", async () => {
    const { approvalId, subject, task } = await requestApproval();
    const ann = await signIn("ann@example.com");
    const { location, page } = await decideInInbox(ann, approvalId, {
      decision: "approve",
      comment: "  Looks good <b>to me</b>  ",
    });
    expect(location).toBe(`/inbox?flash=approved&id=${approvalId}`);
    expect(flashOf(page)).toBe(`You approved “${subject}”. It is now approved.`);
    expect(page).not.toContain(subject.concat("</h2>"));

    const stored = await runtime.deps.store.get(approvalId);
    expect(stored?.status).toBe("APPROVED");
    expect(stored?.decisions["ann@example.com"]).toMatchObject({
      decision: "approve",
      comment: "Looks good <b>to me</b>",
      channel: "inbox",
    });
    const execution = await emulators.sfn.waitForEnd(task.executionArn);
    expect(execution.status).toBe("SUCCEEDED");
    expect(JSON.parse(execution.output ?? "{}")).toMatchObject({
      outcome: "approved",
      decisions: [{ approver: "ann@example.com", channel: "inbox" }],
    });
  });

  it("keeps a quorum's approval listed as waiting for others after the approver's own approval", async () => {
    const { approvalId, subject } = await requestApproval({ policy: { required: 2 } });
    const ann = await signIn("ann@example.com");
    const { page } = await decideInInbox(ann, approvalId, { decision: "approve" });
    expect(flashOf(page)).toBe(
      `You approved “${subject}”. It is now still waiting for more approvals.`,
    );
    expect(page).toContain("it is waiting for others");
    expect(nonceFor(page, approvalId)).toBeUndefined();
  });

  it("rejects, which settles the request for everyone; a stale form then changes nothing", async () => {
    const { approvalId, subject, task } = await requestApproval();
    const ann = await signIn("ann@example.com");
    const bob = await signIn("bob@example.com");
    const annNonce = nonceFor((await openInbox(ann)).page, approvalId)!;
    const rejected = await decideInInbox(bob, approvalId, { decision: "reject" });
    expect(flashOf(rejected.page)).toBe(`You rejected “${subject}”. It is now rejected.`);
    expect((await emulators.sfn.waitForEnd(task.executionArn)).status).toBe("FAILED");

    const stale = await decideInInbox(ann, approvalId, { decision: "approve", nonce: annNonce });
    expect(flashOf(stale.page)).toBe(
      `“${subject}” was already settled; nothing was changed. It is now rejected.`,
    );
    expect(
      (await runtime.deps.store.get(approvalId))?.decisions["ann@example.com"],
    ).toBeUndefined();
  });

  it("does not let the requester approve their own request, but offers reject", async () => {
    const { approvalId, subject } = await requestApproval({ requestedBy: "ann@example.com" });
    const ann = await signIn("ann@example.com");
    const { page: listed } = await openInbox(ann);
    const form = listed.split(`/inbox/approvals/${approvalId}/decision`)[1] ?? "";
    expect(form).not.toContain('value="approve"');
    expect(form).toContain('value="reject"');
    const { page } = await decideInInbox(ann, approvalId, { decision: "approve" });
    expect(flashOf(page)).toBe(
      `You asked for “${subject}”, so someone else must approve it. You may still reject it.`,
    );
    expect((await runtime.deps.store.get(approvalId))?.status).toBe("PENDING");
  });

  it("refuses a form without a nonce, one from another session, or one for another approval", async () => {
    const first = await requestApproval();
    const second = await requestApproval();
    const ann = await signIn("ann@example.com");
    const annPage = (await openInbox(ann)).page;
    const otherSession = await signIn("ann@example.com");
    expect(otherSession).not.toBe(ann);

    const tries = [
      { cookie: ann, nonce: "" },
      { cookie: ann, nonce: nonceFor(annPage, second.approvalId)! },
      { cookie: otherSession, nonce: nonceFor(annPage, first.approvalId)! },
    ];
    for (const { cookie, nonce } of tries) {
      const { location } = await decideInInbox(cookie, first.approvalId, {
        decision: "approve",
        nonce,
      });
      expect(location).toBe("/inbox?flash=invalid-form");
    }
    expect((await runtime.deps.store.get(first.approvalId))?.decisions).toEqual({});
  });

  it("says an approval is not yours, and names nothing about it", async () => {
    const { approvalId, subject } = await requestApproval({ approvers: ["bob@example.com"] });
    const ann = await signIn("ann@example.com");
    // A well-formed nonce for Ann's session and this id: only the flow can refuse it now.
    const annToken = decodeURIComponent(ann.slice(`${SESSION_COOKIE}=`.length));
    const approval = (await runtime.deps.store.get(approvalId))!;
    const nonce = await signInboxNonce(
      runtime.deps,
      { caller: { email: "ann@example.com", admin: false }, token: annToken },
      approval,
    );
    const { location, page } = await decideInInbox(ann, approvalId, { decision: "approve", nonce });
    expect(location).toBe(`/inbox?flash=not-yours&id=${approvalId}`);
    expect(flashOf(page)).toBe("That request is not addressed to you, or no longer exists.");
    expect(page).not.toContain(subject);
  });

  it("sends a decision without a session back to sign-in, deciding nothing", async () => {
    const { approvalId } = await requestApproval();
    const response = await postForm(`/inbox/approvals/${approvalId}/decision`, {
      decision: "approve",
      nonce: "x.y.z",
    });
    expect(response.status).toBe(303);
    expect(response.headers.get("location")).toBe("/inbox");
    expect((await runtime.deps.store.get(approvalId))?.decisions).toEqual({});
  });
});

import { describe, expect, it } from "vitest";
import { useApiFixture } from "../../test-support/api-fixture.ts";
import { TEST_ADMIN_GROUP } from "../../test-support/oidc-issuer.ts";
import { createApp } from "../app.ts";

const api = useApiFixture();
const { requestApproval, call, decide, expectProblem } = api;

describe("bearer auth on /v1", () => {
  it("answers 401 with a Bearer challenge when there is no token", async () => {
    const { approvalId } = await requestApproval();
    const response = await call(`/v1/approvals/${approvalId}`);
    await expectProblem(response, 401);
    expect(response.headers.get("www-authenticate")).toMatch(/^Bearer/);
  });

  it("answers 401 to a token signed by a key the issuer does not publish", async () => {
    const { approvalId } = await requestApproval();
    const token = await api.issuer.token("ann@example.com", { foreignKey: true });
    const response = await call(`/v1/approvals/${approvalId}`, { token });
    await expectProblem(response, 401);
    expect(response.headers.get("www-authenticate")).toContain('error="invalid_token"');
  });

  it("answers 401 to a token from another issuer, for another audience, or expired", async () => {
    const { approvalId } = await requestApproval();
    const tokens = await Promise.all([
      api.issuer.token("ann@example.com", { claims: { iss: "https://evil.example.com" } }),
      api.issuer.token("ann@example.com", { claims: { aud: "another-api" } }),
      api.issuer.token("ann@example.com", { expiresIn: -30 }),
    ]);
    for (const token of tokens) {
      await expectProblem(await call(`/v1/approvals/${approvalId}`, { token }), 401);
    }
  });

  it("answers 401 to a token whose email is not verified, and accepts a verified one", async () => {
    const { approvalId } = await requestApproval();
    const path = `/v1/approvals/${approvalId}`;
    const unverified = await api.issuer.token("ann@example.com", {
      claims: { email_verified: false },
    });
    const problem = await expectProblem(await call(path, { token: unverified }), 401);
    expect(problem.detail).toBe("The token's email is not verified.");
    const verified = await api.issuer.token("ann@example.com", {
      claims: { email_verified: true },
    });
    expect((await call(path, { token: verified })).status).toBe(200);
  });

  it("answers 401 to a token whose email a Unicode case fold would turn into someone else's", async () => {
    const { approvalId } = await requestApproval({
      approvers: ["kim@example.com", "bob@example.com"],
    });
    const path = `/v1/approvals/${approvalId}`;
    // U+212A KELVIN SIGN lower-cases to "k": "\u212Aim" must not become kim.
    const kelvin = await api.issuer.token("\u212Aim@example.com");
    const problem = await expectProblem(await call(path, { token: kelvin }), 401);
    expect(problem.detail).toMatch(/fold to other letters/);
    const decided = await decide(approvalId, "\u212Aim@example.com", { decision: "approve" });
    expect(decided.status).toBe(401);
    expect((await api.runtime.deps.store.get(approvalId))?.decisions).toEqual({});
    // ASCII case differences are the same person.
    expect((await call(path, { token: await api.issuer.token("KIM@Example.com") })).status).toBe(
      200,
    );
  });

  it("answers 401 to a token that never expires, saying why", async () => {
    const { approvalId } = await requestApproval();
    const token = await api.issuer.token("ann@example.com", { expiresIn: null });
    const problem = await expectProblem(await call(`/v1/approvals/${approvalId}`, { token }), 401);
    expect(problem.detail).toBe('The bearer token does not expire: it needs an "exp" claim.');
  });

  it("answers 401 to a token that lasts longer than a day, by its lifetime or from now", async () => {
    const { approvalId } = await requestApproval();
    const path = `/v1/approvals/${approvalId}`;
    const now = Math.floor(Date.now() / 1000);
    const tooLong = await Promise.all([
      api.issuer.token("ann@example.com", { expiresIn: 2 * 86_400 }),
      // Nearly over, but issued to last longer than a day.
      api.issuer.token("ann@example.com", { expiresIn: 300, claims: { iat: now - 86_400 } }),
      // A lifetime within the day, from an `iat` in the future: it still outlives tomorrow.
      api.issuer.token("ann@example.com", {
        expiresIn: 86_400 + 600,
        claims: { iat: now + 3_600 },
      }),
    ]);
    for (const token of tooLong) {
      const problem = await expectProblem(await call(path, { token }), 401);
      expect(problem.detail).toBe(
        "The bearer token lasts longer than the 86400 seconds this API accepts.",
      );
    }
    // The local dev issuer's 12-hour tokens are well within it.
    const workingDay = await api.issuer.token("ann@example.com", { expiresIn: 12 * 60 * 60 });
    expect((await call(path, { token: workingDay })).status).toBe(200);
  });

  it("takes the longest token lifetime from the auth config", async () => {
    const { approvalId } = await requestApproval();
    const strict = createApp(api.runtime.deps, {
      apiAuth: { ...api.issuer.auth, maxTokenLifetimeSeconds: 600 },
    });
    const call = async (expiresIn: number) =>
      strict.request(`/v1/approvals/${approvalId}`, {
        headers: {
          Authorization: `Bearer ${await api.issuer.token("ann@example.com", { expiresIn })}`,
        },
      });
    expect((await call(300)).status).toBe(200);
    const problem = await expectProblem(await call(900), 401);
    expect(problem.detail).toBe(
      "The bearer token lasts longer than the 600 seconds this API accepts.",
    );
  });

  it("answers 401 to a valid token without an email claim", async () => {
    const { approvalId } = await requestApproval();
    const token = await api.issuer.token(undefined);
    await expectProblem(await call(`/v1/approvals/${approvalId}`, { token }), 401);
  });

  it("answers 503 when the API's auth is not configured", async () => {
    const unconfigured = createApp(api.runtime.deps);
    const response = await unconfigured.request("/v1/approvals/aaaaaaaaaaaaaaaaaaaaaaaaaa");
    const problem = await expectProblem(response, 503);
    expect(problem.title).toBe("API auth not configured");
  });
});

describe("GET /v1/approvals/{id}", () => {
  it("shows an approver the approval without its token ciphertext", async () => {
    const { approvalId } = await requestApproval({ context: { ticket: "OPS-7" } });
    const response = await call(`/v1/approvals/${approvalId}`, { email: "Ann@Example.com" });
    expect(response.status).toBe(200);
    const body = (await response.json()) as Record<string, unknown>;
    expect(body).toMatchObject({
      id: approvalId,
      status: "PENDING",
      callback: "NONE",
      approvers: ["ann@example.com", "bob@example.com"],
      decisions: {},
      deadline: expect.any(String),
    });
    expect(body).not.toHaveProperty("tokenCiphertext");
    expect(JSON.stringify(body)).not.toMatch(/eyJ/);
  });

  it("answers 403 to someone who is neither an approver nor an admin", async () => {
    const { approvalId } = await requestApproval();
    await expectProblem(
      await call(`/v1/approvals/${approvalId}`, { email: "eve@example.com" }),
      403,
    );
  });

  it("lets a member of the admin group read any approval", async () => {
    const { approvalId } = await requestApproval();
    const response = await call(`/v1/approvals/${approvalId}`, {
      email: "ops@example.com",
      groups: ["engineering", TEST_ADMIN_GROUP],
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ id: approvalId });
  });

  it("answers 404 for an approval that does not exist", async () => {
    const response = await call("/v1/approvals/aaaaaaaaaaaaaaaaaaaaaaaaaa", {
      email: "ann@example.com",
    });
    await expectProblem(response, 404);
  });
});

describe("POST /v1/approvals/{id}/decisions", () => {
  it("records the decision, completes the approval and the waiting execution succeeds", async () => {
    const { approvalId, executionArn } = await requestApproval();
    const response = await decide(approvalId, "ann@example.com", {
      decision: "approve",
      comment: "Ship it",
    });
    expect(response.status).toBe(201);
    const body = (await response.json()) as Record<"decision" | "approval", object>;
    expect(body.decision).toMatchObject({
      approver: "ann@example.com",
      decision: "approve",
      comment: "Ship it",
      channel: "api",
    });
    expect(body.approval).toMatchObject({ id: approvalId, status: "APPROVED" });
    expect(body.approval).not.toHaveProperty("tokenCiphertext");

    const execution = await api.emulators.sfn.waitForEnd(executionArn);
    expect(execution.status).toBe("SUCCEEDED");
    expect(JSON.parse(execution.output ?? "{}")).toMatchObject({
      approvalId,
      outcome: "approved",
      decisions: [expect.objectContaining({ approver: "ann@example.com", channel: "api" })],
    });
    expect((await api.runtime.deps.store.get(approvalId))?.callback).toBe("DELIVERED");
  });

  it("answers a second decision by the same approver with 409 and the recorded decision", async () => {
    const { approvalId } = await requestApproval({ policy: { required: 2 } });
    expect((await decide(approvalId, "ann@example.com", { decision: "approve" })).status).toBe(201);
    const again = await decide(approvalId, "ann@example.com", { decision: "reject" });
    const problem = await expectProblem(again, 409);
    expect(problem.decision).toMatchObject({ approver: "ann@example.com", decision: "approve" });
  });

  it("answers 409 once the approval is settled or its deadline has passed", async () => {
    const settled = await requestApproval();
    await decide(settled.approvalId, "bob@example.com", { decision: "reject" });
    const late = await decide(settled.approvalId, "ann@example.com", { decision: "approve" });
    const problem = await expectProblem(late, 409);
    expect(problem).toMatchObject({
      detail:
        "The approval was already decided: rejected by bob@example.com. Your decision was not recorded.",
      approvalStatus: "REJECTED",
      decidedBy: ["bob@example.com"],
    });
    const stored = await api.runtime.deps.store.get(settled.approvalId);
    expect(Object.keys(stored?.decisions ?? {})).toEqual(["bob@example.com"]);

    const expiring = await requestApproval({ timeoutSeconds: 60 });
    api.time += 61_000;
    await expectProblem(
      await decide(expiring.approvalId, "ann@example.com", { decision: "approve" }),
      409,
    );
  });

  it("answers 403 to someone the approval is not addressed to, and to self-approval", async () => {
    const { approvalId } = await requestApproval({ requestedBy: "ann@example.com" });
    await expectProblem(await decide(approvalId, "eve@example.com", { decision: "approve" }), 403);
    await expectProblem(await decide(approvalId, "ann@example.com", { decision: "approve" }), 403);
    const stored = await api.runtime.deps.store.get(approvalId);
    expect(stored?.decisions).toEqual({});
  });

  it("answers 404 for an approval that does not exist", async () => {
    const response = await decide("aaaaaaaaaaaaaaaaaaaaaaaaaa", "ann@example.com", {
      decision: "approve",
    });
    await expectProblem(response, 404);
  });

  it("answers 413 problem+json to a body over 64 KiB, deciding nothing", async () => {
    const { approvalId } = await requestApproval();
    const huge = { decision: "approve", comment: "x".repeat(70_000) };
    const problem = await expectProblem(await decide(approvalId, "ann@example.com", huge), 413);
    expect(problem.type).toBe("urn:signoff:problem:payload-too-large");
    expect((await api.runtime.deps.store.get(approvalId))?.decisions).toEqual({});
  });

  it("answers 400 problem+json to a body that does not match the schema, or is not JSON", async () => {
    const { approvalId } = await requestApproval();
    const invalid = await decide(approvalId, "ann@example.com", { decision: "maybe" });
    const problem = await expectProblem(invalid, 400);
    expect(problem.issues).toEqual([expect.objectContaining({ path: "decision" })]);
    await expectProblem(await decide(approvalId, "ann@example.com", "{not json"), 400);
    expect((await api.runtime.deps.store.get(approvalId))?.decisions).toEqual({});
  });
});

describe("GET /v1/approvals/{id}/events", () => {
  it("returns the audit trail with a verification that holds", async () => {
    const { approvalId } = await requestApproval();
    await decide(approvalId, "bob@example.com", { decision: "approve" });
    const response = await call(`/v1/approvals/${approvalId}/events`, { email: "bob@example.com" });
    expect(response.status).toBe(200);
    const body = (await response.json()) as { events: { type: string }[]; verification: unknown };
    expect(body.events.map((event) => event.type)).toContain("decided");
    expect(body.verification).toEqual({ ok: true, count: body.events.length });
  });

  it("answers 403 to someone who may not read the approval", async () => {
    const { approvalId } = await requestApproval();
    const response = await call(`/v1/approvals/${approvalId}/events`, { email: "eve@example.com" });
    await expectProblem(response, 403);
  });
});

describe("unknown paths", () => {
  it("answer 404 problem+json, with or without a token", async () => {
    for (const path of ["/v2/approvals", "/nothing-here", "/v1"]) {
      const problem = await expectProblem(await api.app.request(path), 404);
      expect(problem.type).toBe("urn:signoff:problem:not-found");
    }
  });
});

describe("GET /v1/openapi.json", () => {
  it("serves an OpenAPI 3.1 document describing every route, without a token", async () => {
    const response = await api.app.request("/v1/openapi.json");
    expect(response.status).toBe(200);
    const doc = (await response.json()) as {
      openapi: string;
      paths: Record<string, Record<string, { responses: object }>>;
      components: { securitySchemes: Record<string, object> };
    };
    expect(doc.openapi).toBe("3.1.0");
    expect(Object.keys(doc.paths).sort()).toEqual([
      "/v1/approvals",
      "/v1/approvals/{id}",
      "/v1/approvals/{id}/decisions",
      "/v1/approvals/{id}/events",
      "/v1/approvals/{id}/resend",
      "/v1/approvals/{id}/webhooks",
      "/v1/approvals/{id}/webhooks/replay",
    ]);
    expect(doc.paths["/v1/approvals/{id}/decisions"]?.post?.responses).toHaveProperty("409");
    expect(doc.components.securitySchemes.bearer).toMatchObject({ scheme: "bearer" });
  });
});

/**
 * The `/v1` API over the emulators, for API test files: a test OIDC issuer, a fresh table and
 * runtime per test, the app with bearer auth, and helpers to call it as someone.
 */
import { randomUUID } from "node:crypto";
import type { Hono } from "hono";
import { afterAll, beforeAll, beforeEach, expect } from "vitest";
import { createRequestApprovalHandler } from "../handlers/request-approval.ts";
import { createApp } from "../http/app.ts";
import type { Runtime } from "../runtime.ts";
import type { WebhookConfig } from "../webhooks/webhook-config.ts";
import { type OidcIssuer, startOidcIssuer } from "./oidc-issuer.ts";
import { createTestRuntime } from "./runtime-fixture.ts";
import { type Emulators, useEmulators } from "./use-emulators.ts";

export interface CallOptions {
  /** Call with a fresh token for this email. */
  email?: string;
  groups?: string[];
  /** Call with exactly this token instead. */
  token?: string;
  method?: string;
  /** JSON-encoded unless it is a string already. */
  body?: unknown;
  headers?: Record<string, string>;
}

export interface ApiFixture {
  emulators: Emulators;
  issuer: OidcIssuer;
  runtime: Runtime;
  app: Hono;
  /** The flows' clock in epoch ms; tests move it forward (tokens are checked in real time). */
  time: number;
  /** Requests an approval through the real handler, with a real execution waiting on it. */
  requestApproval(
    fields?: Record<string, unknown>,
  ): Promise<{ approvalId: string; executionArn: string }>;
  call(path: string, options?: CallOptions): Promise<Response>;
  decide(
    approvalId: string,
    email: string,
    body: unknown,
    headers?: Record<string, string>,
  ): Promise<Response>;
  /** Asserts a problem+json answer with `status`, and returns the problem. */
  expectProblem(response: Response, status: number): Promise<Record<string, unknown>>;
}

export interface ApiFixtureOptions {
  /** Signed webhooks on: their config, asked for before each test (e.g. a fresh receiver's URL). */
  webhooks?: () => WebhookConfig;
}

/** Registers the hooks; the returned fixture is filled in before each test. */
export function useApiFixture(options: ApiFixtureOptions = {}): ApiFixture {
  const emulators = useEmulators();
  const fixture = { emulators } as ApiFixture;

  beforeAll(async () => {
    fixture.issuer = await startOidcIssuer();
  });
  afterAll(async () => {
    await fixture.issuer?.stop();
  });
  beforeEach(async () => {
    fixture.time = Date.now();
    fixture.runtime = createTestRuntime({
      dynamo: emulators.dynamo,
      ses: emulators.ses,
      tableName: await emulators.dynamo.createTable(),
      sfnEndpoint: emulators.sfn.endpoint,
      clock: () => new Date(fixture.time),
      ...(options.webhooks && { webhooks: options.webhooks() }),
    });
    fixture.app = createApp(fixture.runtime.deps, { apiAuth: fixture.issuer.auth });
  });

  fixture.requestApproval = async (fields = {}) => {
    const task = await emulators.sfn.startWaitingTask();
    const response = await createRequestApprovalHandler(fixture.runtime)({
      taskToken: task.token,
      approvers: ["ann@example.com", "bob@example.com"],
      subject: `Deploy ${randomUUID()}`,
      executionArn: task.executionArn,
      ...fields,
    });
    return { approvalId: response.approvalId, executionArn: task.executionArn };
  };

  fixture.call = async (path, options = {}) => {
    const token =
      options.token ??
      (options.email === undefined
        ? undefined
        : await fixture.issuer.token(
            options.email,
            options.groups && { claims: { groups: options.groups } },
          ));
    const headers: Record<string, string> = { ...options.headers };
    if (token !== undefined) headers.Authorization = `Bearer ${token}`;
    if (options.body !== undefined) headers["Content-Type"] ??= "application/json";
    return fixture.app.request(path, {
      method: options.method ?? "GET",
      headers,
      ...(options.body !== undefined && {
        body: typeof options.body === "string" ? options.body : JSON.stringify(options.body),
      }),
    });
  };

  fixture.decide = (approvalId, email, body, headers) =>
    fixture.call(`/v1/approvals/${approvalId}/decisions`, {
      method: "POST",
      email,
      body,
      ...(headers && { headers }),
    });

  fixture.expectProblem = async (response, status) => {
    expect(response.status).toBe(status);
    expect(response.headers.get("content-type")).toMatch(/^application\/problem\+json/);
    const problem = (await response.json()) as Record<string, unknown>;
    expect(problem).toMatchObject({ status, type: expect.any(String), title: expect.any(String) });
    return problem;
  };

  return fixture;
}

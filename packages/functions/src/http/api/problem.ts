/**
 * RFC 9457 problem details: the one shape every `/v1` error takes, built in one place.
 */
import type { Context } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";

export const PROBLEM_JSON = "application/problem+json";

/**
 * A problem+json body: the standard members and any extension members. Its schema for the
 * OpenAPI document is `ProblemSchema` (problem-schema.ts), kept apart so that the pages, which
 * answer API-shaped errors too, load no zod.
 */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail?: string;
  [extension: string]: unknown;
}

/** The problems `/v1` answers with, by a stable code that becomes the problem's `type`. */
export const ProblemKind = {
  "invalid-request": { status: 400, title: "Invalid request" },
  unauthorized: { status: 401, title: "Unauthorized" },
  forbidden: { status: 403, title: "Forbidden" },
  "not-found": { status: 404, title: "Not Found" },
  conflict: { status: 409, title: "Conflict" },
  "payload-too-large": { status: 413, title: "Payload too large" },
  "idempotency-key-reused": { status: 422, title: "Idempotency key reused" },
  "too-many-requests": { status: 429, title: "Too many requests" },
  "auth-not-configured": { status: 503, title: "API auth not configured" },
} as const satisfies Record<string, { status: ContentfulStatusCode; title: string }>;
export type ProblemKind = keyof typeof ProblemKind;

/** An expected `/v1` failure; `problemResponse` turns it into problem+json. */
export class ApiProblemError extends Error {
  override readonly name = "ApiProblemError";
  readonly code: ProblemKind;
  readonly extra: Record<string, unknown>;
  readonly headers: Record<string, string>;

  constructor(
    code: ProblemKind,
    detail: string,
    options: { extra?: Record<string, unknown>; headers?: Record<string, string> } = {},
  ) {
    super(detail);
    this.code = code;
    this.extra = options.extra ?? {};
    this.headers = options.headers ?? {};
  }
}

/** Builds the problem body for `code`. */
export function toProblem(
  code: ProblemKind,
  detail: string,
  extra: Record<string, unknown> = {},
): Problem {
  const { status, title } = ProblemKind[code];
  // Extension members come first so they can never overwrite the standard ones.
  return { ...extra, type: `urn:signoff:problem:${code}`, title, status, detail };
}

/** The response for a problem: its status, `application/problem+json`, and any extra headers. */
export function problemResponse(c: Context, error: ApiProblemError): Response {
  const problem = toProblem(error.code, error.message, error.extra);
  return c.json(problem, ProblemKind[error.code].status, {
    ...error.headers,
    "Content-Type": PROBLEM_JSON,
  });
}

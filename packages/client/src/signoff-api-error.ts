/**
 * The one error the client throws for an API answer that is not a success: the HTTP status,
 * the problem+json body, and the problem's code (`urn:signoff:problem:<code>`).
 */
import type { Problem } from "./types.ts";

const PROBLEM_TYPE_PREFIX = "urn:signoff:problem:";

/** An answer from the signoff API other than success. */
export class SignoffApiError extends Error {
  override readonly name = "SignoffApiError";
  /** The HTTP status of the answer. */
  readonly status: number;
  /** The problem body; built from the status when the answer carried none (a proxy's page). */
  readonly problem: Problem;
  /** `not-found`, `conflict`, `unauthorized`... from the problem's type; undefined if foreign. */
  readonly code: string | undefined;

  constructor(status: number, problem: Problem, options?: ErrorOptions) {
    super(problem.detail ?? problem.title, options);
    this.status = status;
    this.problem = problem;
    this.code = problem.type.startsWith(PROBLEM_TYPE_PREFIX)
      ? problem.type.slice(PROBLEM_TYPE_PREFIX.length)
      : undefined;
  }
}

function isProblem(body: unknown): body is Problem {
  if (typeof body !== "object" || body === null) return false;
  const { type, title, status } = body as Record<string, unknown>;
  return typeof type === "string" && typeof title === "string" && typeof status === "number";
}

/**
 * The error for `response`, whose body openapi-fetch has already parsed (JSON when it could,
 * else text). A body that is not a problem (an HTML 502 from a proxy) becomes a plain one
 * rather than being echoed, since it may be large or say nothing useful.
 */
export function toSignoffApiError(response: Response, body: unknown): SignoffApiError {
  if (isProblem(body)) return new SignoffApiError(response.status, body);
  return new SignoffApiError(response.status, {
    type: "about:blank",
    title: response.statusText || `HTTP ${response.status}`,
    status: response.status,
  });
}

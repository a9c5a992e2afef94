/**
 * Reading SDK v3 errors without trusting their text: adapters decide by the error's name,
 * HTTP status and fault, never by its message (AWS messages can echo request values).
 */

const THROTTLING_NAMES = new Set([
  "ThrottlingException",
  "Throttling",
  "TooManyRequestsException",
  "RequestLimitExceeded",
  "ProvisionedThroughputExceededException",
  "RequestThrottled",
  "RequestThrottledException",
  "SlowDown",
]);

const TRANSIENT_NAMES = new Set([
  "TimeoutError",
  "RequestTimeout",
  "RequestTimeoutException",
  "ServiceUnavailable",
  "InternalServerError",
  "InternalFailure",
]);

// Socket-level failures surface as plain Errors carrying a Node `code`, with no HTTP metadata.
const NETWORK_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ECONNABORTED",
  "ETIMEDOUT",
  "EPIPE",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "UND_ERR_SOCKET",
]);

const SAFE_NAME = /^[A-Za-z][\w.:-]{0,79}$/;

interface ErrorShape {
  name?: unknown;
  code?: unknown;
  $fault?: unknown;
  $retryable?: unknown;
  $metadata?: { httpStatusCode?: unknown };
}

function shapeOf(error: unknown): ErrorShape {
  return error !== null && typeof error === "object" ? (error as ErrorShape) : {};
}

/**
 * The error's name (or Node network code) if it looks like an identifier, else "UnknownError",
 * so it is always safe to put in a message or a stored field.
 */
export function awsErrorName(error: unknown): string {
  const { name, code } = shapeOf(error);
  // A plain "Error" says less than the Node network code it usually carries, so skip it.
  for (const candidate of [name, code]) {
    if (typeof candidate === "string" && candidate !== "Error" && SAFE_NAME.test(candidate)) {
      return candidate;
    }
  }
  return "UnknownError";
}

/** The HTTP status AWS answered with, when there was an answer. */
export function awsHttpStatus(error: unknown): number | undefined {
  const status = shapeOf(error).$metadata?.httpStatusCode;
  return typeof status === "number" ? status : undefined;
}

/** Throttling, a 5xx, a timeout or a network failure: the same call may succeed later. */
export function isRetryableAwsError(error: unknown): boolean {
  const shape = shapeOf(error);
  const name = typeof shape.name === "string" ? shape.name : "";
  const code = typeof shape.code === "string" ? shape.code : "";
  const status = awsHttpStatus(error);
  return (
    shape.$retryable !== undefined ||
    shape.$fault === "server" ||
    (status !== undefined && (status >= 500 || status === 429)) ||
    THROTTLING_NAMES.has(name) ||
    TRANSIENT_NAMES.has(name) ||
    NETWORK_CODES.has(code) ||
    NETWORK_CODES.has(name)
  );
}

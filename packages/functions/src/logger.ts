/**
 * The structured logger every entry point shares (Powertools, service "signoff").
 *
 * As a safeguard behind "never log the token", every logged string is passed through
 * `redactSecrets`: long base64-like runs (task tokens, JWE/JWS segments) are replaced.
 */
import { Logger } from "@aws-lambda-powertools/logger";

/** What replaces a redacted run in a log line. */
export const REDACTED = "[redacted]";

// Task tokens and JWE ciphertexts are hundreds of base64/base64url characters with no dots;
// hex hashes (64), approval ids (26) and file paths (dots, colons) stay well clear of this.
const SECRET_LIKE = /[A-Za-z0-9+/_=-]{100,}/g;

/** Replaces token-like runs in a string; other values pass through. */
export function redactSecrets(value: unknown): unknown {
  return typeof value === "string" ? value.replace(SECRET_LIKE, REDACTED) : value;
}

/** Creates a logger; `serviceName` defaults to "signoff", the level to POWERTOOLS_LOG_LEVEL or INFO. */
export function createLogger(options: { serviceName?: string } = {}): Logger {
  return new Logger({
    serviceName: options.serviceName ?? "signoff",
    // Called for every key and nested value, including error messages and stacks.
    jsonReplacerFn: (_key, value) => redactSecrets(value),
  });
}

/** The shared logger instance. */
export const logger = createLogger();

/**
 * The CLI's own errors. Each becomes one line on stderr; the exit code says whose fault it was.
 */

/** Exit codes: 1 when the API (or the way to it) failed, 2 when the command line is wrong. */
export const ExitCode = { ok: 0, failed: 1, usage: 2 } as const;

/** A command line the CLI cannot run: an unknown flag, a missing id, a bad value. */
export class UsageError extends Error {
  override readonly name = "UsageError";
  readonly code = "usage";
}

/**
 * Nothing says which API to call or as whom (no flags, no variables, no usable stack.json), or a
 * token and a URL come from different places.
 */
export class ConfigError extends Error {
  override readonly name = "ConfigError";
  readonly code = "config";
}

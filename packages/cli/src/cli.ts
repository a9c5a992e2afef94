/**
 * The `signoff` command as a function of argv, environment and output streams, so tests can
 * run it in process; main.ts only hands it the real ones. Every failure is one line on stderr.
 */
import { createSignoffClient, SignoffApiError } from "@signoff/client";
import { parseCliArgs, USAGE } from "./args.ts";
import { runCommand } from "./commands.ts";
import { type ConfigSources, resolveConnection } from "./config.ts";
import { ConfigError, ExitCode, UsageError } from "./errors.ts";
import { printable, printableLines } from "./format.ts";

/** A 400's issues, on the same line: ` (response.amount must be at least 1; ...)`. */
function describeIssues(issues: unknown): string {
  if (!Array.isArray(issues) || issues.length === 0) return "";
  const each = issues.map(
    (issue: { path?: unknown; message?: unknown }) =>
      `${String(issue.path)} ${String(issue.message)}`,
  );
  return ` (${each.join("; ")})`;
}

export interface CliIo extends ConfigSources {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  /** Default the global fetch. */
  fetch?: (request: Request) => Promise<Response>;
}

/** Runs `signoff …` and returns the exit code. */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  let token: string | undefined;
  let baseUrl: string | undefined;
  try {
    const parsed = parseCliArgs(argv);
    if (parsed.kind === "help") {
      io.stdout(`${USAGE}\n`);
      return ExitCode.ok;
    }
    ({ token, baseUrl } = await resolveConnection(parsed.connection, io));
    const client = createSignoffClient({
      baseUrl,
      token,
      ...(io.fetch && { fetch: io.fetch }),
    });
    // Whatever the server sent, no control character reaches the terminal (JSON escapes its own).
    io.stdout(`${printableLines(await runCommand(client, parsed.command, parsed.json))}\n`);
    return ExitCode.ok;
  } catch (error) {
    io.stderr(`signoff: ${printable(redact(describeError(error, baseUrl), token))}\n`);
    return error instanceof UsageError || error instanceof ConfigError
      ? ExitCode.usage
      : ExitCode.failed;
  }
}

/** One line saying what went wrong, without a stack trace. */
export function describeError(error: unknown, baseUrl: string | undefined): string {
  if (error instanceof UsageError || error instanceof ConfigError) return error.message;
  if (error instanceof SignoffApiError) {
    const { status, problem } = error;
    const detail = problem.detail === undefined ? "" : `: ${problem.detail}`;
    return `the API answered ${status} ${problem.title}${detail}${describeIssues(problem.issues)}`;
  }
  // fetch reports a refused connection as "fetch failed" with the reason in its cause.
  const cause = (error as { cause?: { code?: unknown; message?: unknown } } | undefined)?.cause;
  if (error instanceof TypeError && cause !== undefined) {
    const reason = typeof cause.code === "string" ? cause.code : String(cause.message);
    return `cannot reach the signoff API at ${baseUrl ?? "its URL"} (${reason})`;
  }
  return `unexpected error: ${error instanceof Error ? error.message : String(error)}`;
}

const JWT = /\beyJ[\w-]*\.[\w-]+\.[\w-]*/g;

/** The line with the bearer token (and anything JWT-shaped) blanked out. */
export function redact(line: string, token: string | undefined): string {
  const withoutToken = token ? line.split(token).join("[token]") : line;
  return withoutToken.replace(JWT, "[token]").replace(/[\r\n]+/g, " ");
}

import { execFile } from "node:child_process";
import { join } from "node:path";

/** The repository root, where sst.config.ts and infra/ live. */
export const ROOT = join(import.meta.dirname, "..", "..");

export interface ToolResult {
  code: number;
  /** stdout and stderr together, for the assertion message when the tool fails. */
  output: string;
}

/**
 * Runs a Node CLI script from the repository with `node`, so no shell, PATH or npx lookup sits in
 * between. Resolves with the exit code rather than rejecting, so a failure shows the tool's output;
 * a tool still running after `timeoutMs` is killed and counts as failed.
 */
export function runNodeTool(
  script: string,
  args: readonly string[],
  options: { env?: Readonly<Record<string, string>>; timeoutMs: number },
): Promise<ToolResult> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [join(ROOT, script), ...args],
      {
        cwd: ROOT,
        env: { ...process.env, ...options.env },
        timeout: options.timeoutMs,
        maxBuffer: 64 * 1024 * 1024,
      },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === "number" ? error.code : 1) : 0;
        // A tool that could not start at all says why only in the error.
        const silent = !stdout && !stderr;
        resolve({
          code,
          output: error && silent ? error.message : `${stdout}${stderr}`,
        });
      },
    );
  });
}

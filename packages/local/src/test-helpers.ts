import { type ChildProcess, spawn } from "node:child_process";
import { join } from "node:path";
import { applyStackEnv, CONFLICTING_AWS_VARIABLES } from "./aws-env.ts";
import type { StackPorts } from "./config.ts";
import { PortedServices } from "./constants.ts";
import { REPO_ROOT } from "./paths.ts";

// Helpers shared by this package's tests (and the CLI's end-to-end test, by path); not exported
// from the package.

/** Every port 0: each test file gets its own free ports and never meets a developer's stack. */
export const FREE_PORTS: StackPorts = {
  dynamodb: 0,
  ses: 0,
  stepfunctions: 0,
  api: 0,
  issuer: 0,
  slack: 0,
};

/**
 * Runs `fn` with a stack's variables applied to process.env the way main.ts applies them, so
 * SDK clients created inside with no configuration reach the stack; restores the old values after.
 */
export async function withStackEnv<T>(
  env: Readonly<Record<string, string>>,
  fn: () => Promise<T>,
): Promise<T> {
  const names = [...Object.keys(env), ...CONFLICTING_AWS_VARIABLES];
  const previous = names.map((name) => [name, process.env[name]] as const);
  applyStackEnv(env);
  try {
    return await fn();
  } finally {
    for (const [name, value] of previous) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  }
}

/**
 * Starts `npm start` as npm runs it (`node --import tsx packages/local/src/main.ts`) with `args`,
 * every port free, in its own process group (so a test can Ctrl-C the group), output piped.
 * Not the tsx CLI: it relays signals itself, and on a busy machine kills the child when it does
 * not acknowledge one within 60 ms.
 */
export function spawnNpmStart(
  args: readonly string[],
  /** Added to this process's environment; an undefined value unsets the variable. */
  env: Readonly<Record<string, string | undefined>>,
): ChildProcess {
  const freePorts = Object.fromEntries(
    Object.values(PortedServices).map(({ portVariable }) => [portVariable, "0"]),
  );
  return spawn(process.execPath, ["--import", "tsx", MAIN, ...args], {
    cwd: REPO_ROOT,
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, ...freePorts, ...env },
  });
}

const MAIN = join("packages", "local", "src", "main.ts");

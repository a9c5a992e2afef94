import { applyStackEnv, CONFLICTING_AWS_VARIABLES } from "./aws-env.ts";
import type { StackPorts } from "./config.ts";

// Helpers shared by this package's tests; not exported from the package.

/** Every port 0: each test file gets its own free ports and never meets a developer's stack. */
export const FREE_PORTS: StackPorts = {
  dynamodb: 0,
  ses: 0,
  stepfunctions: 0,
  api: 0,
  issuer: 0,
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

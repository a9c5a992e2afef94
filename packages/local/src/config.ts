import { type PortedService, PortedServices } from "./constants.ts";
import { LocalStackError } from "./errors.ts";

/** The port of each service that listens; 0 means "any free port". */
export type StackPorts = Record<PortedService, number>;

/** What the local stack takes from the environment. */
export interface LocalConfig {
  ports: StackPorts;
  /** SIGNOFF_STATE_DIR: where `stack.json` goes, when set. */
  stateDir: string | undefined;
}

/**
 * Reads the SIGNOFF_* variables, falling back to the default ports.
 * Throws a LocalStackError naming the variable when one is not a port number.
 */
export function readLocalConfig(env: NodeJS.ProcessEnv): LocalConfig {
  const ports = {} as StackPorts;
  for (const service of Object.keys(PortedServices) as PortedService[]) {
    const { portVariable, defaultPort } = PortedServices[service];
    ports[service] = parsePort(portVariable, env[portVariable], defaultPort);
  }
  const stateDir = env.SIGNOFF_STATE_DIR?.trim() || undefined;
  return { ports, stateDir };
}

function parsePort(variable: string, raw: string | undefined, fallback: number): number {
  const value = raw?.trim();
  if (value === undefined || value === "") return fallback;
  const port = Number(value);
  if (!/^\d+$/.test(value) || port > 65_535) {
    throw new LocalStackError(
      "INVALID_CONFIG",
      `${variable} must be a port number from 0 to 65535 (0 = any free port), got "${raw}"`,
    );
  }
  return port;
}

import { createServer } from "node:net";
import { LOCAL_HOST } from "./constants.ts";
import { LocalStackError } from "./errors.ts";

/** A service that is about to listen, for checks and messages. */
export interface PortClaim {
  /** How the service is named in messages, e.g. "DynamoDB". */
  label: string;
  port: number;
  /** The variable that changes the port, named in the message when the port is taken. */
  portVariable?: string;
}

/** The one-line error for a port somebody else holds. */
export function portInUseError(claim: PortClaim, cause?: unknown): LocalStackError {
  const hint = claim.portVariable ? ` (set ${claim.portVariable} to use another port)` : "";
  return new LocalStackError(
    "PORT_IN_USE",
    `${claim.label} cannot start: port ${claim.port} on ${LOCAL_HOST} is already in use${hint}`,
    { service: claim.label, cause },
  );
}

/**
 * Checks that each fixed port can be bound, before anything starts, so a taken port fails fast
 * with nothing to clean up. Port 0 (any free port) needs no check. Two claims on one fixed port
 * are a configuration mistake and fail too. The start itself still maps EADDRINUSE, since another
 * process may take a port between this check and the listen.
 */
export async function assertPortsFree(claims: readonly PortClaim[]): Promise<void> {
  const seen = new Map<number, PortClaim>();
  for (const claim of claims) {
    if (claim.port === 0) continue;
    const other = seen.get(claim.port);
    if (other) {
      throw new LocalStackError(
        "INVALID_CONFIG",
        `${claim.label} and ${other.label} are both configured for port ${claim.port}`,
        { service: claim.label },
      );
    }
    seen.set(claim.port, claim);
    await assertPortFree(claim);
  }
}

async function assertPortFree(claim: PortClaim): Promise<void> {
  const probe = createServer();
  await new Promise<void>((resolve, reject) => {
    probe.once("error", (error: NodeJS.ErrnoException) => {
      reject(error.code === "EADDRINUSE" ? portInUseError(claim, error) : startError(claim, error));
    });
    probe.listen({ port: claim.port, host: LOCAL_HOST, exclusive: true }, () => {
      probe.close(() => resolve());
    });
  });
}

function startError(claim: PortClaim, error: Error): LocalStackError {
  return new LocalStackError(
    "START_FAILED",
    `${claim.label} cannot listen on ${LOCAL_HOST}:${claim.port}: ${error.message}`,
    { service: claim.label, cause: error },
  );
}

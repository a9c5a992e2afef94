import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { LOCAL_HOST } from "./constants.ts";
import { LocalStackError } from "./errors.ts";
import { type PortClaim, portInUseError } from "./ports.ts";

/** Listens on loopback; resolves with the bound port (the real one when asked for port 0). */
export function listenOnLoopback(server: Server, claim: PortClaim): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException) => {
      reject(
        error.code === "EADDRINUSE"
          ? portInUseError(claim, error)
          : new LocalStackError(
              "START_FAILED",
              `${claim.label} cannot listen on ${LOCAL_HOST}:${claim.port}: ${error.message}`,
              { service: claim.label, cause: error },
            ),
      );
    };
    server.once("error", onError);
    server.listen(claim.port, LOCAL_HOST, () => {
      server.off("error", onError);
      resolve(boundPort(server));
    });
  });
}

/** The port a listening server is bound to. */
export function boundPort(server: Server): number {
  return (server.address() as AddressInfo).port;
}

/**
 * Closes a server and waits for it. SDK clients keep connections alive, and a request in flight
 * would hold `close` open, so connections still open after a short grace period are cut.
 */
export function closeServer(server: Server, graceMs = 1_000): Promise<void> {
  if (!server.listening) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => server.closeAllConnections(), graceMs);
    timer.unref();
    server.close((error) => {
      clearTimeout(timer);
      if (error) reject(error);
      else resolve();
    });
    server.closeIdleConnections();
  });
}

import type { Server } from "node:http";
import { createRequire } from "node:module";
import { LOCAL_HOST, PortedServices } from "./constants.ts";
import { LocalStackError } from "./errors.ts";
import { boundPort, closeServer } from "./http-server.ts";
import { assertPortsFree } from "./ports.ts";

type StartSesServer = (config?: { host?: string; port?: number }) => Promise<Server>;

// aws-ses-v2-local is CommonJS with `exports.default`; require avoids loader-specific interop.
const { default: startSesServer } = createRequire(import.meta.url)("aws-ses-v2-local") as {
  default: StartSesServer;
};

/** A running SES v2 emulator; its web inbox is served from the same port. */
export interface RunningSes {
  /** The SES API endpoint (AWS_ENDPOINT_URL_SESV2). */
  url: string;
  /** The web inbox; `GET <inbox>store` returns sent mail as JSON. */
  inboxUrl: string;
  port: number;
  close(): Promise<void>;
}

/**
 * Starts aws-ses-v2-local on loopback (it binds `::` unless given a host).
 *
 * Its mail store is module state: two SES servers in one process share one inbox.
 */
export async function startSes(options: { port: number }): Promise<RunningSes> {
  const claim = { ...PortedServices.ses, port: options.port };
  const server = await startSesServer({ host: LOCAL_HOST, port: options.port });
  if (!server.listening) {
    // Its listen callback swallows the error and resolves anyway; probing names the cause.
    await assertPortsFree([claim]);
    throw new LocalStackError(
      "START_FAILED",
      `${claim.label} did not start on ${LOCAL_HOST}:${options.port}`,
      { service: claim.label },
    );
  }
  const port = boundPort(server);
  const url = `http://${LOCAL_HOST}:${port}`;
  return { url, inboxUrl: `${url}/`, port, close: () => closeServer(server) };
}

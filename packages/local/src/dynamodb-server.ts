import { mkdir } from "node:fs/promises";
import type { Server } from "node:http";
import { createRequire } from "node:module";
import { LOCAL_HOST, PortedServices } from "./constants.ts";
import { closeServer, listenOnLoopback } from "./http-server.ts";

/** The part of dynalite's options the stack uses (dynalite ships no types). */
interface DynaliteOptions {
  /** LevelDB directory; in memory when absent. */
  path?: string;
  createTableMs?: number;
  deleteTableMs?: number;
  updateTableMs?: number;
}

// dynalite is CommonJS with `module.exports = fn`; require says so plainly under every loader.
const dynalite = createRequire(import.meta.url)("dynalite") as (options: DynaliteOptions) => Server;

/** A running DynamoDB emulator. */
export interface RunningDynamoDb {
  url: string;
  port: number;
  close(): Promise<void>;
}

/**
 * Starts dynalite on loopback: in memory, or in `persistDir` (created if missing) so data
 * survives a restart.
 */
export async function startDynamoDb(options: {
  port: number;
  persistDir?: string;
}): Promise<RunningDynamoDb> {
  if (options.persistDir) await mkdir(options.persistDir, { recursive: true });
  const server = dynalite({
    ...(options.persistDir ? { path: options.persistDir } : {}),
    // AWS takes seconds to create a table; locally there is nothing to wait for.
    createTableMs: 0,
    deleteTableMs: 0,
    updateTableMs: 0,
  });
  const port = await listenOnLoopback(server, { ...PortedServices.dynamodb, port: options.port });
  return {
    url: `http://${LOCAL_HOST}:${port}`,
    port,
    // dynalite's close also closes its LevelDB, which must finish before the directory is reopened.
    close: () => closeServer(server),
  };
}

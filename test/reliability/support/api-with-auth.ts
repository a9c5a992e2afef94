/**
 * The signoff app with `/v1` auth switched on, over real HTTP on loopback: the same `createApp`
 * the stack serves, given the stack's dependencies and a test OIDC issuer (the local stack has
 * no issuer of its own yet), so API tests reach it with bearer tokens exactly as a dashboard
 * would.
 */
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { createAdaptorServer } from "@hono/node-server";
import type { FlowDeps } from "@signoff/core";
import { createApp } from "@signoff/functions";
import {
  type OidcIssuer,
  startOidcIssuer,
} from "../../../packages/functions/src/test-support/oidc-issuer.ts";

export interface ApiWithAuth {
  url: string;
  issuer: OidcIssuer;
  stop(): Promise<void>;
}

/** Starts the issuer and the app; call `stop()` when done. */
export async function startApiWithAuth(deps: FlowDeps): Promise<ApiWithAuth> {
  const issuer = await startOidcIssuer();
  const app = createApp(deps, { apiAuth: issuer.auth });
  const server = createAdaptorServer({ fetch: app.fetch }) as Server;
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    issuer,
    async stop() {
      await new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      });
      await issuer.stop();
    },
  };
}

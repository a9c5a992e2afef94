/**
 * The signoff HTTP API as one Hono app: the link pages, the `/v1` REST API and health. Lambda
 * serves it through `hono/aws-lambda`, the local stack through `@hono/node-server`; both call
 * `createApp`.
 */
import type { FlowDeps } from "@signoff/core";
import { Hono } from "hono";
import type { ApiAuthConfig } from "../config.ts";
import { createApiRoutes } from "./api/index.ts";
import { createLinkRoutes } from "./link-routes.ts";
import { renderProblemPage } from "./pages/approval-pages.ts";
import { pageSecurityHeaders } from "./security-headers.ts";

export interface AppOptions {
  /** Bearer-token auth for `/v1`; without it the API answers 503. */
  apiAuth?: ApiAuthConfig;
}

/** Builds the app around the flows' dependencies. */
export function createApp(deps: FlowDeps, options: AppOptions = {}): Hono {
  const app = new Hono();

  app.get("/health", (c) => c.json({ ok: true }));

  app.use("/a/*", pageSecurityHeaders);
  app.route("/a", createLinkRoutes(deps));

  // The API's routes carry their full `/v1/...` paths, so the OpenAPI document shows them.
  app.route("/", createApiRoutes(deps, options.apiAuth));

  app.notFound((c) => c.json({ title: "Not Found", status: 404 }, 404));

  // One place for the unexpected: log it (the logger redacts token-shaped text) and answer
  // without internals. Link pages get a page, everything else problem+json.
  app.onError((error, c) => {
    deps.log?.("error", "unhandled error", { path: c.req.routePath, error: error.name });
    if (c.req.path.startsWith("/a/")) {
      return c.html(
        renderProblemPage("Something went wrong", "Nothing was changed. Please try again shortly."),
        500,
      );
    }
    return c.json({ title: "Internal Server Error", status: 500 }, 500, {
      "Content-Type": "application/problem+json",
    });
  });

  return app;
}

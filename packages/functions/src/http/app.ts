/**
 * The signoff HTTP API as one Hono app: the link pages, the approver inbox, the `/v1` REST API
 * and health. Lambda serves it through `hono/aws-lambda`, the local stack through
 * `@hono/node-server`; both call `createApp`.
 */
import type { FlowDeps } from "@signoff/core";
import { type Context, Hono } from "hono";
import type { ApiAuthConfig } from "../config.ts";
import { createSlackRoutes, type SlackInteractions } from "../slack/slack-routes.ts";
import { ApiProblemError, problemResponse } from "./api/problem.ts";
import { createInboxRoutes } from "./inbox/index.ts";
import { createLinkRoutes } from "./link-routes.ts";
import { renderProblemPage, renderUncertainPage } from "./pages/approval-pages.ts";
import { pageSecurityHeaders } from "./security-headers.ts";

export interface AppOptions {
  /**
   * Bearer-token auth for `/v1` and sign-in for `/inbox` (with its login link); without it the
   * API answers 503 and the inbox says it is not set up.
   */
  apiAuth?: ApiAuthConfig;
  /** Slack's interactivity (`POST /slack/interactions`); without it every request there is 401. */
  slack?: SlackInteractions;
}

/** Builds the app around the flows' dependencies. */
export function createApp(deps: FlowDeps, options: AppOptions = {}): Hono {
  const app = new Hono();

  app.get("/health", (c) => c.json({ ok: true }));

  app.use("/a/*", pageSecurityHeaders);
  app.route("/a", createLinkRoutes(deps));

  app.use("/inbox", pageSecurityHeaders);
  app.use("/inbox/*", pageSecurityHeaders);
  app.route("/inbox", createInboxRoutes(deps, options.apiAuth));

  // Slack's clicks: signature-verified, no cookies, no pages.
  app.route("/slack", createSlackRoutes(deps, options.slack));

  // `/v1` is loaded on its first request (its own chunk in the bundle: zod and the OpenAPI
  // machinery), so a cold start that serves a link or the inbox never parses it. Its routes
  // carry their full `/v1/...` paths, so the OpenAPI document shows them.
  let api:
    | Promise<{ fetch(request: Request, env: unknown): Promise<Response> | Response }>
    | undefined;
  const loadApi = () => {
    api ??= import("./api/api-routes.ts").then(
      ({ createApiRoutes }) => createApiRoutes(deps, options.apiAuth).notFound(noRoute),
      (error: unknown) => {
        api = undefined; // a failed load is tried again by the next request
        throw error;
      },
    );
    return api;
  };
  app.all("/v1/*", async (c) => (await loadApi()).fetch(c.req.raw, c.env));

  // Unknown paths answer as the API does: problem+json, naming the path only by its shape.
  app.notFound(noRoute);

  // One place for the unexpected: log it (the logger redacts token-shaped text) and answer
  // without internals. Link and inbox pages get a page, everything else problem+json.
  app.onError((error, c) => {
    deps.log?.("error", "unhandled error", { path: c.req.routePath, error: error.name });
    if (isPagePath(c.req.path)) {
      // A GET changes nothing; a failed POST may have failed after its decision was stored, so
      // it must not claim otherwise: the link's page says what is recorded.
      const page =
        c.req.method === "POST"
          ? renderUncertainPage(
              "Something went wrong",
              "We could not confirm what happened to your decision. Open the link again: its page shows whether your decision was recorded.",
            )
          : renderProblemPage(
              "Something went wrong",
              "Nothing was changed. Please try again shortly.",
            );
      return c.html(page, 500);
    }
    return c.json({ title: "Internal Server Error", status: 500 }, 500, {
      "Content-Type": "application/problem+json",
    });
  });

  return app;
}

/** What a path no route matches gets, inside `/v1` or not. */
function noRoute(c: Context): Response {
  return problemResponse(c, new ApiProblemError("not-found", "No route matches this path."));
}

/** Paths people open in a browser, which get HTML errors rather than problem+json. */
function isPagePath(path: string): boolean {
  return path.startsWith("/a/") || path === "/inbox" || path.startsWith("/inbox/");
}

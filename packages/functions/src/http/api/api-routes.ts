/**
 * `/v1`: the REST API for dashboards and operators, over the same domain flows as the email
 * links (one decision path, one audit trail). Every error is problem+json from `onError`.
 */
import { OpenAPIHono } from "@hono/zod-openapi";
import {
  type Approval,
  decide,
  type FlowDeps,
  toApprovalView,
  verifyAuditChain,
} from "@signoff/core";
import { HTTPException } from "hono/http-exception";
import type { ApiAuthConfig } from "../../config.ts";
import { type ApiEnv, type Caller, createBearerAuth } from "./bearer-auth.ts";
import { toDecisionProblem } from "./decision-problem.ts";
import { ApiProblemError, PROBLEM_JSON, problemResponse, toProblem } from "./problem.ts";
import { getApprovalRoute, getEventsRoute, postDecisionRoute } from "./routes.ts";

/** The approval, if it exists and `caller` may read it (an approver of it, or an admin). */
async function readableApproval(deps: FlowDeps, id: string, caller: Caller): Promise<Approval> {
  const approval = await deps.store.get(id);
  if (approval === undefined) throw new ApiProblemError("not-found", "No approval has this id.");
  if (!caller.admin && !approval.approvers.includes(caller.email)) {
    throw new ApiProblemError("forbidden", "This approval is not addressed to you.");
  }
  return approval;
}

/** The `/v1` routes (full paths), to mount at the app's root. */
export function createApiRoutes(
  deps: FlowDeps,
  auth: ApiAuthConfig | undefined,
): OpenAPIHono<ApiEnv> {
  const api = new OpenAPIHono<ApiEnv>({
    // Failed validation of params or body: a 400 naming each issue's path, never its value.
    defaultHook: (result, c) => {
      if (result.success) return;
      const issues = result.error.issues.map((issue) => ({
        path: issue.path.join("."),
        message: issue.message,
      }));
      return c.json(
        toProblem("invalid-request", "The request does not match the schema.", { issues }),
        400,
        { "Content-Type": PROBLEM_JSON },
      );
    },
  });

  api.openAPIRegistry.registerComponent("securitySchemes", "bearer", {
    type: "http",
    scheme: "bearer",
    bearerFormat: "JWT",
  });
  api.use("/v1/approvals/*", createBearerAuth(auth));

  api.openapi(getApprovalRoute, async (c) => {
    const approval = await readableApproval(deps, c.req.valid("param").id, c.get("caller"));
    return c.json(toApprovalView(approval), 200);
  });

  api.openapi(postDecisionRoute, async (c) => {
    const { decision, comment } = c.req.valid("json");
    const result = await decide(deps, {
      approvalId: c.req.valid("param").id,
      approver: c.get("caller").email,
      decision,
      ...(comment === undefined ? {} : { comment }),
      channel: "api",
    });
    if (!result.ok) throw toDecisionProblem(result);
    return c.json({ decision: result.decision, approval: result.approval }, 201);
  });

  api.openapi(getEventsRoute, async (c) => {
    const { id } = c.req.valid("param");
    await readableApproval(deps, id, c.get("caller"));
    const events = await deps.store.listEvents(id);
    return c.json({ events, verification: verifyAuditChain(events) }, 200);
  });

  api.doc31("/v1/openapi.json", {
    openapi: "3.1.0",
    info: {
      title: "signoff API",
      version: "1.0.0",
      description: "Human approvals for AWS Step Functions: read, decide and audit approvals.",
    },
  });

  // The one error mapper: expected problems as they are, hono's own 4xx (malformed JSON, wrong
  // Content-Type) as a 400, anything else logged and answered without internals.
  api.onError((error, c) => {
    if (error instanceof ApiProblemError) return problemResponse(c, error);
    if (error instanceof HTTPException && error.status < 500) {
      return problemResponse(c, new ApiProblemError("invalid-request", error.message));
    }
    deps.log?.("error", "unhandled API error", { path: c.req.routePath, error: error.name });
    return c.json({ type: "about:blank", title: "Internal Server Error", status: 500 }, 500, {
      "Content-Type": PROBLEM_JSON,
    });
  });

  return api;
}

/**
 * `/v1`: the REST API for dashboards and operators, over the same domain flows as the email
 * links (one decision path, one audit trail). Every error is problem+json from `onError`.
 */
import { OpenAPIHono, type z } from "@hono/zod-openapi";
import {
  type Approval,
  type ApprovalQuery,
  decide,
  type FlowDeps,
  normalizeEmail,
  RESEND_COOLDOWN_SECONDS,
  replayWebhooks,
  resendApproval,
  toApprovalView,
  verifyAuditChain,
  type WebhookDelivery,
} from "@signoff/core";
import { bodyLimit } from "hono/body-limit";
import { HTTPException } from "hono/http-exception";
import { ApprovalStoreError } from "../../adapters/errors.ts";
import type { ApiAuthConfig } from "../../config.ts";
import { type ApiEnv, type Caller, createBearerAuth } from "./bearer-auth.ts";
import { toDecisionProblem } from "./decision-problem.ts";
import { ApiProblemError, PROBLEM_JSON, problemResponse, toProblem } from "./problem.ts";
import {
  getApprovalRoute,
  getEventsRoute,
  getWebhooksRoute,
  listApprovalsRoute,
  postDecisionRoute,
  replayWebhooksRoute,
  resendRoute,
} from "./routes.ts";
import type { ListQuerySchema } from "./schemas.ts";

/** The approval, if it exists and `caller` may read it (an approver of it, or an admin). */
async function readableApproval(deps: FlowDeps, id: string, caller: Caller): Promise<Approval> {
  const approval = await deps.store.get(id);
  if (approval === undefined) throw new ApiProblemError("not-found", "No approval has this id.");
  if (!caller.admin && !approval.approvers.includes(caller.email)) {
    throw new ApiProblemError("forbidden", "This approval is not addressed to you.");
  }
  return approval;
}

/** The approval, if it exists and `caller` is an admin (webhooks are the deployment's business). */
async function adminApproval(deps: FlowDeps, id: string, caller: Caller): Promise<Approval> {
  if (!caller.admin) {
    throw new ApiProblemError("forbidden", "Only an admin may see or replay webhook deliveries.");
  }
  return readableApproval(deps, id, caller);
}

/** A delivery as `/v1` shows it: no body (the dashboard has it), no URL query strings. */
function toWebhookView(delivery: WebhookDelivery) {
  return {
    webhookId: delivery.webhookId,
    type: delivery.type,
    state: delivery.state,
    attempts: delivery.attempts,
    replays: delivery.replays ?? 0,
    urls: delivery.urls.map((url, index) => ({
      url: withoutQuery(url),
      delivered: delivery.delivered.includes(index),
    })),
    ...(delivery.state === "PENDING" && delivery.dueAt !== undefined
      ? { nextAttemptAt: new Date(delivery.dueAt).toISOString() }
      : {}),
    ...(delivery.lastError !== undefined ? { lastError: delivery.lastError } : {}),
    createdAt: delivery.createdAt,
  };
}

function withoutQuery(raw: string): string {
  try {
    const url = new URL(raw);
    return `${url.origin}${url.pathname}${url.search === "" ? "" : "?…"}`;
  } catch {
    return "(not a URL)";
  }
}

/** The largest `/v1` request body: a decision with the longest comment fits many times over. */
export const MAX_API_BODY_BYTES = 64 * 1024;

/**
 * The store query for a listing: `approver=me` is the caller, and only an admin may leave the
 * approver out (everyone's) or name someone else.
 */
function toApprovalQuery(query: z.infer<typeof ListQuerySchema>, caller: Caller): ApprovalQuery {
  const named =
    query.approver === undefined || query.approver === "me"
      ? undefined
      : normalizeEmail(query.approver);
  if (named !== undefined && named !== caller.email && !caller.admin) {
    throw new ApiProblemError("forbidden", "Only an admin may list another approver's approvals.");
  }
  const approver =
    query.approver === "me" || (query.approver === undefined && !caller.admin)
      ? caller.email
      : named;
  return {
    limit: query.limit,
    ...(query.status === undefined ? {} : { status: query.status }),
    ...(approver === undefined ? {} : { approver }),
    ...(query.execution === undefined ? {} : { executionArn: query.execution }),
    ...(query.tag === undefined ? {} : { tag: query.tag }),
    ...(query.cursor === undefined ? {} : { cursor: query.cursor }),
  };
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
  // Every /v1 body is a small JSON object; a bigger one is refused before it is read whole.
  api.use(
    "/v1/*",
    bodyLimit({
      maxSize: MAX_API_BODY_BYTES,
      onError: (c) =>
        problemResponse(
          c,
          new ApiProblemError(
            "payload-too-large",
            `Bodies are at most ${MAX_API_BODY_BYTES} bytes.`,
          ),
        ),
    }),
  );
  api.use("/v1/approvals/*", createBearerAuth(auth));

  api.openapi(listApprovalsRoute, async (c) => {
    const query = toApprovalQuery(c.req.valid("query"), c.get("caller"));
    try {
      const page = await deps.store.listApprovals(query);
      return c.json(
        {
          approvals: page.approvals.map(toApprovalView),
          ...(page.cursor === undefined ? {} : { nextCursor: page.cursor }),
        },
        200,
      );
    } catch (error) {
      if (error instanceof ApprovalStoreError && error.code === "invalid-cursor") {
        throw new ApiProblemError("invalid-request", "The cursor does not belong to this listing.");
      }
      throw error;
    }
  });

  api.openapi(getApprovalRoute, async (c) => {
    const approval = await readableApproval(deps, c.req.valid("param").id, c.get("caller"));
    return c.json(toApprovalView(approval), 200);
  });

  api.openapi(postDecisionRoute, async (c) => {
    const { decision, comment, response } = c.req.valid("json");
    const idempotencyKey = c.req.valid("header")["idempotency-key"];
    const result = await decide(deps, {
      approvalId: c.req.valid("param").id,
      approver: c.get("caller").email,
      decision,
      ...(comment === undefined ? {} : { comment }),
      ...(response === undefined ? {} : { response }),
      ...(idempotencyKey === undefined ? {} : { idempotencyKey }),
      channel: "api",
    });
    if (!result.ok) throw toDecisionProblem(result);
    return c.json(
      { decision: result.decision, approval: result.approval },
      201,
      result.replayed ? { "Idempotent-Replayed": "true" } : {},
    );
  });

  api.openapi(resendRoute, async (c) => {
    const { id } = c.req.valid("param");
    const caller = c.get("caller");
    await readableApproval(deps, id, caller);
    const result = await resendApproval(deps, { approvalId: id, actor: caller.email });
    if (result.ok) return c.json({ resent: result.resent, failed: result.failed }, 202);
    if (result.reason === "not-found") {
      throw new ApiProblemError("not-found", "No approval has this id.");
    }
    if (result.reason === "too-soon") {
      throw new ApiProblemError(
        "too-many-requests",
        `This approval was resent less than ${RESEND_COOLDOWN_SECONDS} seconds ago.`,
        {
          extra: { retryAfterSeconds: result.retryAfterSeconds },
          headers: { "Retry-After": String(result.retryAfterSeconds) },
        },
      );
    }
    throw new ApiProblemError(
      "conflict",
      result.reason === "expired"
        ? "The approval's deadline has passed."
        : "The approval is no longer pending.",
      { extra: { approvalStatus: result.approval.status } },
    );
  });

  api.openapi(getEventsRoute, async (c) => {
    const { id } = c.req.valid("param");
    await readableApproval(deps, id, c.get("caller"));
    const events = await deps.store.listEvents(id);
    return c.json({ events, verification: verifyAuditChain(events) }, 200);
  });

  api.openapi(getWebhooksRoute, async (c) => {
    const { id } = c.req.valid("param");
    await adminApproval(deps, id, c.get("caller"));
    const deliveries = (await deps.webhooks?.outbox.listWebhooks(id)) ?? [];
    return c.json({ webhooks: deliveries.map(toWebhookView) }, 200);
  });

  api.openapi(replayWebhooksRoute, async (c) => {
    const { id } = c.req.valid("param");
    const caller = c.get("caller");
    await adminApproval(deps, id, caller);
    const result = await replayWebhooks(deps, { approvalId: id, actor: caller.email });
    if (!result.ok) {
      throw new ApiProblemError("conflict", "Webhooks are off in this deployment.");
    }
    return c.json({ requeued: result.requeued }, 202);
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

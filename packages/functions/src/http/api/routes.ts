/**
 * The `/v1` route definitions: paths, parameters, bodies and every response, for both the
 * validators and the OpenAPI document.
 */
import { createRoute, type z } from "@hono/zod-openapi";
import { PROBLEM_JSON } from "./problem.ts";
import { ProblemSchema } from "./problem-schema.ts";
import {
  ApprovalIdParams,
  ApprovalListSchema,
  ApprovalSchema,
  DecisionBodySchema,
  DecisionCreatedSchema,
  EventsSchema,
  IdempotencyHeaders,
  ListQuerySchema,
  ResendSchema,
  WebhookReplaySchema,
  WebhooksSchema,
} from "./schemas.ts";

function json<T extends z.ZodType>(schema: T, description: string) {
  return { description, content: { "application/json": { schema } } };
}

function problem(description: string) {
  return { description, content: { [PROBLEM_JSON]: { schema: ProblemSchema } } };
}

const authProblems = {
  400: problem("The request is not valid."),
  401: problem("No bearer token, or not a valid one."),
  404: problem("No approval has this id."),
  503: problem("The API's auth is not configured."),
} as const;

const security = [{ bearer: [] }];

export const listApprovalsRoute = createRoute({
  method: "get",
  path: "/v1/approvals",
  summary: "Approvals newest first, by status, approver, execution or tag, a page at a time",
  security,
  request: { query: ListQuerySchema },
  responses: {
    200: json(ApprovalListSchema, "A page; `nextCursor` is present when more may follow."),
    400: problem("A filter or the cursor is not valid."),
    401: problem("No bearer token, or not a valid one."),
    403: problem("Only an admin may list another approver's approvals."),
    503: problem("The API's auth is not configured."),
  },
});

export const getApprovalRoute = createRoute({
  method: "get",
  path: "/v1/approvals/{id}",
  summary: "An approval: its context, decisions, deadline, outcome and callback state",
  security,
  request: { params: ApprovalIdParams },
  responses: {
    200: json(ApprovalSchema, "The approval."),
    ...authProblems,
    403: problem("The caller is neither one of its approvers nor an admin."),
  },
});

export const postDecisionRoute = createRoute({
  method: "post",
  path: "/v1/approvals/{id}/decisions",
  summary: "Decide as the authenticated approver (the same rules as the email links)",
  security,
  request: {
    params: ApprovalIdParams,
    headers: IdempotencyHeaders,
    body: { required: true, content: { "application/json": { schema: DecisionBodySchema } } },
  },
  responses: {
    201: {
      ...json(
        DecisionCreatedSchema,
        "The decision is recorded (or, with `Idempotent-Replayed: true`, was by an earlier call with the same Idempotency-Key).",
      ),
      headers: {
        "Idempotent-Replayed": {
          description: "`true` when an earlier call with this Idempotency-Key recorded it.",
          schema: { type: "string", enum: ["true"] },
        },
      },
    },
    ...authProblems,
    400: problem(
      "The body does not match the schema, or `response` does not fit the approval's form (one issue per field, path `response.<name>`); nothing was recorded.",
    ),
    403: problem("Not an approver of this request, or approving one's own request."),
    409: problem("Already decided by this approver, expired, or no longer pending."),
    422: problem("The Idempotency-Key was used for a different decision or comment."),
  },
});

export const resendRoute = createRoute({
  method: "post",
  path: "/v1/approvals/{id}/resend",
  summary: "Email the approvers who have not decided again, with fresh links",
  security,
  request: { params: ApprovalIdParams },
  responses: {
    202: json(ResendSchema, "Who was emailed, and whose email SES refused."),
    ...authProblems,
    403: problem("The caller is neither one of its approvers nor an admin."),
    409: problem("The approval is no longer pending, or its deadline has passed."),
    429: problem("Resent less than 5 minutes ago; `Retry-After` says when it may be again."),
  },
});

export const getEventsRoute = createRoute({
  method: "get",
  path: "/v1/approvals/{id}/events",
  summary: "The hash-chained audit trail, with the result of verifying it",
  security,
  request: { params: ApprovalIdParams },
  responses: {
    200: json(EventsSchema, "The trail, oldest first."),
    ...authProblems,
    403: problem("The caller is neither one of its approvers nor an admin."),
  },
});

export const getWebhooksRoute = createRoute({
  method: "get",
  path: "/v1/approvals/{id}/webhooks",
  summary: "The approval's webhook messages and how their delivery went (admins)",
  security,
  request: { params: ApprovalIdParams },
  responses: {
    200: json(WebhooksSchema, "Every message queued for the approval, oldest first."),
    ...authProblems,
    403: problem("The caller is not an admin."),
  },
});

export const replayWebhooksRoute = createRoute({
  method: "post",
  path: "/v1/approvals/{id}/webhooks/replay",
  summary: "Send the approval's given-up webhook messages again (admins)",
  security,
  request: { params: ApprovalIdParams },
  responses: {
    202: json(
      WebhookReplaySchema,
      "The given-up messages put back for a fresh round of attempts (none when nothing gave up); the sweeper sends them.",
    ),
    ...authProblems,
    403: problem("The caller is not an admin."),
    409: problem("Webhooks are off in this deployment."),
  },
});

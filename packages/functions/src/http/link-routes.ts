/**
 * `/a/{link}`: the pages behind the links in approval emails. GET and HEAD only show (mail
 * scanners open every link); only the confirmation page's form POST decides.
 */
import {
  type ApprovalPage,
  type ApprovalView,
  type DecideByLinkResult,
  type DecisionKind,
  decideByLink,
  type FlowDeps,
  isRequester,
  viewApproval,
} from "@signoff/core";
import { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import {
  renderAlreadyDecidedPage,
  renderCancelledPage,
  renderConfirmPage,
  renderExpiredPage,
  renderInvalidLinkPage,
  renderProblemPage,
  renderRecordedPage,
} from "./pages/approval-pages.ts";
import { readFormValues } from "./pages/form-fields.ts";
import type { Html } from "./pages/layout.ts";

interface PageResponse {
  status: 200 | 400 | 403 | 404 | 410;
  body: Html;
}

/** A settled approval's page: expired and cancelled say so, others show who decided what. */
function settledPage(approval: ApprovalView, approver: string): PageResponse {
  if (approval.status === "EXPIRED") return { status: 410, body: renderExpiredPage(approval) };
  if (approval.status === "CANCELLED") return { status: 410, body: renderCancelledPage(approval) };
  return { status: 200, body: renderAlreadyDecidedPage(approval, approver) };
}

function pageForView(page: ApprovalPage): PageResponse {
  switch (page.kind) {
    case "confirm":
      return { status: 200, body: renderConfirmPage(page) };
    case "decided":
      return settledPage(page.approval, page.approver);
    case "expired":
      return { status: 410, body: renderExpiredPage(page.approval) };
    case "cancelled":
      return { status: 410, body: renderCancelledPage(page.approval) };
    case "invalid":
      return { status: 404, body: renderInvalidLinkPage() };
  }
}

const REOPEN = "Open the link from the email again to get a fresh page.";

/**
 * The largest decision form accepted: the comment's 1,000 characters and a response form's
 * answers (at most 2,048 bytes once stored) in UTF-8, URL-encoded, with room.
 */
const MAX_FORM_BYTES = 32 * 1024;

/** What was posted, to show again on a page that refuses the answers. */
interface Posted {
  decision: DecisionKind;
  formNonce: string;
  values: Record<string, string>;
  comment?: string;
}

function pageForDecision(result: DecideByLinkResult, posted: Posted): PageResponse {
  if (result.ok) return { status: 200, body: renderRecordedPage(result.approval, result.decision) };
  switch (result.reason) {
    case "invalid-response":
      // The same page again, filled in as sent, naming what was wrong; nothing was recorded.
      return {
        status: 400,
        body: renderConfirmPage({
          approval: result.approval,
          approver: result.approver,
          action: posted.decision,
          formNonce: posted.formNonce,
          canApprove: !isRequester(result.approval.requestedBy, result.approver),
          values: posted.values,
          problems: result.problems,
          ...(posted.comment !== undefined && { comment: posted.comment }),
        }),
      };
    case "invalid-link":
    case "not-found":
    case "not-an-approver":
      return { status: 404, body: renderInvalidLinkPage() };
    case "invalid-form":
      return { status: 400, body: renderProblemPage("This form is not valid", REOPEN) };
    case "form-expired":
      return { status: 400, body: renderProblemPage("This page was open too long", REOPEN) };
    case "self-approval":
      return {
        status: 403,
        body: renderProblemPage(
          "You cannot approve your own request",
          "You asked for this approval, so someone else must approve it. You may still reject it.",
          result.approval,
        ),
      };
    case "expired":
      return { status: 410, body: renderExpiredPage(result.approval) };
    case "already-decided":
    case "not-pending":
    // Links carry no idempotency key, so this cannot happen here; it reads as already decided.
    case "idempotency-key-reused":
      return settledPage(result.approval, result.approver);
  }
}

/** Reads a form field as text; repeated or file fields count as missing. */
function formText(body: Record<string, unknown>, name: string): string | undefined {
  const value = body[name];
  return typeof value === "string" ? value : undefined;
}

/** The link routes, mounted at `/a`. */
export function createLinkRoutes(deps: FlowDeps): Hono {
  const routes = new Hono();

  // Hono answers HEAD with this GET handler (body dropped); a HEAD is not a view.
  routes.get("/:link", async (c) => {
    const page = await viewApproval(deps, c.req.param("link"), {
      recordView: c.req.method !== "HEAD",
    });
    const { status, body } = pageForView(page);
    return c.html(body, status);
  });

  // A decision form is three short fields and a comment; anything far bigger is not ours.
  routes.post(
    "/:link",
    bodyLimit({
      maxSize: MAX_FORM_BYTES,
      onError: (c) => c.html(renderProblemPage("This form is too large", REOPEN), 413),
    }),
    async (c) => {
      const form = await c.req.parseBody();
      const decision = formText(form, "decision");
      const formNonce = formText(form, "nonce");
      if ((decision !== "approve" && decision !== "reject") || formNonce === undefined) {
        return c.html(renderProblemPage("Choose Approve or Reject on the page", REOPEN), 400);
      }
      const comment = formText(form, "comment")?.trim();
      const values = readFormValues(form);
      const result = await decideByLink(deps, {
        linkToken: c.req.param("link"),
        formNonce,
        decision,
        ...(comment ? { comment } : {}),
        response: values,
      });
      const { status, body } = pageForDecision(result, {
        decision,
        formNonce,
        values,
        ...(comment ? { comment } : {}),
      });
      return c.html(body, status);
    },
  );

  return routes;
}

/**
 * `/inbox`: the approver's own list of approvals waiting on them, decided from one page. Sign-in
 * is a bearer token from the same OIDC provider `/v1` trusts, kept in an HttpOnly cookie and
 * re-verified on every request; decisions go through the same `decide` flow as links and the API
 * (quorum, veto, self-approval, exactly once), with `channel: "inbox"`.
 */
import { type ApprovalView, decide, type FlowDeps, toApprovalView } from "@signoff/core";
import { type Context, Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import type { ApiAuthConfig } from "../../config.ts";
import { type CallerVerifier, createCallerVerifier } from "../api/bearer-auth.ts";
import { renderProblemPage } from "../pages/approval-pages.ts";
import { readFormValues } from "../pages/form-fields.ts";
import {
  describeFlash,
  FlashCode,
  flashForDecision,
  flashForNonce,
  parseFlashCode,
} from "./inbox-flash.ts";
import { signInboxNonce, verifyInboxNonce } from "./inbox-form-nonce.ts";
import {
  type InboxItem,
  renderInboxPage,
  renderInboxUnavailablePage,
  renderSignInPage,
} from "./inbox-pages.ts";
import {
  endSession,
  type InboxSession,
  parsePastedToken,
  readSession,
  startSession,
  verifySessionToken,
} from "./inbox-session.ts";

/** The largest inbox form accepted: a pasted token, or a decision with its comment. */
const MAX_INBOX_FORM_BYTES = 32 * 1024;

/** The most approvals one page lists; the rest show once these are decided. */
export const INBOX_PAGE_SIZE = 50;

/** Reads a form field as text; repeated or file fields count as missing. */
function formText(body: Record<string, unknown>, name: string): string | undefined {
  const value = body[name];
  return typeof value === "string" ? value : undefined;
}

/** Back to the list, with what happened; 303 so a reload does not repost the form. */
function redirectWithFlash(c: Context, code: FlashCode, approvalId?: string): Response {
  const query = new URLSearchParams({ flash: code, ...(approvalId && { id: approvalId }) });
  return c.redirect(`/inbox?${query}`, 303);
}

/** The approval a flash names, only when it is addressed to the caller. */
async function flashApproval(
  deps: FlowDeps,
  session: InboxSession,
  id: string | undefined,
): Promise<ApprovalView | undefined> {
  if (id === undefined || !/^[a-z2-7]{26}$/.test(id)) return undefined;
  const approval = await deps.store.get(id);
  return approval?.approvers.includes(session.caller.email) ? toApprovalView(approval) : undefined;
}

/** The approvals waiting on the session's approver, each with a form bound to this session. */
async function listItems(deps: FlowDeps, session: InboxSession): Promise<InboxItem[]> {
  const page = await deps.store.listApprovals({
    approver: session.caller.email,
    status: "PENDING",
    limit: INBOX_PAGE_SIZE,
  });
  return Promise.all(
    page.approvals.map(async (approval) => ({
      approval: toApprovalView(approval),
      formNonce: await signInboxNonce(deps, session, approval),
    })),
  );
}

/** The inbox routes, mounted at `/inbox`. Without `auth` they only say the inbox is not set up. */
export function createInboxRoutes(deps: FlowDeps, auth: ApiAuthConfig | undefined): Hono {
  const routes = new Hono();
  if (auth === undefined) {
    routes.all("*", (c) => c.html(renderInboxUnavailablePage(), 503));
    return routes;
  }
  const verify: CallerVerifier = createCallerVerifier(auth);
  // Its forms are a token or a decision with a comment; anything far bigger is not ours.
  routes.use(
    "*",
    bodyLimit({
      maxSize: MAX_INBOX_FORM_BYTES,
      onError: (c) => c.html(signIn({ tone: "problem", text: "That form is too large." }), 413),
    }),
  );
  const signIn = (flash?: Parameters<typeof renderSignInPage>[0]["flash"]) =>
    renderSignInPage({
      ...(auth.inboxLoginUrl && { loginUrl: auth.inboxLoginUrl }),
      ...(flash && { flash }),
    });

  routes.get("/", async (c) => {
    // 1. Who is asking; a session that no longer verifies is cleared and says so.
    const lookup = await readSession(c, verify);
    const code = parseFlashCode(c.req.query("flash"));
    if (!lookup.ok) {
      if (lookup.reason === "ended") {
        endSession(c);
        return c.html(
          signIn({ tone: "problem", text: "Your session has ended. Please sign in again." }),
          401,
        );
      }
      return c.html(
        signIn(code === FlashCode.signedOut ? describeFlash(code, undefined) : undefined),
      );
    }
    const { session } = lookup;

    // 2. The approvals waiting on them, each with a form bound to this session.
    const items = await listItems(deps, session);

    // 3. What the last action did, if the redirect said.
    const flash =
      code && describeFlash(code, await flashApproval(deps, session, c.req.query("id")));
    return c.html(renderInboxPage({ email: session.caller.email, items, ...(flash && { flash }) }));
  });

  // A provider's login page (the local dev issuer's) posts sign-in from its own origin, so the
  // session forms carry no nonce; instead a browser must say the post came from signoff's own page
  // or from that login page, so no other site can sign a visitor in as someone else, or out.
  const loginOrigin = auth.inboxLoginUrl && new URL(auth.inboxLoginUrl).origin;
  const fromTrustedPage = (c: Context): boolean => {
    const site = c.req.header("Sec-Fetch-Site");
    const origin = c.req.header("Origin");
    // Not a browser: nothing to forge a visitor's session with.
    if (site === undefined && origin === undefined) return true;
    // Our own sign-in page: its no-referrer policy makes the browser send `Origin: null`.
    if (site === "same-origin") return true;
    return origin === new URL(c.req.url).origin || (origin !== undefined && origin === loginOrigin);
  };
  routes.post("/session", async (c) => {
    if (!fromTrustedPage(c)) {
      return c.html(
        signIn({ tone: "problem", text: "Sign in from this page or from your login page." }),
        403,
      );
    }
    const token = parsePastedToken(formText(await c.req.parseBody(), "token"));
    const caller = token === undefined ? undefined : await verifySessionToken(verify, token);
    if (token === undefined || caller === undefined) {
      return c.html(
        signIn({
          tone: "problem",
          text: "That token is not valid here: it may have expired, or be meant for another service.",
        }),
        401,
      );
    }
    startSession(c, token, deps.clock());
    return c.redirect("/inbox", 303);
  });

  routes.post("/session/end", (c) => {
    if (!fromTrustedPage(c)) {
      return c.html(
        renderProblemPage(
          "Not signed out",
          "Sign out from your inbox page, not from another site.",
        ),
        403,
      );
    }
    endSession(c);
    return redirectWithFlash(c, FlashCode.signedOut);
  });

  routes.post("/approvals/:id/decision", async (c) => {
    const approvalId = c.req.param("id");
    // 1. Signed in, still: otherwise back to the list, which offers sign-in.
    const lookup = await readSession(c, verify);
    if (!lookup.ok) return c.redirect("/inbox", 303);
    const { session } = lookup;

    // 2. The form: a decision, and a nonce from this session's page for this approval.
    const form = await c.req.parseBody();
    const decision = formText(form, "decision");
    const nonce = formText(form, "nonce");
    if ((decision !== "approve" && decision !== "reject") || nonce === undefined) {
      return redirectWithFlash(c, FlashCode.invalidForm);
    }
    const checked = await verifyInboxNonce(deps, session, approvalId, nonce);
    if (!checked.ok) return redirectWithFlash(c, flashForNonce(checked));

    // 3. The same flow as links and the API.
    const comment = formText(form, "comment")?.trim();
    const values = readFormValues(form);
    const result = await decide(deps, {
      approvalId,
      approver: session.caller.email,
      decision,
      channel: "inbox",
      ...(comment ? { comment } : {}),
      response: values,
      responseFromPage: true,
    });
    if (!result.ok && result.reason === "invalid-response") {
      // 4. Refused answers: the list again, this approval's form filled in as sent and naming
      // what was wrong (a redirect could carry neither); nothing was recorded.
      const items = (await listItems(deps, session)).map((item) =>
        item.approval.id === approvalId
          ? { ...item, refused: { values, problems: result.problems } }
          : item,
      );
      const flash = describeFlash(FlashCode.invalidResponse, result.approval);
      return c.html(renderInboxPage({ email: session.caller.email, items, flash }), 400);
    }
    return redirectWithFlash(c, flashForDecision(result, decision), approvalId);
  });

  return routes;
}

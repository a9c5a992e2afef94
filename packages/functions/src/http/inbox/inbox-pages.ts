/**
 * The inbox's pages: the list of approvals waiting on the signed-in approver, each with its own
 * decision form, and the sign-in page. Every value from a request or a person is escaped by
 * `html`; the forms carry a nonce and never anything about the task token.
 */
import { type ApprovalView, fieldsFor, isRequester, type ResponseProblem } from "@signoff/core";
import { html } from "hono/html";
import { formatTime } from "../pages/approval-pages.ts";
import { renderFields } from "../pages/details.ts";
import { renderFormFields, renderProblemSummary } from "../pages/form-fields.ts";
import { type Html, renderLayout } from "../pages/layout.ts";

/** One approval on the page, with its form's nonce. */
export interface InboxItem {
  approval: ApprovalView;
  formNonce: string;
  /** After refused answers for this approval: what was sent, and what was wrong. */
  refused?: { values: Record<string, string>; problems: readonly ResponseProblem[] };
}

export interface InboxPageInput {
  email: string;
  items: readonly InboxItem[];
  flash?: { text: string; tone: "ok" | "problem" };
}

function renderFlash(flash: InboxPageInput["flash"]): Html {
  if (!flash) return html``;
  return html`<p class="flash${flash.tone === "problem" ? " problem" : ""}" role="status">${flash.text}</p>`;
}

function renderItem({ approval, formNonce, refused }: InboxItem, email: string): Html {
  const required = approval.policy.required;
  const own = approval.decisions[email];
  const approved = Object.values(approval.decisions).filter((d) => d.decision === "approve").length;
  const canApprove = !isRequester(approval.requestedBy, email);
  const form = own
    ? html`<p class="note">You ${own.decision === "approve" ? "approved" : "rejected"} this on ${formatTime(own.at)}; it is waiting for others.</p>`
    : html`${refused ? renderProblemSummary(approval.form, refused.problems) : ""}<form method="post" action="/inbox/approvals/${approval.id}/decision">
<input type="hidden" name="nonce" value="${formNonce}">
${renderFormFields({
  form: canApprove ? approval.form : fieldsFor(approval.form, "reject"),
  idPrefix: `field-${approval.id}`,
  ...(refused && { values: refused.values, problems: refused.problems }),
})}
<label for="comment-${approval.id}">Comment (optional)</label>
<textarea id="comment-${approval.id}" name="comment" maxlength="1000"></textarea>
<div class="actions">
${canApprove ? html`<button type="submit" name="decision" value="approve" class="approve">Approve</button>` : html``}
<button type="submit" name="decision" value="reject" class="reject"${approval.form ? html` formnovalidate` : ""}>Reject</button>
</div>
${canApprove ? html`` : html`<p class="note">You requested this, so you may reject it but not approve it.</p>`}
</form>`;
  return html`<article>
<h2>${approval.subject}</h2>
<dl>
<dt>Requested by</dt><dd>${approval.requestedBy ?? "(not given)"}</dd>
<dt>Requested</dt><dd>${formatTime(approval.createdAt)}</dd>
<dt>Deadline</dt><dd>${formatTime(approval.deadline)}</dd>
<dt>Approvals</dt><dd>${approved} of ${required} needed; any rejection is final</dd>
</dl>
${renderFields(approval.details)}
${renderFields(approval.context)}
${form}
</article>`;
}

/** The signed-in inbox: approvals waiting on `email`, newest first. */
export function renderInboxPage({ email, items, flash }: InboxPageInput): Html {
  return renderLayout(
    "Your approvals",
    html`<div class="bar"><p class="note">Signed in as ${email}</p>
<form method="post" action="/inbox/session/end"><button type="submit" class="plain">Sign out</button></form></div>
${renderFlash(flash)}
<h1>Waiting for you: ${items.length}</h1>
${items.length === 0 ? html`<p>Nothing is waiting for your decision.</p>` : items.map((item) => renderItem(item, email))}`,
  );
}

export interface SignInPageInput {
  /** The provider's login page, when configured. */
  loginUrl?: string;
  flash?: InboxPageInput["flash"];
}

/** The page for someone not signed in: the provider's login, or paste a token. */
export function renderSignInPage({ loginUrl, flash }: SignInPageInput): Html {
  return renderLayout(
    "Sign in",
    html`<h1>Sign in to see your approvals</h1>
${renderFlash(flash)}
${loginUrl ? html`<p><a href="${loginUrl}">Sign in with your identity provider</a></p>` : html``}
<form method="post" action="/inbox/session">
<label for="token">${loginUrl ? "Or paste" : "Paste"} a bearer token (the one you use for the API)</label>
<textarea id="token" name="token" required autocomplete="off" spellcheck="false"></textarea>
<div class="actions"><button type="submit" class="approve">Sign in</button></div>
</form>
<p class="note">Your session ends when the token expires. It is kept in a cookie only this inbox receives.</p>`,
  );
}

/** The page when no identity provider is configured: nobody can sign in. */
export function renderInboxUnavailablePage(): Html {
  return renderLayout(
    "Inbox unavailable",
    html`<h1>The inbox is not set up</h1>
<p>Signing in needs an identity provider: set SIGNOFF_OIDC_ISSUER, SIGNOFF_OIDC_AUDIENCE and SIGNOFF_OIDC_JWKS_URL.</p>
<p class="note">The links in approval emails still work.</p>`,
  );
}

/**
 * The link pages: the confirmation page a GET shows, the page after a POST, and the plain
 * pages for links that can no longer decide anything. Every value from a request or a person
 * is escaped by `html`.
 */
import {
  type ApprovalView,
  type Decision,
  type DecisionKind,
  evaluatePolicy,
  fieldsFor,
  listDecisionsInOrder,
  type OnTimeout,
  type ResponseForm,
  type ResponseProblem,
} from "@signoff/core";
import { html } from "hono/html";
import { renderFields } from "./details.ts";
import { describeResponse, renderFormFields, renderProblemSummary } from "./form-fields.ts";
import { type Html, renderLayout } from "./layout.ts";

const ON_TIMEOUT_TEXT: Record<OnTimeout, string> = {
  fail: "the request fails as timed out",
  reject: "the request is rejected",
  approve: "the request is approved",
};

const STATUS_TEXT: Record<ApprovalView["status"], string> = {
  PENDING: "waiting for decisions",
  APPROVED: "approved",
  REJECTED: "rejected",
  EXPIRED: "expired: the deadline passed",
  CANCELLED: "cancelled: no longer needed",
};

const DECISION_TEXT: Record<DecisionKind, string> = { approve: "Approved", reject: "Rejected" };

/** Formats an ISO timestamp for people: `2026-11-21 14:05 UTC`. */
export function formatTime(iso: string): string {
  return `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;
}

function renderDecisions(decisions: Decision[], form?: ResponseForm): Html {
  if (decisions.length === 0) return html`<p class="note">No decisions yet.</p>`;
  const answers = decisions.some((d) => d.response !== undefined);
  return html`<table>
<thead><tr><th>Who</th><th>Decision</th><th>When</th><th>Comment</th>${answers ? html`<th>Answers</th>` : ""}</tr></thead>
<tbody>${decisions.map(
    (d) =>
      html`<tr><td>${d.approver}</td><td>${DECISION_TEXT[d.decision]}</td><td>${formatTime(d.at)}</td><td>${d.comment ?? ""}</td>${answers ? html`<td>${describeResponse(form, d.response)}</td>` : ""}</tr>`,
  )}</tbody></table>`;
}

function renderSummary(approval: ApprovalView): Html {
  const required = approval.policy.required;
  return html`<dl>
<dt>Requested by</dt><dd>${approval.requestedBy ?? "(not given)"}</dd>
<dt>Approvers</dt><dd>${approval.approvers.join(", ")}</dd>
<dt>Needed</dt><dd>${required} approval${required === 1 ? "" : "s"}; any rejection is final</dd>
<dt>Deadline</dt><dd>${formatTime(approval.deadline)}; if undecided by then, ${ON_TIMEOUT_TEXT[approval.onTimeout]}</dd>
<dt>Status</dt><dd class="status">${STATUS_TEXT[approval.status]}</dd>
</dl>`;
}

export interface ConfirmPageInput {
  approval: ApprovalView;
  approver: string;
  /** The button the email link came from; the page still offers both. */
  action: DecisionKind;
  formNonce: string;
  /** False for the requester, who may reject their own request but not approve it. */
  canApprove: boolean;
  /** After refused answers: what was sent (to fill the inputs in again), and what was wrong. */
  values?: Record<string, string>;
  problems?: readonly ResponseProblem[];
  comment?: string;
}

/** The confirmation page a GET shows. It decides nothing: only its form's POST does. */
export function renderConfirmPage({
  approval,
  approver,
  action,
  formNonce,
  canApprove,
  values,
  problems,
  comment,
}: ConfirmPageInput): Html {
  const preferred = (kind: DecisionKind) => (kind === action ? " preferred" : "");
  return renderLayout(
    approval.subject,
    html`<h1>${approval.subject}</h1>
${renderSummary(approval)}
${renderFields(approval.details)}
${renderFields(approval.context)}
<h2>Decisions so far</h2>
${renderDecisions(listDecisionsInOrder(approval), approval.form)}
${problems && problems.length > 0 ? renderProblemSummary(approval.form, problems) : ""}
<form method="post">
<input type="hidden" name="nonce" value="${formNonce}">
${renderFormFields({ form: canApprove ? approval.form : fieldsFor(approval.form, "reject"), idPrefix: "field", ...(values && { values }), ...(problems && { problems }) })}
<label for="comment">Comment (optional)</label>
<textarea id="comment" name="comment" maxlength="1000">${comment ?? ""}</textarea>
<div class="actions">
${canApprove ? html`<button type="submit" name="decision" value="approve" class="approve${preferred("approve")}">Approve</button>` : html``}
<button type="submit" name="decision" value="reject" class="reject${preferred("reject")}"${approval.form ? html` formnovalidate` : ""}>Reject</button>
</div>
</form>
${canApprove ? html`` : html`<p class="note">You requested this, so you may reject it but not approve it.</p>`}
<p class="note">You are deciding as ${approver}. Nothing has been decided yet: your decision is recorded only when you press a button.</p>`,
  );
}

/** The page after a POST recorded this approver's decision. */
export function renderRecordedPage(approval: ApprovalView, decision: Decision): Html {
  return renderLayout(
    "Decision recorded",
    html`<h1>${DECISION_TEXT[decision.decision]}: your decision is recorded</h1>
<p>Thank you, ${decision.approver}. The request <strong>${approval.subject}</strong> is now ${STATUS_TEXT[approval.status]}.</p>
${renderDecisions(listDecisionsInOrder(approval), approval.form)}`,
  );
}

/** The page for a link whose approver already decided, or whose request is already settled. */
export function renderAlreadyDecidedPage(approval: ApprovalView, approver: string): Html {
  const own = approval.decisions[approver];
  const byDeadline = approval.outcome?.reason === "timeout";
  const headline = own
    ? html`You already ${own.decision === "approve" ? "approved" : "rejected"} this request on ${formatTime(own.at)}`
    : byDeadline
      ? html`Nobody decided by the deadline (${formatTime(approval.deadline)}), so the request was ${STATUS_TEXT[approval.status]}, as it was set up to be`
      : html`This request was already decided: ${describeSettlement(approval)}`;
  return renderLayout(
    "Already decided",
    html`<h1>${headline}</h1>
<p><strong>${approval.subject}</strong></p>
${renderDecisions(listDecisionsInOrder(approval), approval.form)}
<p class="note">Your decision was not recorded: the outcome was settled before it arrived. Nothing was changed.</p>`,
  );
}

/** "approved by alice@example.com at 2026-11-21 14:05 UTC": who settled it, and when. */
export function describeSettlement(approval: ApprovalView): string {
  const status = STATUS_TEXT[approval.status];
  const evaluation = evaluatePolicy(approval);
  const at = approval.outcome ? ` at ${formatTime(approval.outcome.at)}` : "";
  if (!evaluation.settled || evaluation.decidedBy.length === 0) return `${status}${at}`;
  const by = evaluation.decidedBy.map((decision) => decision.approver);
  const names = by.length === 1 ? by[0] : `${by.slice(0, -1).join(", ")} and ${by.at(-1)}`;
  return `${status} by ${names}${at}`;
}

/** The page for a link past its deadline. */
export function renderExpiredPage(approval?: ApprovalView): Html {
  return renderLayout(
    "Link expired",
    html`<h1>This link has expired</h1>
${approval ? html`<p>The deadline for <strong>${approval.subject}</strong> was ${formatTime(approval.deadline)}. The request is ${STATUS_TEXT[approval.status]}.</p>` : html``}
<p class="note">Nothing was changed.</p>`,
  );
}

/** The page for a request that is no longer needed (its execution ended, or it never reached everyone). */
export function renderCancelledPage(approval: ApprovalView): Html {
  const why =
    approval.outcome?.reason === "undeliverable"
      ? "its email could not be delivered to every approver, so the workflow was told it failed"
      : "the workflow that asked for it ended";
  return renderLayout(
    "No longer needed",
    html`<h1>This request is no longer needed</h1>
<p><strong>${approval.subject}</strong> was cancelled because ${why}. Nothing to do.</p>`,
  );
}

/** The page for a link that does not verify. It says nothing about why, to teach forgers nothing. */
export function renderInvalidLinkPage(): Html {
  return renderLayout(
    "Invalid link",
    html`<h1>This link is not valid</h1>
<p>It may be incomplete or altered. Open the link from the original email again, or ask the requester to send a new one.</p>`,
  );
}

/** A page that explains why nothing happened, e.g. approving your own request or a stale form. */
export function renderProblemPage(title: string, message: string, approval?: ApprovalView): Html {
  return renderLayout(
    title,
    html`<h1>${title}</h1><p>${message}</p>
${approval ? html`<p><strong>${approval.subject}</strong></p>` : html``}
<p class="note">Nothing was changed.</p>`,
  );
}

/** A page for when we cannot tell whether anything changed; it never says "nothing was changed". */
export function renderUncertainPage(title: string, message: string): Html {
  return renderLayout(title, html`<h1>${title}</h1><p>${message}</p>`);
}

/**
 * The emails approvers get: the approval request (subject, HTML and plain-text parts with the
 * same facts), the same request as a reminder or to an approver added by escalation, and the
 * notice that it is no longer needed.
 *
 * Every value from the request is interpolated through hono's `html` template, which escapes it;
 * only fragments built by `html` itself are inserted unescaped. The approval view carries no task
 * token and nothing here adds one.
 */
import type { CancelledEmail, DecisionEmail, DecisionEmailKind, OnTimeout } from "@signoff/core";
import { html } from "hono/html";
import {
  type Fragment,
  formatDuration,
  formatUtc,
  type RenderedEmail,
  renderEmailShell,
  renderSubjectLine,
} from "./email-format.ts";
import { renderCancelledEmail } from "./render-cancelled-email.ts";

export { formatDuration, formatUtc, type RenderedEmail } from "./email-format.ts";

/**
 * What the renderer needs: one email without its recipient. A decision email (`kind`, default
 * "request") has the approval as shown and the approver's two signed links; the "no longer
 * needed" notice has none.
 */
export type ApprovalEmailContent = DecisionEmailContent | Omit<CancelledEmail, "to">;

type DecisionEmailContent = Omit<DecisionEmail, "to" | "kind"> & { kind?: DecisionEmailKind };

const ON_TIMEOUT_TEXT: Record<OnTimeout, string> = {
  fail: "the request fails as timed out",
  reject: "the request is rejected automatically",
  approve: "the request is approved automatically",
};

const LINK_NOTE =
  "Each link opens a confirmation page in your browser; clicking it does not decide anything by itself.";

/** Renders one approver's email of `content.kind`. Pure: same input, same output. */
export function renderApprovalEmail(content: ApprovalEmailContent): RenderedEmail {
  if (content.kind === "cancelled") return renderCancelledEmail(content);
  const { approval } = content;
  const facts = describeFacts(content);
  return {
    subject: renderSubjectLine(facts.subjectPrefix, approval.subject),
    html: renderHtml(content, facts),
    text: renderText(content, facts),
  };
}

interface Facts {
  subjectPrefix: string;
  /** The line above the subject: what this email is. */
  lead: string;
  /** Escalation: why this approver got the request. */
  why?: string;
  timeLeft?: string;
  deadline: string;
  onTimeout: string;
  needed: string;
}

function describeFacts(content: DecisionEmailContent): Facts {
  const { approval } = content;
  const approvers = approval.approvers.length;
  const required = approval.policy.required;
  return {
    ...describeKind(content),
    ...(content.secondsLeft !== undefined && { timeLeft: formatDuration(content.secondsLeft) }),
    deadline: formatUtc(approval.deadline),
    onTimeout: ON_TIMEOUT_TEXT[approval.onTimeout],
    needed:
      required === 1
        ? `one approval${approvers > 1 ? ` from any of ${approvers} approvers` : ""}`
        : `${required} approvals from ${approvers} approvers`,
  };
}

function describeKind({
  kind,
  approval,
}: DecisionEmailContent): Pick<Facts, "subjectPrefix" | "lead" | "why"> {
  switch (kind) {
    case "reminder":
      return {
        subjectPrefix: "Reminder: approval requested",
        lead: "Reminder: your decision is still needed",
      };
    case "escalation":
      return {
        subjectPrefix: "Escalated: approval requested",
        lead: "Your approval is requested: this request was escalated to you",
        why: `Nobody had settled it ${formatDuration(approval.escalation?.afterSeconds ?? 0)} after it was requested, so it now asks you too. Your decision counts toward it like every other approver's.`,
      };
    default:
      return { subjectPrefix: "Approval requested", lead: "Your approval is requested" };
  }
}

function renderHtml(content: DecisionEmailContent, facts: Facts): string {
  const { approval, approveUrl, rejectUrl } = content;
  const body = html`<p style="margin:0 0 8px;color:#57606a">${facts.lead}</p>
<h1 style="margin:0 0 16px;font-size:20px">${approval.subject}</h1>
${facts.why === undefined ? "" : html`<p style="margin:0 0 16px">${facts.why}</p>`}
<table role="presentation" style="border-collapse:collapse;margin:0 0 16px">
${approval.requestedBy ? factRow("Requested by", approval.requestedBy) : ""}
${factRow("Needs", facts.needed)}
${facts.timeLeft === undefined ? "" : factRow("Time left", facts.timeLeft)}
${factRow("Deadline", facts.deadline)}
${factRow("If nobody decides in time", facts.onTimeout)}
</table>
${approval.details === undefined ? "" : html`<h2 style="font-size:16px;margin:16px 0 8px">Details</h2>${renderValueHtml(approval.details)}`}
${Object.keys(approval.context).length === 0 ? "" : html`<h2 style="font-size:16px;margin:16px 0 8px">Context</h2>${renderRecordHtml(approval.context)}`}
<p style="margin:24px 0 8px">
${button(approveUrl, "Approve", "#1a7f37")}
${button(rejectUrl, "Reject", "#cf222e")}
</p>
<p style="margin:16px 0 0;color:#57606a;font-size:13px">${LINK_NOTE} The links are personal to you and stop working at the deadline.</p>`;
  return renderEmailShell(approval.subject, body);
}

// The SES inbox (and many webmail clients) show mail in an iframe; a new tab keeps the page usable.
function button(url: string, label: string, color: string): Fragment {
  return html`<a href="${url}" target="_blank" rel="noopener noreferrer" style="display:inline-block;margin:0 8px 8px 0;padding:10px 20px;border-radius:6px;background:${color};color:#fff;text-decoration:none;font-weight:600">${label}</a>`;
}

function factRow(label: string, value: string): Fragment {
  return html`<tr><th scope="row" style="text-align:left;padding:2px 16px 2px 0;color:#57606a;font-weight:normal;vertical-align:top">${label}</th><td style="padding:2px 0">${value}</td></tr>`;
}

/** Text becomes paragraphs, an object a definition list, anything else pretty JSON. */
function renderValueHtml(value: unknown): Fragment {
  if (typeof value === "string") {
    return html`${paragraphs(value).map((paragraph) => html`<p style="margin:0 0 8px;white-space:pre-wrap">${paragraph}</p>`)}`;
  }
  if (isRecord(value)) return renderRecordHtml(value);
  return html`<pre style="margin:0;white-space:pre-wrap">${JSON.stringify(value, null, 2)}</pre>`;
}

function renderRecordHtml(record: Record<string, unknown>): Fragment {
  return html`<dl style="margin:0">${Object.entries(record).map(
    ([key, value]) =>
      html`<dt style="font-weight:600;margin-top:8px">${key}</dt><dd style="margin:0 0 0 16px;white-space:pre-wrap">${formatScalar(value)}</dd>`,
  )}</dl>`;
}

function renderText(content: DecisionEmailContent, facts: Facts): string {
  const { approval, approveUrl, rejectUrl } = content;
  const lines = [
    facts.lead,
    "",
    approval.subject,
    "",
    ...(facts.why === undefined ? [] : [facts.why, ""]),
    ...(approval.requestedBy ? [`Requested by: ${approval.requestedBy}`] : []),
    `Needs: ${facts.needed}`,
    ...(facts.timeLeft === undefined ? [] : [`Time left: ${facts.timeLeft}`]),
    `Deadline: ${facts.deadline}`,
    `If nobody decides in time: ${facts.onTimeout}`,
  ];
  if (approval.details !== undefined) lines.push("", "Details:", renderValueText(approval.details));
  if (Object.keys(approval.context).length > 0) {
    lines.push("", "Context:", renderRecordText(approval.context));
  }
  lines.push(
    "",
    `Approve: ${approveUrl}`,
    `Reject: ${rejectUrl}`,
    "",
    `${LINK_NOTE} The links are personal to you and stop working at the deadline.`,
  );
  return `${lines.join("\n")}\n`;
}

function renderValueText(value: unknown): string {
  if (typeof value === "string") return paragraphs(value).join("\n\n");
  if (isRecord(value)) return renderRecordText(value);
  return JSON.stringify(value, null, 2);
}

function renderRecordText(record: Record<string, unknown>): string {
  return Object.entries(record)
    .map(([key, value]) => `  ${key}: ${formatScalar(value).replace(/\n/g, "\n    ")}`)
    .join("\n");
}

function formatScalar(value: unknown): string {
  if (typeof value === "string") return value;
  if (value === null || typeof value !== "object") return String(value);
  return JSON.stringify(value, null, 2);
}

function paragraphs(text: string): string[] {
  return text
    .replace(/\r\n?/g, "\n")
    .split(/\n\s*\n/)
    .map((paragraph) => paragraph.trim())
    .filter((paragraph) => paragraph.length > 0);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

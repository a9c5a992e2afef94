/**
 * The approval request email: subject, HTML and plain-text parts with the same facts.
 *
 * Every value from the request is interpolated through hono's `html` template, which escapes it;
 * only fragments built by `html` itself are inserted unescaped. The approval view carries no task
 * token and nothing here adds one.
 */
import type { ApprovalView, OnTimeout } from "@signoff/core";
import { html } from "hono/html";
import type { HtmlEscapedString } from "hono/utils/html";

/** What the renderer needs: the approval as shown and the two signed links of one approver. */
export interface ApprovalEmailContent {
  approval: ApprovalView;
  approveUrl: string;
  rejectUrl: string;
}

export interface RenderedEmail {
  subject: string;
  html: string;
  text: string;
}

const ON_TIMEOUT_TEXT: Record<OnTimeout, string> = {
  fail: "the request fails as timed out",
  reject: "the request is rejected automatically",
  approve: "the request is approved automatically",
};

const LINK_NOTE =
  "Each link opens a confirmation page in your browser; clicking it does not decide anything by itself.";

const MAX_SUBJECT_LENGTH = 200;

type Fragment = HtmlEscapedString | Promise<HtmlEscapedString>;

/** Renders the request email for one approver. Pure: same input, same output. */
export function renderApprovalEmail(content: ApprovalEmailContent): RenderedEmail {
  const { approval } = content;
  const facts = describeFacts(approval);
  return {
    subject: renderSubject(approval.subject),
    html: renderHtml(content, facts),
    text: renderText(content, facts),
  };
}

interface Facts {
  deadline: string;
  onTimeout: string;
  needed: string;
}

function describeFacts(approval: ApprovalView): Facts {
  const approvers = approval.approvers.length;
  const required = approval.policy.required;
  return {
    deadline: formatUtc(approval.deadline),
    onTimeout: ON_TIMEOUT_TEXT[approval.onTimeout],
    needed:
      required === 1
        ? `one approval${approvers > 1 ? ` from any of ${approvers} approvers` : ""}`
        : `${required} approvals from ${approvers} approvers`,
  };
}

function renderSubject(subject: string): string {
  // A subject is one header line: a newline in the request's subject must not start another.
  const line = `Approval requested: ${subject.replace(/\s+/g, " ").trim()}`;
  return line.length > MAX_SUBJECT_LENGTH ? `${line.slice(0, MAX_SUBJECT_LENGTH - 1)}…` : line;
}

const WEEKDAYS = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"];
const MONTHS = [
  "January",
  "February",
  "March",
  "April",
  "May",
  "June",
  "July",
  "August",
  "September",
  "October",
  "November",
  "December",
];

/**
 * "Wednesday 14 January 2026, 15:04 UTC". Built by hand rather than with Intl, whose output
 * shifts between ICU versions (Node here, nodejs22.x on Lambda).
 */
export function formatUtc(iso: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  const time = `${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}`;
  return `${WEEKDAYS[date.getUTCDay()]} ${date.getUTCDate()} ${MONTHS[date.getUTCMonth()]} ${date.getUTCFullYear()}, ${time} UTC`;
}

function pad(value: number): string {
  return String(value).padStart(2, "0");
}

function renderHtml(content: ApprovalEmailContent, facts: Facts): string {
  const { approval, approveUrl, rejectUrl } = content;
  const body = html`<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${approval.subject}</title></head>
<body style="margin:0;padding:24px;font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;color:#1f2328;background:#f6f8fa">
<div style="max-width:640px;margin:0 auto;background:#fff;border:1px solid #d0d7de;border-radius:8px;padding:24px">
<p style="margin:0 0 8px;color:#57606a">Your approval is requested</p>
<h1 style="margin:0 0 16px;font-size:20px">${approval.subject}</h1>
<table role="presentation" style="border-collapse:collapse;margin:0 0 16px">
${approval.requestedBy ? factRow("Requested by", approval.requestedBy) : ""}
${factRow("Needs", facts.needed)}
${factRow("Deadline", facts.deadline)}
${factRow("If nobody decides in time", facts.onTimeout)}
</table>
${approval.details === undefined ? "" : html`<h2 style="font-size:16px;margin:16px 0 8px">Details</h2>${renderValueHtml(approval.details)}`}
${Object.keys(approval.context).length === 0 ? "" : html`<h2 style="font-size:16px;margin:16px 0 8px">Context</h2>${renderRecordHtml(approval.context)}`}
<p style="margin:24px 0 8px">
${button(approveUrl, "Approve", "#1a7f37")}
${button(rejectUrl, "Reject", "#cf222e")}
</p>
<p style="margin:16px 0 0;color:#57606a;font-size:13px">${LINK_NOTE} The links are personal to you and stop working at the deadline.</p>
</div>
</body>
</html>`;
  return toHtmlString(body);
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

function renderText(content: ApprovalEmailContent, facts: Facts): string {
  const { approval, approveUrl, rejectUrl } = content;
  const lines = [
    "Your approval is requested",
    "",
    approval.subject,
    "",
    ...(approval.requestedBy ? [`Requested by: ${approval.requestedBy}`] : []),
    `Needs: ${facts.needed}`,
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

// hono's `html` only returns a Promise when given one; nothing here does, so insist on a string.
function toHtmlString(fragment: Fragment): string {
  if (fragment instanceof Promise) throw new TypeError("Email HTML must render synchronously");
  return fragment.toString();
}

/**
 * What every signoff email shares: the page shell, the subject line, and how times are written.
 * Values are interpolated through hono's `html` template, which escapes them.
 */
import { DEFAULT_SUBJECT } from "@signoff/core";
import { html } from "hono/html";
import type { HtmlEscapedString } from "hono/utils/html";

export interface RenderedEmail {
  subject: string;
  html: string;
  text: string;
}

export type Fragment = HtmlEscapedString | Promise<HtmlEscapedString>;

const MAX_SUBJECT_LENGTH = 200;

/**
 * `<prefix>: <subject>` on one header line, capped: a newline in the subject must not start
 * another. A request without a subject (`DEFAULT_SUBJECT`) says so once: "Approval requested",
 * not "Approval requested: Approval requested".
 */
export function renderSubjectLine(prefix: string, subject: string): string {
  const text = subject.replace(/\s+/g, " ").trim();
  const line = text === DEFAULT_SUBJECT ? prefix : `${prefix}: ${text}`;
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

const UNITS = [
  ["day", 86_400],
  ["hour", 3_600],
  ["minute", 60],
] as const;

/** "2 days 3 hours", "45 minutes", "less than a minute": the two largest units, rounded down. */
export function formatDuration(seconds: number): string {
  if (!(seconds >= 60)) return "less than a minute";
  const parts: string[] = [];
  let rest = Math.floor(seconds);
  for (const [unit, size] of UNITS) {
    const count = Math.floor(rest / size);
    rest -= count * size;
    if (count > 0) parts.push(`${count} ${unit}${count === 1 ? "" : "s"}`);
    else if (parts.length > 0) break;
    if (parts.length === 2) break;
  }
  return parts.join(" ");
}

function pad(value: number): string {
  return String(value).padStart(2, "0");
}

/** The HTML document every email uses: one card with `title` in the head and `body` inside. */
export function renderEmailShell(title: string, body: Fragment): string {
  return toHtmlString(html`<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${title}</title></head>
<body style="margin:0;padding:24px;font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;color:#1f2328;background:#f6f8fa">
<div style="max-width:640px;margin:0 auto;background:#fff;border:1px solid #d0d7de;border-radius:8px;padding:24px">
${body}
</div>
</body>
</html>`);
}

// hono's `html` only returns a Promise when given one; nothing here does, so insist on a string.
function toHtmlString(fragment: Fragment): string {
  if (fragment instanceof Promise) throw new TypeError("Email HTML must render synchronously");
  return fragment.toString();
}

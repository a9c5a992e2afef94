/**
 * Renders what an approver is asked to approve: the request's details (object or text) and
 * its other context fields. Everything is escaped by `html`; nothing from a request is
 * ever inserted raw.
 */
import { html } from "hono/html";
import type { Html } from "./layout.ts";

/** Renders one value: text as is, anything else as indented JSON (both escaped). */
export function renderValue(value: unknown): Html {
  if (typeof value === "string") return html`<pre>${value}</pre>`;
  return html`<pre>${JSON.stringify(value, null, 2)}</pre>`;
}

/** Renders an object as a definition list of its fields, or text as a block. */
export function renderFields(value: unknown): Html {
  if (value === undefined || value === null) return html``;
  if (typeof value !== "object" || Array.isArray(value)) return renderValue(value);
  const entries = Object.entries(value as Record<string, unknown>);
  if (entries.length === 0) return html``;
  return html`<dl>${entries.map(([key, field]) => html`<dt>${key}</dt><dd>${renderValue(field)}</dd>`)}</dl>`;
}

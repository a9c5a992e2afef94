/**
 * A request's response form as HTML inputs, for the link's confirmation page and the inbox, and
 * the way back: the posted inputs as the raw values `validateResponse` checks. Every input is
 * named `f.<field name>`, so no field can collide with the page's own `decision`, `nonce` and
 * `comment`. Everything is escaped by `html`; the pages stay script-free.
 */
import type {
  Decision,
  FormField,
  FormResponse,
  ResponseForm,
  ResponseProblem,
} from "@signoff/core";
import { html } from "hono/html";
import type { Html } from "./layout.ts";

/** The prefix of every form field's input name. */
export const FIELD_INPUT_PREFIX = "f.";

export interface FormFieldsInput {
  form: ResponseForm | undefined;
  /** Makes element ids unique when one page holds several forms (the inbox). */
  idPrefix: string;
  /** What the approver sent last time, to fill the inputs in again after a refusal. */
  values?: Record<string, string>;
  problems?: readonly ResponseProblem[];
}

/** Which button a field is for, said only when the form's fields are not all for the same. */
function asked(field: FormField, form: ResponseForm): string {
  const mixed = form.some((other) => other.for.join() !== field.for.join());
  if (!mixed || field.for.length === 2) return "";
  return field.for[0] === "approve" ? " (asked when you approve)" : " (asked when you reject)";
}

function renderInput(field: FormField, id: string, value: string | undefined): Html {
  const name = `${FIELD_INPUT_PREFIX}${field.name}`;
  // Browsers check `required` only for Approve: the Reject button has `formnovalidate`, and the
  // server checks everything either way.
  const required = field.required && field.for.includes("approve");
  switch (field.type) {
    case "text":
      return field.multiline
        ? html`<textarea id="${id}" name="${name}" maxlength="${field.maxLength}"${field.minLength ? html` minlength="${field.minLength}"` : ""}${required ? html` required` : ""}>${value ?? ""}</textarea>`
        : html`<input type="text" id="${id}" name="${name}" maxlength="${field.maxLength}"${field.minLength ? html` minlength="${field.minLength}"` : ""} value="${value ?? ""}"${required ? html` required` : ""}>`;
    case "number":
      return html`<input type="number" id="${id}" name="${name}" step="${field.integer ? "1" : "any"}"${field.min === undefined ? "" : html` min="${field.min}"`}${field.max === undefined ? "" : html` max="${field.max}"`} value="${value ?? ""}"${required ? html` required` : ""}>`;
    case "select":
      return html`<select id="${id}" name="${name}"${required ? html` required` : ""}>
<option value="">Choose…</option>
${field.options.map((option) => html`<option value="${option}"${option === value ? html` selected` : ""}>${option}</option>`)}
</select>`;
    case "boolean":
      return html`<input type="checkbox" id="${id}" name="${name}" value="true"${value === "true" || value === "on" ? html` checked` : ""}${required ? html` required` : ""}>`;
  }
}

/** The form's fields as labelled inputs, each with its problem when the last answer was refused. */
export function renderFormFields({ form, idPrefix, values, problems }: FormFieldsInput): Html {
  if (form === undefined || form.length === 0) return html``;
  const problemOf = (name: string) => problems?.find((problem) => problem.field === name);
  return html`<fieldset>
<legend>Your answers</legend>
${form.map((field) => {
  const id = `${idPrefix}-${field.name}`;
  const problem = problemOf(field.name);
  return html`<div class="field">
<label for="${id}">${field.label}${field.required ? " (required)" : ""}${asked(field, form)}</label>
${renderInput(field, id, values?.[field.name])}
${field.description ? html`<p class="note">${field.description}</p>` : ""}
${problem ? html`<p class="problem-text" role="alert">${field.label} ${problem.message}.</p>` : ""}
</div>`;
})}
</fieldset>`;
}

/** The list of problems above a refused form. */
export function renderProblemSummary(
  form: ResponseForm | undefined,
  problems: readonly ResponseProblem[],
): Html {
  const labelOf = (name: string) => form?.find((field) => field.name === name)?.label ?? name;
  return html`<div class="flash problem" role="alert"><p>Your answers were not accepted, so nothing was recorded:</p>
<ul>${problems.map((problem) => html`<li>${labelOf(problem.field)} ${problem.message}</li>`)}</ul></div>`;
}

/** The `f.*` inputs of a posted form, by field name; repeated or file inputs are left out. */
export function readFormValues(body: Record<string, unknown>): Record<string, string> {
  const values: Record<string, string> = {};
  for (const [key, value] of Object.entries(body)) {
    if (!key.startsWith(FIELD_INPUT_PREFIX) || typeof value !== "string") continue;
    // defineProperty semantics: a `f.__proto__` input becomes a plain key, refused as unknown.
    Object.defineProperty(values, key.slice(FIELD_INPUT_PREFIX.length), {
      value,
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return values;
}

/** A decision's answers as text for people: `Amount: 2500 · Region: eu`. */
export function describeResponse(
  form: ResponseForm | undefined,
  response: Decision["response"] | FormResponse | undefined,
): string {
  if (response === undefined) return "";
  const labelOf = (name: string) => form?.find((field) => field.name === name)?.label ?? name;
  return Object.entries(response)
    .map(([name, value]) => {
      const shown = typeof value === "boolean" ? (value ? "yes" : "no") : String(value);
      return `${labelOf(name)}: ${shown}`;
    })
    .join(" · ");
}

/**
 * Response forms: the fields a request asks approvers to fill in (an approved amount, a reason, a
 * choice), and the one validation every channel (link page, inbox, REST API, Slack) runs on what
 * an approver sent. Pure: no I/O, no clock; core trusts no caller, so the request function and
 * `buildApproval` parse the same declaration with `parseForm`, and `decide` validates with
 * `validateResponse`.
 */
import type { DecisionKind } from "./approval.ts";

/** At most this many fields per form. */
export const MAX_FORM_FIELDS = 10;
/** A declared form, as JSON, is at most this many UTF-8 bytes (it is stored on the approval). */
export const MAX_FORM_BYTES = 8 * 1024;
/** A text field accepts at most this many characters (code points). */
export const MAX_TEXT_FIELD_LENGTH = 1000;
/** The text fields of one form together accept at most this many characters. */
export const MAX_FORM_TEXT_LENGTH = 1000;
/** A text field's `maxLength` when the request gives none. */
export const DEFAULT_TEXT_FIELD_LENGTH = 200;
/** A select field offers at most this many options... */
export const MAX_SELECT_OPTIONS = 50;
/** ...of at most this many characters each (Slack's option text limit is 75). */
export const MAX_OPTION_LENGTH = 75;
/** Labels and descriptions, in characters. */
export const MAX_LABEL_LENGTH = 100;
export const MAX_DESCRIPTION_LENGTH = 300;
/**
 * One decision's response, as JSON, is at most this many UTF-8 bytes: with 50 approvers that is
 * 100 KB, so an approval item stays well under DynamoDB's 400 KB and a callback under its limits.
 */
export const MAX_RESPONSE_BYTES = 2048;
/** At most this many problems are reported for one response. */
const MAX_PROBLEMS = 20;

/** What a field name may be: it becomes a key of the response object (and of the stored item). */
export const FIELD_NAME_PATTERN = /^[A-Za-z][A-Za-z0-9_]{0,39}$/;
/** Names that JavaScript objects or the DynamoDB marshaller treat specially. */
const RESERVED_NAMES = new Set(["constructor", "prototype"]);

export const FORM_FIELD_TYPES = ["text", "number", "select", "boolean"] as const;
export type FormFieldType = (typeof FORM_FIELD_TYPES)[number];

interface FieldBase {
  /** The key of this field's value in the response. */
  name: string;
  /** What the approver sees; the name when the request gives none. */
  label: string;
  description?: string;
  /**
   * Text, number, select: a value must be given. Boolean: the box must be checked (a
   * confirmation); an unchecked box is `false`.
   */
  required: boolean;
  /** The decisions this field is asked with (default `["approve"]`). */
  for: DecisionKind[];
}

export interface TextField extends FieldBase {
  type: "text";
  /** Characters (code points), after trimming; applies to a non-empty value. */
  minLength?: number;
  maxLength: number;
  /** Shown as a multi-line box; single-line values have their line breaks refused. */
  multiline: boolean;
}

export interface NumberField extends FieldBase {
  type: "number";
  min?: number;
  max?: number;
  /** Only whole numbers. */
  integer: boolean;
}

export interface SelectField extends FieldBase {
  type: "select";
  /** The values the approver chooses from; the response holds the chosen one as is. */
  options: string[];
}

export interface BooleanField extends FieldBase {
  type: "boolean";
}

export type FormField = TextField | NumberField | SelectField | BooleanField;
/** A parsed form: its fields in the order they are asked. */
export type ResponseForm = FormField[];

export type ResponseValue = string | number | boolean;
/** An approver's answers by field name. Blank optional fields are absent; booleans never are. */
export type FormResponse = Record<string, ResponseValue>;

/** Why a response was refused: `field` is a field's name, or "response" for the whole of it. */
export interface ResponseProblem {
  field: string;
  message: string;
}

export type ParseFormResult =
  | { ok: true; form: ResponseForm }
  /** `field` is the path inside the request, e.g. `form[1].options`. */
  | { ok: false; field: string; message: string };

export type ValidateResponseResult =
  /** `response` is absent when the form asks nothing for this decision. */
  { ok: true; response?: FormResponse } | { ok: false; problems: ResponseProblem[] };

const COMMON_KEYS = ["name", "type", "label", "description", "required", "for"];
const KEYS_BY_TYPE: Record<FormFieldType, readonly string[]> = {
  text: [...COMMON_KEYS, "minLength", "maxLength", "multiline"],
  number: [...COMMON_KEYS, "min", "max", "integer"],
  select: [...COMMON_KEYS, "options"],
  boolean: COMMON_KEYS,
};

class FormDeclarationError extends Error {
  readonly field: string;
  constructor(field: string, message: string) {
    super(message);
    this.field = field;
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function countChars(text: string): number {
  let n = 0;
  for (const _ of text) n++;
  return n;
}

/** Whole numbers within ±2^53, or fractions DynamoDB can hold (no magnitude below 1e-130). */
function isStorableNumber(value: number): boolean {
  if (!Number.isFinite(value)) return false;
  if (Number.isInteger(value)) return Number.isSafeInteger(value);
  return Math.abs(value) >= 1e-130;
}

/**
 * Parses a request's `form` declaration (a list of fields) into the stored form, defaults filled
 * in, or names the first thing wrong with it. `undefined` and `[]` mean no form.
 */
export function parseForm(raw: unknown): ParseFormResult {
  try {
    return { ok: true, form: parseFields(raw) };
  } catch (error) {
    if (error instanceof FormDeclarationError) {
      return { ok: false, field: error.field, message: error.message };
    }
    throw error;
  }
}

function parseFields(raw: unknown): ResponseForm {
  if (raw === undefined) return [];
  if (!Array.isArray(raw)) throw new FormDeclarationError("form", "must be a list of fields");
  if (raw.length > MAX_FORM_FIELDS) {
    throw new FormDeclarationError("form", `must have at most ${MAX_FORM_FIELDS} fields`);
  }
  const bytes = Buffer.byteLength(JSON.stringify(raw) ?? "", "utf8");
  if (bytes > MAX_FORM_BYTES) {
    throw new FormDeclarationError("form", `must be at most ${MAX_FORM_BYTES} bytes of JSON`);
  }
  const form = raw.map((field, i) => parseField(field, `form[${i}]`));
  const seen = new Set<string>();
  let textLength = 0;
  for (const [i, field] of form.entries()) {
    const key = field.name.toLowerCase();
    if (seen.has(key)) {
      throw new FormDeclarationError(`form[${i}].name`, `"${field.name}" is used by another field`);
    }
    seen.add(key);
    if (field.type === "text") textLength += field.maxLength;
  }
  if (textLength > MAX_FORM_TEXT_LENGTH) {
    throw new FormDeclarationError(
      "form",
      `text fields may together accept at most ${MAX_FORM_TEXT_LENGTH} characters (their maxLength adds up to ${textLength})`,
    );
  }
  return form;
}

function parseField(raw: unknown, path: string): FormField {
  if (!isPlainObject(raw)) throw new FormDeclarationError(path, "must be an object");
  const type = raw.type;
  if (typeof type !== "string" || !(FORM_FIELD_TYPES as readonly string[]).includes(type)) {
    throw new FormDeclarationError(
      `${path}.type`,
      'must be "text", "number", "select" or "boolean"',
    );
  }
  const fieldType = type as FormFieldType;
  for (const key of Object.keys(raw)) {
    if (!KEYS_BY_TYPE[fieldType].includes(key)) {
      throw new FormDeclarationError(
        `${path}.${key}`,
        `is not a property of a ${fieldType} field (allowed: ${KEYS_BY_TYPE[fieldType].join(", ")})`,
      );
    }
  }

  const name = raw.name;
  if (typeof name !== "string" || !FIELD_NAME_PATTERN.test(name) || RESERVED_NAMES.has(name)) {
    throw new FormDeclarationError(
      `${path}.name`,
      'must be 1 to 40 letters, digits or "_", starting with a letter (and not "constructor" or "prototype")',
    );
  }
  const label =
    raw.label === undefined ? name : text(raw.label, `${path}.label`, 1, MAX_LABEL_LENGTH);
  const base: FieldBase = {
    name,
    label,
    required: flag(raw.required, `${path}.required`),
    for: decisionsOf(raw.for, `${path}.for`),
  };
  if (raw.description !== undefined) {
    const description = text(raw.description, `${path}.description`, 0, MAX_DESCRIPTION_LENGTH);
    if (description.length > 0) base.description = description;
  }

  switch (fieldType) {
    case "text": {
      const maxLength =
        raw.maxLength === undefined
          ? DEFAULT_TEXT_FIELD_LENGTH
          : whole(raw.maxLength, `${path}.maxLength`, 1, MAX_TEXT_FIELD_LENGTH);
      const field: TextField = {
        ...base,
        type: "text",
        maxLength,
        multiline: flag(raw.multiline, `${path}.multiline`),
      };
      if (raw.minLength !== undefined) {
        field.minLength = whole(raw.minLength, `${path}.minLength`, 0, maxLength);
      }
      return field;
    }
    case "number": {
      const field: NumberField = {
        ...base,
        type: "number",
        integer: flag(raw.integer, `${path}.integer`),
      };
      if (raw.min !== undefined) field.min = bound(raw.min, `${path}.min`);
      if (raw.max !== undefined) field.max = bound(raw.max, `${path}.max`);
      if (field.min !== undefined && field.max !== undefined && field.min > field.max) {
        throw new FormDeclarationError(`${path}.max`, "must not be less than min");
      }
      if (
        field.integer &&
        field.min !== undefined &&
        field.max !== undefined &&
        Math.ceil(field.min) > Math.floor(field.max)
      ) {
        throw new FormDeclarationError(`${path}.max`, "leaves no whole number between min and max");
      }
      return field;
    }
    case "select": {
      const options = raw.options;
      if (!Array.isArray(options) || options.length === 0) {
        throw new FormDeclarationError(`${path}.options`, "must list at least one option");
      }
      if (options.length > MAX_SELECT_OPTIONS) {
        throw new FormDeclarationError(
          `${path}.options`,
          `must list at most ${MAX_SELECT_OPTIONS} options`,
        );
      }
      const values = options.map((option, i) =>
        text(option, `${path}.options[${i}]`, 1, MAX_OPTION_LENGTH),
      );
      if (new Set(values).size !== values.length) {
        throw new FormDeclarationError(`${path}.options`, "must not list an option twice");
      }
      return { ...base, type: "select", options: values };
    }
    case "boolean":
      return { ...base, type: "boolean" };
  }
}

function text(value: unknown, path: string, min: number, max: number): string {
  if (typeof value !== "string") throw new FormDeclarationError(path, "must be text");
  const trimmed = value.trim();
  const length = countChars(trimmed);
  if (length < min) throw new FormDeclarationError(path, "must not be empty");
  if (length > max) throw new FormDeclarationError(path, `must be at most ${max} characters`);
  return trimmed;
}

function whole(value: unknown, path: string, min: number, max: number): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) {
    throw new FormDeclarationError(path, `must be a whole number from ${min} to ${max}`);
  }
  return value;
}

function bound(value: unknown, path: string): number {
  if (typeof value !== "number" || !isStorableNumber(value)) {
    throw new FormDeclarationError(
      path,
      "must be a number (whole numbers within ±9007199254740991)",
    );
  }
  return value;
}

function flag(value: unknown, path: string): boolean {
  if (value === undefined) return false;
  if (typeof value !== "boolean") throw new FormDeclarationError(path, "must be true or false");
  return value;
}

function decisionsOf(value: unknown, path: string): DecisionKind[] {
  if (value === undefined) return ["approve"];
  const message = 'must be a non-empty list of "approve" and/or "reject"';
  if (!Array.isArray(value) || value.length === 0 || value.length > 2) {
    throw new FormDeclarationError(path, message);
  }
  const kinds = new Set<DecisionKind>();
  for (const kind of value) {
    if (kind !== "approve" && kind !== "reject") throw new FormDeclarationError(path, message);
    kinds.add(kind);
  }
  // Stored in a fixed order so equal declarations are stored equally.
  return (["approve", "reject"] as const).filter((kind) => kinds.has(kind));
}

/** The fields asked with `decision`, in form order. */
export function fieldsFor(
  form: readonly FormField[] | undefined,
  decision: DecisionKind,
): FormField[] {
  return (form ?? []).filter((field) => field.for.includes(decision));
}

export interface ValidateResponseOptions {
  /**
   * Ignore values of the form's fields that this decision does not ask for, rather than refuse
   * them: a page shows every field and sends them all, whichever button was pressed.
   */
  ignoreUnasked?: boolean;
}

/**
 * Checks what an approver sent for `decision` against the form, and returns the response to
 * store with the decision. `raw` maps field names to values: JSON values (API, Slack) or the text
 * of an HTML form (numbers as decimal text, checkboxes as "on"/"true"). Fields this decision is
 * not asked, and names the form does not have, are refused. With no fields for this decision the
 * response is absent, and any value sent is refused.
 */
export function validateResponse(
  form: readonly FormField[] | undefined,
  decision: DecisionKind,
  raw: unknown,
  options: ValidateResponseOptions = {},
): ValidateResponseResult {
  const values = raw ?? {};
  if (!isPlainObject(values)) {
    return refused([{ field: "response", message: "must be an object of field values" }]);
  }
  const fields = fieldsFor(form, decision);
  const problems: ResponseProblem[] = [];
  for (const name of Object.keys(values)) {
    if (fields.some((field) => field.name === name)) continue;
    const other = form?.find((field) => field.name === name);
    if (other && options.ignoreUnasked) continue;
    problems.push({
      field: name.slice(0, 40),
      message: other
        ? `is asked only when you ${other.for.join(" or ")}`
        : "is not a field of this form",
    });
  }
  if (fields.length === 0) return problems.length > 0 ? refused(problems) : { ok: true };

  const response: FormResponse = {};
  for (const field of fields) {
    const value = Object.hasOwn(values, field.name) ? values[field.name] : undefined;
    const checked = checkValue(field, value);
    if (typeof checked === "object") problems.push({ field: field.name, message: checked.problem });
    else if (checked !== undefined) response[field.name] = checked;
  }
  if (problems.length > 0) return refused(problems);
  const bytes = Buffer.byteLength(JSON.stringify(response), "utf8");
  if (bytes > MAX_RESPONSE_BYTES) {
    return refused([
      {
        field: "response",
        message: `the answers together are too long (${bytes} bytes; at most ${MAX_RESPONSE_BYTES}): shorten them`,
      },
    ]);
  }
  return { ok: true, response };
}

function refused(problems: ResponseProblem[]): ValidateResponseResult {
  return { ok: false, problems: problems.slice(0, MAX_PROBLEMS) };
}

type Checked = ResponseValue | undefined | { problem: string };

function checkValue(field: FormField, value: unknown): Checked {
  switch (field.type) {
    case "text":
      return checkText(field, value);
    case "number":
      return checkNumber(field, value);
    case "select":
      return checkSelect(field, value);
    case "boolean":
      return checkBoolean(field, value);
  }
}

function missing(field: FormField): Checked {
  return field.required ? { problem: "is required" } : undefined;
}

function checkText(field: TextField, value: unknown): Checked {
  if (value === undefined || value === null) return missing(field);
  if (typeof value !== "string") return { problem: "must be text" };
  // Browsers send line breaks as CRLF; one form of line break is stored.
  const text = value.replace(/\r\n?/g, "\n").trim();
  if (text.length === 0) return missing(field);
  if (!field.multiline && text.includes("\n")) return { problem: "must be a single line" };
  // Control characters other than line breaks and tabs have no place in an answer.
  // biome-ignore lint/suspicious/noControlCharactersInRegex: that is what it looks for
  if (/[\u0000-\u0008\u000b-\u001f\u007f]/.test(text)) {
    return { problem: "must not contain control characters" };
  }
  const length = countChars(text);
  if (length > field.maxLength) {
    return { problem: `must be at most ${field.maxLength} characters (got ${length})` };
  }
  if (field.minLength !== undefined && length < field.minLength) {
    return { problem: `must be at least ${field.minLength} characters (got ${length})` };
  }
  return text;
}

/** Decimal text as an HTML number input sends it: `12`, `-3.5`, `1e3`. */
const DECIMAL = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;

function checkNumber(field: NumberField, value: unknown): Checked {
  if (value === undefined || value === null) return missing(field);
  let number: number;
  if (typeof value === "number") number = value;
  else if (typeof value === "string") {
    const text = value.trim();
    if (text.length === 0) return missing(field);
    if (!DECIMAL.test(text)) return { problem: "must be a number" };
    number = Number(text);
  } else return { problem: "must be a number" };
  if (!isStorableNumber(number)) {
    return { problem: "must be a number within ±9007199254740991" };
  }
  if (field.integer && !Number.isInteger(number)) return { problem: "must be a whole number" };
  if (field.min !== undefined && number < field.min) {
    return { problem: `must be at least ${field.min}` };
  }
  if (field.max !== undefined && number > field.max) {
    return { problem: `must be at most ${field.max}` };
  }
  // -0 is stored and sent as 0.
  return number === 0 ? 0 : number;
}

function checkSelect(field: SelectField, value: unknown): Checked {
  if (value === undefined || value === null || value === "") return missing(field);
  if (typeof value !== "string" || !field.options.includes(value)) {
    return { problem: "must be one of the listed options" };
  }
  return value;
}

function checkBoolean(field: BooleanField, value: unknown): Checked {
  let checked: boolean;
  if (value === undefined || value === null || value === false || value === "false") {
    checked = false;
  } else if (value === true || value === "true" || value === "on") checked = true;
  else return { problem: "must be true or false" };
  if (field.required && !checked) return { problem: "must be checked" };
  return checked;
}

import { describe, expect, it } from "vitest";
import {
  DEFAULT_TEXT_FIELD_LENGTH,
  type FormField,
  fieldsFor,
  MAX_FORM_BYTES,
  MAX_FORM_FIELDS,
  MAX_FORM_TEXT_LENGTH,
  MAX_OPTION_LENGTH,
  MAX_RESPONSE_BYTES,
  MAX_SELECT_OPTIONS,
  parseForm,
  type ResponseForm,
  validateResponse,
} from "./form.ts";

function parsed(raw: unknown): ResponseForm {
  const result = parseForm(raw);
  if (!result.ok) throw new Error(`${result.field}: ${result.message}`);
  return result.form;
}

function refusal(raw: unknown) {
  const result = parseForm(raw);
  if (result.ok) throw new Error("the form was accepted");
  return { field: result.field, message: result.message };
}

const FORM = parsed([
  { name: "amount", type: "number", label: "Approved amount", required: true, min: 1, max: 5000 },
  { name: "units", type: "number", integer: true, min: 0, max: 10 },
  { name: "region", type: "select", options: ["eu", "us"], required: true },
  { name: "note", type: "text", maxLength: 20, minLength: 3 },
  { name: "confirm", type: "boolean", required: true, label: "I checked the budget" },
  { name: "notify", type: "boolean" },
  { name: "reason", type: "text", required: true, for: ["reject"], multiline: true },
  { name: "ticket", type: "text", for: ["approve", "reject"], maxLength: 10 },
]);

const VALID = { amount: 2500, region: "eu", confirm: true };

describe("parseForm", () => {
  it("fills in the defaults: label from the name, optional, asked when approving", () => {
    expect(parsed([{ name: "reason", type: "text" }])).toEqual([
      {
        name: "reason",
        label: "reason",
        type: "text",
        required: false,
        for: ["approve"],
        maxLength: DEFAULT_TEXT_FIELD_LENGTH,
        multiline: false,
      },
    ]);
  });

  it("treats an absent or empty declaration as no form", () => {
    expect(parsed(undefined)).toEqual([]);
    expect(parsed([])).toEqual([]);
  });

  it("parses its own output to the same form, so core can check a parsed form again", () => {
    expect(parsed(FORM)).toEqual(FORM);
  });

  it("stores `for` in a fixed order", () => {
    const [field] = parsed([{ name: "x", type: "boolean", for: ["reject", "approve"] }]);
    expect(field?.for).toEqual(["approve", "reject"]);
  });

  it.each([
    ["not a list", { name: "x" }, "form", "must be a list of fields"],
    ["a field that is not an object", ["x"], "form[0]", "must be an object"],
    ["an unknown type", [{ name: "x", type: "date" }], "form[0].type", "must be"],
    [
      "a property of another type",
      [{ name: "x", type: "boolean", options: ["a"] }],
      "form[0].options",
      "is not a property of a boolean field",
    ],
    [
      "a misspelt property",
      [{ name: "x", type: "text", maxlength: 5 }],
      "form[0].maxlength",
      "is not a property",
    ],
    ["a name with a space", [{ name: "my field", type: "text" }], "form[0].name", "letters"],
    ["a name starting with a digit", [{ name: "1x", type: "text" }], "form[0].name", "letters"],
    [
      "the name constructor",
      [{ name: "constructor", type: "text" }],
      "form[0].name",
      "constructor",
    ],
    [
      "a name of 41 characters",
      [{ name: `a${"b".repeat(40)}`, type: "text" }],
      "form[0].name",
      "1 to 40",
    ],
    [
      "the same name twice, whatever the case",
      [
        { name: "x", type: "text" },
        { name: "X", type: "boolean" },
      ],
      "form[1].name",
      "used by another field",
    ],
    [
      "a text maxLength of 0",
      [{ name: "x", type: "text", maxLength: 0 }],
      "form[0].maxLength",
      "from 1 to 1000",
    ],
    [
      "a text maxLength above the limit",
      [{ name: "x", type: "text", maxLength: 1001 }],
      "form[0].maxLength",
      "from 1 to 1000",
    ],
    [
      "a minLength above maxLength",
      [{ name: "x", type: "text", maxLength: 5, minLength: 6 }],
      "form[0].minLength",
      "from 0 to 5",
    ],
    [
      "a fractional maxLength",
      [{ name: "x", type: "text", maxLength: 5.5 }],
      "form[0].maxLength",
      "whole number",
    ],
    [
      "min above max",
      [{ name: "x", type: "number", min: 5, max: 4 }],
      "form[0].max",
      "less than min",
    ],
    [
      "no whole number between min and max",
      [{ name: "x", type: "number", integer: true, min: 0.2, max: 0.8 }],
      "form[0].max",
      "no whole number",
    ],
    [
      "a bound DynamoDB cannot keep",
      [{ name: "x", type: "number", max: 2 ** 60 }],
      "form[0].max",
      "must be a number",
    ],
    [
      "a bound given as text",
      [{ name: "x", type: "number", min: "1" }],
      "form[0].min",
      "must be a number",
    ],
    [
      "a select without options",
      [{ name: "x", type: "select", options: [] }],
      "form[0].options",
      "at least one",
    ],
    [
      "a select without an options list",
      [{ name: "x", type: "select" }],
      "form[0].options",
      "at least one",
    ],
    [
      "an empty option",
      [{ name: "x", type: "select", options: [" "] }],
      "form[0].options[0]",
      "must not be empty",
    ],
    [
      "an option too long for Slack",
      [{ name: "x", type: "select", options: ["a".repeat(MAX_OPTION_LENGTH + 1)] }],
      "form[0].options[0]",
      `at most ${MAX_OPTION_LENGTH}`,
    ],
    [
      "an option twice",
      [{ name: "x", type: "select", options: ["a", "a"] }],
      "form[0].options",
      "twice",
    ],
    [
      "too many options",
      [
        {
          name: "x",
          type: "select",
          options: Array.from({ length: MAX_SELECT_OPTIONS + 1 }, (_, i) => `o${i}`),
        },
      ],
      "form[0].options",
      `at most ${MAX_SELECT_OPTIONS}`,
    ],
    [
      "required given as text",
      [{ name: "x", type: "text", required: "yes" }],
      "form[0].required",
      "true or false",
    ],
    ["an empty for", [{ name: "x", type: "text", for: [] }], "form[0].for", "non-empty list"],
    [
      "an unknown decision in for",
      [{ name: "x", type: "text", for: ["maybe"] }],
      "form[0].for",
      "non-empty list",
    ],
    [
      "an empty label",
      [{ name: "x", type: "text", label: "  " }],
      "form[0].label",
      "must not be empty",
    ],
    [
      "a label too long",
      [{ name: "x", type: "text", label: "l".repeat(101) }],
      "form[0].label",
      "at most 100",
    ],
  ])("refuses %s, naming the field", (_what, raw, field, message) => {
    const result = refusal(raw);
    expect(result.field).toBe(field);
    expect(result.message).toContain(message);
  });

  it(`accepts ${MAX_FORM_FIELDS} fields and refuses one more`, () => {
    const fields = (n: number) =>
      Array.from({ length: n }, (_, i) => ({ name: `f${i}`, type: "boolean" }));
    expect(parsed(fields(MAX_FORM_FIELDS))).toHaveLength(MAX_FORM_FIELDS);
    expect(refusal(fields(MAX_FORM_FIELDS + 1))).toEqual({
      field: "form",
      message: `must have at most ${MAX_FORM_FIELDS} fields`,
    });
  });

  it(`lets text fields accept ${MAX_FORM_TEXT_LENGTH} characters in all, not one more`, () => {
    const texts = (last: number) => [
      { name: "a", type: "text", maxLength: 600 },
      { name: "b", type: "text", maxLength: last },
    ];
    expect(parsed(texts(MAX_FORM_TEXT_LENGTH - 600))).toHaveLength(2);
    expect(refusal(texts(MAX_FORM_TEXT_LENGTH - 599)).message).toContain("adds up to 1001");
  });

  it(`refuses a declaration over ${MAX_FORM_BYTES} bytes`, () => {
    const options = Array.from({ length: MAX_SELECT_OPTIONS }, (_, i) => `${i}`.padEnd(70, "x"));
    const raw = [0, 1, 2].map((i) => ({ name: `s${i}`, type: "select", options }));
    expect(refusal(raw)).toEqual({
      field: "form",
      message: `must be at most ${MAX_FORM_BYTES} bytes of JSON`,
    });
  });
});

describe("fieldsFor", () => {
  it("lists the fields asked with each decision, in form order", () => {
    expect(fieldsFor(FORM, "approve").map((f) => f.name)).toEqual([
      "amount",
      "units",
      "region",
      "note",
      "confirm",
      "notify",
      "ticket",
    ]);
    expect(fieldsFor(FORM, "reject").map((f) => f.name)).toEqual(["reason", "ticket"]);
    expect(fieldsFor(undefined, "approve")).toEqual([]);
  });
});

describe("validateResponse", () => {
  it("returns the answers in form order, booleans always present, blank optional fields absent", () => {
    const result = validateResponse(FORM, "approve", { ...VALID, note: "   ", ticket: "" });
    expect(result).toEqual({
      ok: true,
      response: { amount: 2500, region: "eu", confirm: true, notify: false },
    });
    expect(Object.keys(result.ok ? (result.response ?? {}) : {})).toEqual([
      "amount",
      "region",
      "confirm",
      "notify",
    ]);
  });

  it("reads a page's text: decimal numbers, checkbox values, CRLF line breaks", () => {
    const result = validateResponse(FORM, "approve", {
      amount: " 12.5 ",
      units: "3",
      region: "us",
      confirm: "on",
      notify: "true",
    });
    expect(result).toEqual({
      ok: true,
      response: { amount: 12.5, units: 3, region: "us", confirm: true, notify: true },
    });
    expect(validateResponse(FORM, "reject", { reason: "line one\r\nline two " })).toEqual({
      ok: true,
      response: { reason: "line one\nline two" },
    });
  });

  it("accepts the bounds of a number and refuses just past them", () => {
    for (const amount of [1, 5000, "1", "5000"]) {
      expect(validateResponse(FORM, "approve", { ...VALID, amount }).ok).toBe(true);
    }
    expect(validateResponse(FORM, "approve", { ...VALID, amount: 0.999 })).toEqual({
      ok: false,
      problems: [{ field: "amount", message: "must be at least 1" }],
    });
    expect(validateResponse(FORM, "approve", { ...VALID, amount: 5000.01 })).toEqual({
      ok: false,
      problems: [{ field: "amount", message: "must be at most 5000" }],
    });
  });

  it.each([
    ["text for a number", { amount: "12abc" }, "amount", "must be a number"],
    ["hexadecimal text for a number", { amount: "0x10" }, "amount", "must be a number"],
    ["a boolean for a number", { amount: true }, "amount", "must be a number"],
    ["a number DynamoDB cannot keep", { amount: 2 ** 60 }, "amount", "within"],
    ["a fraction for a whole number", { units: 1.5 }, "units", "whole number"],
    ["an option not listed", { region: "EU" }, "region", "one of the listed options"],
    ["a number for a select", { region: 1 }, "region", "one of the listed options"],
    ["a number for text", { note: 12345 }, "note", "must be text"],
    ["text too short", { note: "ab" }, "note", "at least 3"],
    ["text too long", { note: "x".repeat(21) }, "note", "at most 20 characters (got 21)"],
    ["a line break in a single-line field", { note: "abc\ndef" }, "note", "single line"],
    ["a control character", { note: "abc\u0007" }, "note", "control characters"],
    ["an unchecked required box", { confirm: false }, "confirm", "must be checked"],
    ["a box answered with text", { notify: "yes" }, "notify", "true or false"],
    [
      "a value for a field the form does not have",
      { bonus: 1 },
      "bonus",
      "not a field of this form",
    ],
    [
      "a value for a field asked only on reject",
      { reason: "because" },
      "reason",
      "only when you reject",
    ],
  ])("refuses %s", (_what, change, field, message) => {
    const result = validateResponse(FORM, "approve", { ...VALID, ...change });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.problems).toHaveLength(1);
    expect(result.problems[0]?.field).toBe(field);
    expect(result.problems[0]?.message).toContain(message);
  });

  it("counts characters, not UTF-16 units or bytes, against maxLength", () => {
    expect(validateResponse(FORM, "approve", { ...VALID, note: "😀".repeat(20) }).ok).toBe(true);
    expect(validateResponse(FORM, "approve", { ...VALID, note: "😀".repeat(21) }).ok).toBe(false);
  });

  it("names every missing required field at once", () => {
    expect(validateResponse(FORM, "approve", {})).toEqual({
      ok: false,
      problems: [
        { field: "amount", message: "is required" },
        { field: "region", message: "is required" },
        { field: "confirm", message: "must be checked" },
      ],
    });
    expect(validateResponse(FORM, "reject", undefined)).toEqual({
      ok: false,
      problems: [{ field: "reason", message: "is required" }],
    });
  });

  it("ignores a page's values for fields not asked with this decision, when told to", () => {
    const page = { amount: "", region: "", note: "abc", confirm: "on" };
    expect(
      validateResponse(FORM, "reject", { ...page, reason: "too dear" }, { ignoreUnasked: true }),
    ).toEqual({ ok: true, response: { reason: "too dear" } });
    // Names the form does not have are refused even then.
    expect(
      validateResponse(FORM, "reject", { reason: "x", bogus: "1" }, { ignoreUnasked: true }),
    ).toEqual({
      ok: false,
      problems: [{ field: "bogus", message: "is not a field of this form" }],
    });
  });

  it("has no response for a decision the form asks nothing of, and refuses values then", () => {
    const approveOnly = parsed([{ name: "amount", type: "number" }]);
    expect(validateResponse(approveOnly, "reject", {})).toEqual({ ok: true });
    expect(validateResponse(undefined, "approve", undefined)).toEqual({ ok: true });
    expect(validateResponse(undefined, "approve", { amount: 1 })).toEqual({
      ok: false,
      problems: [{ field: "amount", message: "is not a field of this form" }],
    });
  });

  it("gives an empty response when every asked field was optional and left blank", () => {
    const optional = parsed([{ name: "note", type: "text" }]);
    expect(validateResponse(optional, "approve", { note: "" })).toEqual({ ok: true, response: {} });
  });

  it("refuses a response that is not an object", () => {
    for (const raw of ["amount=1", [1], 5]) {
      expect(validateResponse(FORM, "approve", raw)).toEqual({
        ok: false,
        problems: [{ field: "response", message: "must be an object of field values" }],
      });
    }
  });

  it("does not let a __proto__ key reach the response", () => {
    const raw = JSON.parse(
      '{"__proto__": {"amount": 1}, "amount": 2, "region": "eu", "confirm": true}',
    );
    const result = validateResponse(FORM, "approve", raw);
    expect(result).toEqual({
      ok: false,
      problems: [{ field: "__proto__", message: "is not a field of this form" }],
    });
  });

  it(`refuses answers over ${MAX_RESPONSE_BYTES} bytes in all, within each field's limit`, () => {
    const wide = parsed([
      { name: "a", type: "text", maxLength: 500 },
      { name: "b", type: "text", maxLength: 500 },
    ]);
    // 1,000 characters of three bytes each: within maxLength, over the byte budget.
    const result = validateResponse(wide, "approve", { a: "€".repeat(500), b: "€".repeat(500) });
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.problems[0]?.field).toBe("response");
    expect(validateResponse(wide, "approve", { a: "x".repeat(500), b: "€".repeat(400) }).ok).toBe(
      true,
    );
  });

  it("reports at most 20 problems however many values are sent", () => {
    const raw = Object.fromEntries(Array.from({ length: 100 }, (_, i) => [`x${i}`, 1]));
    const result = validateResponse(FORM, "approve", raw);
    expect(result.ok ? [] : result.problems).toHaveLength(20);
  });

  it("never returns a value outside the form's declared shape (invariant)", () => {
    const samples: unknown[] = [
      "",
      " ",
      "0",
      "-0",
      "1e3",
      "5001",
      "abc",
      "on",
      "true",
      "false",
      0,
      -0,
      1,
      1.5,
      5000,
      1e9,
      true,
      false,
      null,
      [],
      {},
      "eu",
      "us",
    ];
    const byName = new Map<string, FormField>(FORM.map((field) => [field.name, field]));
    for (const value of samples) {
      for (const field of fieldsFor(FORM, "approve")) {
        const result = validateResponse(FORM, "approve", { ...VALID, [field.name]: value });
        if (!result.ok) continue;
        for (const [name, answer] of Object.entries(result.response ?? {})) {
          const declared = byName.get(name)!;
          expect(declared.for).toContain("approve");
          if (declared.type === "number") {
            expect(typeof answer).toBe("number");
            expect(Object.is(answer, -0)).toBe(false);
            if (declared.min !== undefined) expect(answer).toBeGreaterThanOrEqual(declared.min);
            if (declared.max !== undefined) expect(answer).toBeLessThanOrEqual(declared.max);
            if (declared.integer) expect(Number.isInteger(answer)).toBe(true);
          }
          if (declared.type === "select") expect(declared.options).toContain(answer);
          if (declared.type === "boolean") expect(typeof answer).toBe("boolean");
          if (declared.type === "text") {
            expect(typeof answer).toBe("string");
            expect((answer as string).length).toBeGreaterThan(0);
          }
        }
      }
    }
  });
});

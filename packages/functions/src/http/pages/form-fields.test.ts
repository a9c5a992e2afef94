import { parseForm, type ResponseForm } from "@signoff/core";
import { describe, expect, it } from "vitest";
import { describeResponse, readFormValues, renderFormFields } from "./form-fields.ts";

const EVIL = `"><script>alert(1)</script>`;

function form(raw: unknown): ResponseForm {
  const parsed = parseForm(raw);
  if (!parsed.ok) throw new Error(parsed.message);
  return parsed.form;
}

describe("renderFormFields", () => {
  it("escapes every string a request or an approver supplies", async () => {
    const html = String(
      await renderFormFields({
        form: form([
          { name: "t", type: "text", label: EVIL, description: EVIL },
          { name: "s", type: "select", options: [EVIL, "plain"] },
          { name: "m", type: "text", multiline: true },
        ]),
        idPrefix: "p",
        values: { t: EVIL, s: EVIL, m: `</textarea>${EVIL}` },
        problems: [{ field: "t", message: EVIL }],
      }),
    );
    expect(html).not.toContain("<script>");
    expect(html).not.toContain('"><');
    expect(html).toContain("&lt;script&gt;");
    // The posted option is selected again, compared as text, not as markup.
    expect(html).toMatch(/<option value="&quot;&gt;&lt;script&gt;[^"]*" selected>/);
    expect(html).toContain("&lt;/textarea&gt;");
  });

  it("renders nothing for a request without a form", async () => {
    expect(String(await renderFormFields({ form: undefined, idPrefix: "p" }))).toBe("");
  });

  it("marks which button a field is for only when the form mixes them", async () => {
    const mixed = String(
      await renderFormFields({
        form: form([
          { name: "a", type: "boolean" },
          { name: "r", type: "text", for: ["reject"] },
          { name: "b", type: "text", for: ["approve", "reject"] },
        ]),
        idPrefix: "p",
      }),
    );
    expect(mixed).toContain("a (asked when you approve)");
    expect(mixed).toContain("r (asked when you reject)");
    expect(mixed).toMatch(/<label for="p-b">b<\/label>/);
    const plain = String(
      await renderFormFields({ form: form([{ name: "a", type: "boolean" }]), idPrefix: "p" }),
    );
    expect(plain).not.toContain("asked when");
  });
});

describe("readFormValues", () => {
  it("keeps only the f.* inputs that are single text values, without the prefix", () => {
    const values = readFormValues({
      nonce: "n",
      decision: "approve",
      comment: "c",
      "f.amount": "12",
      "f.many": ["1", "2"],
      "f.__proto__": "x",
    });
    expect(Object.keys(values).sort()).toEqual(["__proto__", "amount"]);
    expect(Object.getPrototypeOf(values)).toBe(Object.prototype);
    expect(values.amount).toBe("12");
  });
});

describe("describeResponse", () => {
  it("names answers by their labels and booleans as yes or no", () => {
    const fields = form([
      { name: "amount", type: "number", label: "Amount" },
      { name: "ok", type: "boolean" },
    ]);
    expect(describeResponse(fields, { amount: 3, ok: false })).toBe("Amount: 3 · ok: no");
    expect(describeResponse(fields, undefined)).toBe("");
  });
});

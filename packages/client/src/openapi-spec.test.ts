import { Validator } from "@seriousme/openapi-schema-validator";
import { beforeAll, describe, expect, it } from "vitest";
import { type OpenApiDocument, readServedSpec } from "./generate/served-spec.ts";

let spec: OpenApiDocument;

beforeAll(async () => {
  spec = await readServedSpec();
});

async function validate(document: OpenApiDocument) {
  return new Validator().validate(document);
}

describe("the served OpenAPI document", () => {
  it("is valid OpenAPI 3.1", async () => {
    const result = await validate(spec);
    expect(result.errors).toBeUndefined();
    expect(result.valid).toBe(true);
    expect(spec.openapi).toMatch(/^3\.1\./);
  });

  it("fails validation once broken, so the check above can fail", async () => {
    // A response without its required description, as a careless route definition would be.
    const broken = structuredClone(spec) as {
      paths: Record<string, { get?: { responses: Record<string, unknown> } }>;
    };
    const route = broken.paths["/v1/approvals/{id}"]?.get;
    expect(route).toBeDefined();
    route!.responses["200"] = { content: {} };
    const result = await validate(broken);
    expect(result.valid).toBe(false);
    expect(JSON.stringify(result.errors)).toContain("description");
  });
});

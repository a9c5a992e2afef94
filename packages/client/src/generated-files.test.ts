import { readFile } from "node:fs/promises";
import { relative } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { type ClientFiles, GENERATE_COMMAND, renderClientFiles } from "./generate/client-files.ts";
import { REPO_ROOT, SCHEMA_PATH, SPEC_PATH } from "./generate/paths.ts";
import { type OpenApiDocument, readServedSpec } from "./generate/served-spec.ts";

let spec: OpenApiDocument;
let fresh: ClientFiles;

beforeAll(async () => {
  spec = await readServedSpec();
  fresh = await renderClientFiles(spec);
});

function staleMessage(path: string): string {
  return `${relative(REPO_ROOT, path)} is not what the app serves now: run ${GENERATE_COMMAND}`;
}

describe("the generated client files", () => {
  it("openapi.json is the document the app serves now", async () => {
    expect(await readFile(SPEC_PATH, "utf8"), staleMessage(SPEC_PATH)).toBe(fresh.spec);
  });

  it("schema.ts is what openapi-typescript generates from it now", async () => {
    expect(await readFile(SCHEMA_PATH, "utf8"), staleMessage(SCHEMA_PATH)).toBe(fresh.schema);
  });

  it("change when the API changes, so the two checks above can fail", async () => {
    const changed = structuredClone(spec) as { paths: Record<string, unknown> };
    changed.paths["/v1/changed"] = {
      get: { responses: { 204: { description: "A route the checked-in files lack." } } },
    };
    const rendered = await renderClientFiles(changed);
    expect(rendered.spec).not.toBe(fresh.spec);
    expect(rendered.schema).toContain('"/v1/changed"');
  });
});

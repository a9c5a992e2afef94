/**
 * `npm run generate:client`: writes packages/client/openapi.json and src/schema.ts from the
 * document the app serves now.
 */
import { writeFile } from "node:fs/promises";
import { relative } from "node:path";
import { renderClientFiles } from "../src/generate/client-files.ts";
import { REPO_ROOT, SCHEMA_PATH, SPEC_PATH } from "../src/generate/paths.ts";
import { readServedSpec } from "../src/generate/served-spec.ts";

const files = await renderClientFiles(await readServedSpec());
await writeFile(SPEC_PATH, files.spec);
await writeFile(SCHEMA_PATH, files.schema);
for (const path of [SPEC_PATH, SCHEMA_PATH]) console.log(`wrote ${relative(REPO_ROOT, path)}`);

import { fileURLToPath } from "node:url";

/** The repository root, found from this file so generation works from any working directory. */
export const REPO_ROOT = fileURLToPath(new URL("../../../../", import.meta.url));

/** The served OpenAPI document, checked in so reviewers see API changes as a diff. */
export const SPEC_PATH = fileURLToPath(new URL("../../openapi.json", import.meta.url));

/** The TypeScript types openapi-typescript generates from that document. */
export const SCHEMA_PATH = fileURLToPath(new URL("../schema.ts", import.meta.url));

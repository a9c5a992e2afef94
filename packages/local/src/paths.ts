import { fileURLToPath } from "node:url";

/** The repository root, found from this file so the stack works from any working directory. */
export const REPO_ROOT = fileURLToPath(new URL("../../../", import.meta.url));

/** infra/workflows/: the state machine definitions the stack registers (and SST deploys). */
export const WORKFLOWS_DIR = fileURLToPath(new URL("../../../infra/workflows/", import.meta.url));

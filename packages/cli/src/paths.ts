import { fileURLToPath } from "node:url";

/** The repository root, found from this file so the CLI works from any working directory. */
export const REPO_ROOT = fileURLToPath(new URL("../../../", import.meta.url));

/**
 * Where the local stack writes stack.json unless SIGNOFF_STATE_DIR says otherwise; the same
 * default as packages/local/src/constants.ts (not imported: that package starts emulators).
 */
export const DEFAULT_STATE_DIR = ".local";

export const STACK_FILE_NAME = "stack.json";

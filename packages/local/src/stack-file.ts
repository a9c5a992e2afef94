import { mkdir, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { Stack } from "./stack-types.ts";

/** The contents of `.local/stack.json`: how other tools find a running stack. */
export interface StackFile {
  region: string;
  endpoints: {
    dynamodb: string;
    sesv2: string;
    stepfunctions: string;
    /** null until the stack runs an API. */
    api: string | null;
    inbox: string;
  };
  stateMachines: Record<string, string>;
}

/** The file's name inside the state directory. */
export const STACK_FILE_NAME = "stack.json";

/** What a running stack writes about itself. */
export function toStackFile(stack: Stack): StackFile {
  const { dynamodb, sesv2, stepfunctions, api, inbox } = stack.endpoints;
  return {
    region: stack.region,
    endpoints: { dynamodb, sesv2, stepfunctions, api: api ?? null, inbox },
    stateMachines: { ...stack.stateMachines },
  };
}

/** Writes `stack.json` into `dir` (created if missing) and returns its path. */
export async function writeStackFile(dir: string, stack: Stack): Promise<string> {
  await mkdir(dir, { recursive: true });
  const path = join(dir, STACK_FILE_NAME);
  await writeFile(path, `${JSON.stringify(toStackFile(stack), null, 2)}\n`);
  return path;
}

/** Removes `stack.json` when the stack stops, so no tool mistakes a stopped stack for a running one. */
export async function removeStackFile(path: string): Promise<void> {
  await rm(path, { force: true });
}

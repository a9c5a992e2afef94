import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { ROOT, runNodeTool, type ToolResult } from "./run-tool.ts";

// `sst install` needs no AWS account and no internet beyond the npm registry when it is told not
// to fetch Pulumi and Bun from GitHub, and is given a stage (otherwise it stops and asks for one). It
// bundles sst.config.ts with infra/, evaluates app(), and installs SST's platform (its TypeScript
// sources plus @pulumi/aws and friends) into .sst/platform with npm.
export const SST_OFFLINE_ENV = {
  SST_TELEMETRY_DISABLED: "1",
  SST_SKIP_DEPENDENCY_CHECK: "1",
  SST_NO_BUN: "1",
  // The platform's dependencies are pinned (a few to ranges); npm may use its cached metadata.
  npm_config_prefer_offline: "true",
};

/** Where `sst install` puts SST's platform: component sources, shims, @pulumi/* packages. */
export const PLATFORM_DIR = join(ROOT, ".sst", "platform");

// A fresh checkout installs ~300 packages, 320 MB (about 60 s on a cold npm cache, 20-60 s on a warm
// one, depending on the disk); afterwards .sst/platform is current and the command takes 2-4 s.
export const INSTALL_TIMEOUT_MS = 240_000;

/** Runs `sst install --stage ci`, which writes .sst/platform for the SST version in package.json. */
export function installPlatform(timeoutMs = INSTALL_TIMEOUT_MS): Promise<ToolResult> {
  return runNodeTool(
    "node_modules/sst/bin/sst.mjs",
    // --print-logs puts the cause of a failure in the output.
    ["install", "--stage", "ci", "--print-logs"],
    { env: SST_OFFLINE_ENV, timeoutMs },
  );
}

/** The sst package's version, which `sst install` writes to .sst/platform/version. */
export async function sstVersion(): Promise<string> {
  const pkg = JSON.parse(await readFile(join(ROOT, "node_modules/sst/package.json"), "utf8")) as {
    version: string;
  };
  return pkg.version;
}

/** Whether .sst/platform is there and matches the installed sst package. */
export async function platformIsCurrent(): Promise<boolean> {
  try {
    const installed = (await readFile(join(PLATFORM_DIR, "version"), "utf8")).trim();
    await readFile(join(PLATFORM_DIR, "src", "auto", "run.ts"));
    return installed === (await sstVersion());
  } catch {
    return false;
  }
}

declare module "vitest" {
  export interface ProvidedContext {
    /** What the deploy project's global setup got from `sst install` (global-setup.ts). */
    sstInstall: ToolResult;
  }
}

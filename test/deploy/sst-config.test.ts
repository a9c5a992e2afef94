import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, inject, it } from "vitest";
import { ROOT, runNodeTool } from "./run-tool.ts";
import { PLATFORM_DIR, sstVersion } from "./sst-platform.ts";

const TSC_TIMEOUT_MS = 120_000;
// The tools get a little less time than their tests, so a hung tool fails with its output.
const TOOL_GRACE_MS = 5_000;

interface SstConfig {
  app(input: { stage: string }): { name: string; home: string; removal: string; protect?: boolean };
}

describe("the SST config", () => {
  // The deploy project's global setup ran `sst install` (offline, see sst-platform.ts) before
  // this file; here is whether it worked.
  it("installs SST's platform types offline with sst install", async () => {
    const result = inject("sstInstall");
    expect(result.code, result.output).toBe(0);

    const version = await sstVersion();
    expect((await readFile(join(PLATFORM_DIR, "version"), "utf8")).trim()).toBe(version);
    expect(await readFile(join(PLATFORM_DIR, "config.d.ts"), "utf8")).toContain("@pulumi/aws");
  });

  it(
    "type-checks sst.config.ts and infra/ against SST's platform types",
    async () => {
      const result = await runNodeTool(
        "node_modules/typescript/bin/tsc",
        ["--noEmit", "-p", "infra/tsconfig.json"],
        { timeoutMs: TSC_TIMEOUT_MS - TOOL_GRACE_MS },
      );
      expect(result.code, result.output).toBe(0);
    },
    TSC_TIMEOUT_MS,
  );

  it("keeps and protects the production stage's resources and removes any other stage's", async () => {
    // app() only reads its input, so it runs here with $config as the identity function. The path
    // is a variable so the root type-check, which has no SST globals, does not follow it.
    const globals = globalThis as { $config?: (config: SstConfig) => SstConfig };
    globals.$config = (config) => config;
    const configPath = join(ROOT, "sst.config.ts");
    const config = ((await import(configPath)) as { default: SstConfig }).default;
    delete globals.$config;

    expect(config.app({ stage: "production" })).toEqual({
      name: "signoff",
      home: "aws",
      removal: "retain",
      protect: true,
    });
    expect(config.app({ stage: "ci" })).toMatchObject({ removal: "remove", protect: false });
  });
});

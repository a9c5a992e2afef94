import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ROOT, runNodeTool } from "./run-tool.ts";

// `sst install` needs no AWS account and no internet beyond the npm registry when it is told not
// to fetch Pulumi and Bun from GitHub, and is given a stage (otherwise it stops and asks for one). It
// bundles sst.config.ts with infra/, evaluates app(), and installs SST's platform (its TypeScript
// sources plus @pulumi/aws and friends) into .sst/platform with npm.
const SST_OFFLINE_ENV = {
  SST_TELEMETRY_DISABLED: "1",
  SST_SKIP_DEPENDENCY_CHECK: "1",
  SST_NO_BUN: "1",
  // The platform's dependencies are pinned (a few to ranges); npm may use its cached metadata.
  npm_config_prefer_offline: "true",
};

// A fresh checkout installs ~300 packages, 320 MB (about 60 s on a cold npm cache, 20-60 s on a warm
// one, depending on the disk); afterwards .sst/platform is current and the command takes 2-4 s.
const INSTALL_TIMEOUT_MS = 240_000;
const TSC_TIMEOUT_MS = 120_000;
// The tools get a little less time than their tests, so a hung tool fails with its output.
const TOOL_GRACE_MS = 5_000;

interface SstConfig {
  app(input: { stage: string }): { name: string; home: string; removal: string; protect?: boolean };
}

describe("the SST config", () => {
  it(
    "installs SST's platform types offline with sst install",
    async () => {
      const result = await runNodeTool(
        "node_modules/sst/bin/sst.mjs",
        // --print-logs puts the cause of a failure in the assertion message.
        ["install", "--stage", "ci", "--print-logs"],
        { env: SST_OFFLINE_ENV, timeoutMs: INSTALL_TIMEOUT_MS - TOOL_GRACE_MS },
      );
      expect(result.code, result.output).toBe(0);

      const { version } = JSON.parse(
        await readFile(join(ROOT, "node_modules/sst/package.json"), "utf8"),
      ) as { version: string };
      const platform = join(ROOT, ".sst/platform");
      expect((await readFile(join(platform, "version"), "utf8")).trim()).toBe(version);
      expect(await readFile(join(platform, "config.d.ts"), "utf8")).toContain("@pulumi/aws");
    },
    INSTALL_TIMEOUT_MS,
  );

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

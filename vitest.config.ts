import { configDefaults, defineConfig } from "vitest/config";

// One project per package plus the cross-package tests in test/.
// Tests talk to real local emulators over loopback, so they get generous timeouts.
export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // The SDK's notice that its 2027 releases need Node 22 (Lambda runs nodejs22.x) would
    // otherwise repeat once per test file; npm start silences it the same way.
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true" },
    projects: [
      { extends: true, test: { name: "core", include: ["packages/core/src/**/*.test.ts"] } },
      {
        extends: true,
        test: { name: "sfn-local", include: ["packages/sfn-local/src/**/*.test.ts"] },
      },
      {
        extends: true,
        test: { name: "functions", include: ["packages/functions/src/**/*.test.ts"] },
      },
      {
        extends: true,
        test: {
          name: "local",
          include: [
            "packages/local/src/**/*.test.ts",
            "packages/dev-issuer/src/**/*.test.ts",
            "packages/slack-local/src/**/*.test.ts",
          ],
        },
      },
      {
        extends: true,
        test: {
          name: "client",
          include: ["packages/client/src/**/*.test.ts", "packages/cli/src/**/*.test.ts"],
        },
      },
      {
        extends: true,
        test: {
          name: "e2e",
          include: ["test/**/*.test.ts"],
          exclude: [...configDefaults.exclude, "test/deploy/**", "test/reliability/**"],
        },
      },
      // Load, faults and hostile input, with a table of figures at the end. `npm test` runs it at
      // CI size; `npm run test:reliability` (SIGNOFF_RELIABILITY=full) at the full size.
      {
        extends: true,
        test: {
          name: "reliability",
          include: ["test/reliability/**/*.test.ts"],
          globalSetup: ["test/reliability/support/global-setup.ts"],
          testTimeout: 600_000,
          hookTimeout: 120_000,
        },
      },
      // sst.config.ts and infra/, checked offline. The global setup runs `sst install` once for
      // the project's test files; the type-check and the resource graph need .sst/platform.
      {
        extends: true,
        test: {
          name: "deploy",
          include: ["test/deploy/**/*.test.ts"],
          globalSetup: ["test/deploy/global-setup.ts"],
        },
      },
    ],
  },
});

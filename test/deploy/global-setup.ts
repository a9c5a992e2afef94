/**
 * The deploy project's global setup: `sst install` once, before any of its test files run, so
 * sst-config.test.ts's type-check and infra-graph.test.ts's evaluations share one current
 * .sst/platform and never see it half-written. The result goes to the tests (`inject("sstInstall")`),
 * which report a failed install with its output.
 */
import type { TestProject } from "vitest/node";
import { installPlatform } from "./sst-platform.ts";

export default async function setup(project: TestProject): Promise<void> {
  project.provide("sstInstall", await installPlatform());
}

/**
 * The keyless runtimes as their Lambda functions build them from the environment: cancel and
 * ses-events are deployed with neither keyring, nor the public URL, and must start without them.
 */
import { afterEach, describe, expect, it, vi } from "vitest";
import { createCancelRuntimeFromEnv } from "./cancel-runtime.ts";
import { ConfigError } from "./config.ts";
import { createRuntimeFromEnv } from "./runtime.ts";
import { createStoreRuntimeFromEnv } from "./store-runtime.ts";

afterEach(() => {
  vi.unstubAllEnvs();
});

/** The environment infra/ gives every function, minus the keyrings (and SST links). */
function stubDeployedEnv() {
  vi.stubEnv("SIGNOFF_TABLE_NAME", "signoff-prod-Table");
  vi.stubEnv("SIGNOFF_SENDER", "approvals@example.com");
  vi.stubEnv("SIGNOFF_SES_CONFIGURATION_SET", "signoff-prod");
  vi.stubEnv("AWS_REGION", "us-east-1");
  for (const name of ["SIGNOFF_LINK_KEYS", "SIGNOFF_TOKEN_KEYS", "SIGNOFF_PUBLIC_URL"]) {
    vi.stubEnv(name, undefined);
  }
}

describe("the runtimes built from the environment", () => {
  it("cancel's starts with no keyring and no public URL, and sends through the set", () => {
    stubDeployedEnv();
    const runtime = createCancelRuntimeFromEnv();
    expect(runtime.config).toEqual({
      tableName: "signoff-prod-Table",
      sender: "approvals@example.com",
      sesConfigurationSet: "signoff-prod",
    });
  });

  it("ses-events' starts with the table name alone", () => {
    stubDeployedEnv();
    vi.stubEnv("SIGNOFF_SENDER", undefined);
    expect(createStoreRuntimeFromEnv().config).toEqual({ tableName: "signoff-prod-Table" });
  });

  it("while the functions that sign and decrypt refuse to start without their keys", () => {
    stubDeployedEnv();
    let problems: string[] = [];
    try {
      createRuntimeFromEnv();
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      problems = (error as ConfigError).problems.map((problem) => problem.variable);
    }
    expect(problems.sort()).toEqual([
      "SIGNOFF_LINK_KEYS",
      "SIGNOFF_PUBLIC_URL",
      "SIGNOFF_TOKEN_KEYS",
    ]);
  });
});

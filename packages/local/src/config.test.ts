import { describe, expect, it } from "vitest";
import { readLocalConfig } from "./config.ts";

describe("readLocalConfig", () => {
  it("uses the default ports when no variable is set", () => {
    expect(readLocalConfig({})).toEqual({
      ports: {
        dynamodb: 8000,
        ses: 8005,
        stepfunctions: 8083,
        api: 3000,
        issuer: 8086,
        slack: 8087,
      },
      stateDir: undefined,
    });
  });

  it("takes each port and the state directory from its variable", () => {
    const config = readLocalConfig({
      SIGNOFF_DYNAMODB_PORT: "9000",
      SIGNOFF_SES_PORT: "9005",
      SIGNOFF_SFN_PORT: "0",
      SIGNOFF_API_PORT: " 3100 ",
      SIGNOFF_ISSUER_PORT: "9086",
      SIGNOFF_SLACK_PORT: "9087",
      SIGNOFF_STATE_DIR: "/tmp/state",
    });
    expect(config).toEqual({
      ports: { dynamodb: 9000, ses: 9005, stepfunctions: 0, api: 3100, issuer: 9086, slack: 9087 },
      stateDir: "/tmp/state",
    });
  });

  it.each(["abc", "-1", "80.5", "65536"])("rejects %j naming the variable", (value) => {
    expect(() => readLocalConfig({ SIGNOFF_SFN_PORT: value })).toThrow(
      `SIGNOFF_SFN_PORT must be a port number from 0 to 65535 (0 = any free port), got "${value}"`,
    );
  });
});

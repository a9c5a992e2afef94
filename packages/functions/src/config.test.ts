import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { ConfigError, ConfigVariable, loadConfig } from "./config.ts";

const linkSecret = randomBytes(32).toString("base64url");
const oldLinkSecret = randomBytes(48).toString("base64url");
const tokenSecret = randomBytes(32).toString("base64url");

const valid = {
  SIGNOFF_TABLE_NAME: "signoff-dev",
  SIGNOFF_SENDER: "signoff@example.com",
  SIGNOFF_PUBLIC_URL: "https://approvals.example.com/prod/",
  SIGNOFF_LINK_KEYS: `l2:${linkSecret},l1:${oldLinkSecret}`,
  SIGNOFF_TOKEN_KEYS: `t1:${tokenSecret}`,
  SIGNOFF_DEFAULT_APPROVERS: " Ann@Example.com, bob@example.com,ann@example.com ",
};

function problemsOf(env: Record<string, string | undefined>): Record<string, string> {
  try {
    loadConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return Object.fromEntries((error as ConfigError).problems.map((p) => [p.variable, p.message]));
  }
  throw new Error("expected loadConfig to throw");
}

describe("loadConfig", () => {
  it("reads a valid environment into typed values", () => {
    const config = loadConfig(valid);
    expect(config).toMatchObject({
      tableName: "signoff-dev",
      sender: "signoff@example.com",
      publicUrl: "https://approvals.example.com/prod",
      defaultApprovers: ["ann@example.com", "bob@example.com"],
      defaultTimeoutSeconds: 86_400,
    });
    expect(config.linkKeys.map((key) => key.kid)).toEqual(["l2", "l1"]);
    expect(config.linkKeys[1]?.secret).toHaveLength(48);
    expect(Buffer.from(config.tokenKeys[0]!.secret).toString("base64url")).toBe(tokenSecret);
  });

  it("defaults optional variables", () => {
    const config = loadConfig({
      ...valid,
      SIGNOFF_DEFAULT_APPROVERS: undefined,
      SIGNOFF_PUBLIC_URL: "http://127.0.0.1:3000",
    });
    expect(config.defaultApprovers).toEqual([]);
    expect(config.defaultTimeoutSeconds).toBe(86_400);
    expect(config.publicUrl).toBe("http://127.0.0.1:3000");
  });

  it("names every missing required variable at once", () => {
    const problems = problemsOf({});
    expect(Object.keys(problems).sort()).toEqual(
      [
        ConfigVariable.tableName,
        ConfigVariable.sender,
        ConfigVariable.publicUrl,
        ConfigVariable.linkKeys,
        ConfigVariable.tokenKeys,
      ].sort(),
    );
    expect(Object.values(problems).every((message) => message === "is required")).toBe(true);
  });

  it("names every invalid variable", () => {
    const problems = problemsOf({
      SIGNOFF_TABLE_NAME: "no spaces allowed",
      SIGNOFF_SENDER: "not-an-email",
      SIGNOFF_PUBLIC_URL: "ftp://approvals.example.com",
      SIGNOFF_LINK_KEYS: `l1:${randomBytes(16).toString("base64url")}`,
      SIGNOFF_TOKEN_KEYS: `t1:${tokenSecret},t1:${tokenSecret}`,
      SIGNOFF_DEFAULT_APPROVERS: "ann@example.com,nobody",
      SIGNOFF_DEFAULT_TIMEOUT_SECONDS: "1.5",
    });
    expect(Object.keys(problems).sort()).toEqual(Object.values(ConfigVariable).sort());
    expect(problems[ConfigVariable.linkKeys]).toMatch(/16-byte secret; at least 32/);
    expect(problems[ConfigVariable.tokenKeys]).toMatch(/repeats an earlier key id/);
    expect(problems[ConfigVariable.defaultApprovers]).toMatch(/entry 2 is not an email/);
  });

  it("requires token keys of exactly 32 bytes, as A256GCM does", () => {
    const problems = problemsOf({ ...valid, SIGNOFF_TOKEN_KEYS: `t1:${oldLinkSecret}` });
    expect(problems[ConfigVariable.tokenKeys]).toMatch(/48-byte secret; exactly 32/);
  });

  it("rejects a public URL with a query, and a keyring entry without a kid", () => {
    const problems = problemsOf({
      ...valid,
      SIGNOFF_PUBLIC_URL: "https://approvals.example.com/?a=1",
      SIGNOFF_LINK_KEYS: linkSecret,
    });
    expect(Object.keys(problems).sort()).toEqual([
      ConfigVariable.linkKeys,
      ConfigVariable.publicUrl,
    ]);
  });

  it("never echoes a secret or other value in the error", () => {
    const shortSecret = randomBytes(20).toString("base64url");
    const env = {
      ...valid,
      SIGNOFF_LINK_KEYS: `l1:${shortSecret}`,
      SIGNOFF_TOKEN_KEYS: tokenSecret, // a secret with no kid: the whole value is the secret
      SIGNOFF_SENDER: "leaky-sender-value",
    };
    let message = "";
    try {
      loadConfig(env);
    } catch (error) {
      message = `${(error as Error).message}\n${JSON.stringify(error)}`;
    }
    expect(message).toContain(ConfigVariable.linkKeys);
    expect(message).toContain(ConfigVariable.tokenKeys);
    expect(message).not.toContain(shortSecret);
    expect(message).not.toContain(tokenSecret);
    expect(message).not.toContain("leaky-sender-value");
  });
});

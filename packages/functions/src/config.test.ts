import { execFile } from "node:child_process";
import { createCipheriv, randomBytes } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";
import {
  ApiAuthVariable,
  ConfigError,
  ConfigVariable,
  loadConfig,
  loadConfigFor,
  SST_LINKS,
} from "./config.ts";
import type { LinkedValuesResult } from "./sst-resources.ts";

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

// The in-process tests say what is linked explicitly, so SST links in the test's own environment
// (a run under `sst shell`) cannot change them. SST's own loading is tested in fresh processes below.
const NOTHING_LINKED: LinkedValuesResult = { ok: true, values: {} };

function problemsOf(
  env: Record<string, string | undefined>,
  linked = NOTHING_LINKED,
): Record<string, string> {
  try {
    loadConfig(env, linked);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return Object.fromEntries((error as ConfigError).problems.map((p) => [p.variable, p.message]));
  }
  throw new Error("expected loadConfig to throw");
}

describe("loadConfig", () => {
  it("reads a valid environment into typed values", () => {
    const config = loadConfig(valid, NOTHING_LINKED);
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
    const config = loadConfig(
      {
        ...valid,
        SIGNOFF_DEFAULT_APPROVERS: undefined,
        SIGNOFF_PUBLIC_URL: "http://127.0.0.1:3000",
      },
      NOTHING_LINKED,
    );
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
      SIGNOFF_DEFAULT_REMINDERS: '{"at":[2]}',
      SIGNOFF_MIN_REMINDER_INTERVAL_SECONDS: "0",
      SIGNOFF_REQUEST_MAX_ATTEMPTS: "11",
      SIGNOFF_SES_CONFIGURATION_SET: "signoff.prod",
      SIGNOFF_DUE_SHARDS: "0",
      SIGNOFF_SWEEP_QUEUE_URL: "sqs://queue",
      SIGNOFF_SWEEP_CONCURRENCY: "257",
    });
    expect(Object.keys(problems).sort()).toEqual(Object.values(ConfigVariable).sort());
    expect(problems[ConfigVariable.dueShards]).toMatch(/whole number from 1 to 1000/);
    expect(problems[ConfigVariable.sweepConcurrency]).toMatch(/whole number from 1 to 256/);
    expect(problems[ConfigVariable.sesConfigurationSet]).toMatch(/configuration set name/);
    expect(problems[ConfigVariable.linkKeys]).toMatch(/16-byte secret; at least 32/);
    expect(problems[ConfigVariable.tokenKeys]).toMatch(/repeats an earlier key id/);
    expect(problems[ConfigVariable.defaultApprovers]).toMatch(/entry 2 is not an email/);
  });

  it("reads the reminder floor, and refuses default reminders more often than it", () => {
    expect(
      loadConfig({ ...valid, SIGNOFF_MIN_REMINDER_INTERVAL_SECONDS: "5" }, NOTHING_LINKED)
        .minReminderIntervalSeconds,
    ).toBe(5);
    expect(loadConfig(valid, NOTHING_LINKED).minReminderIntervalSeconds).toBeUndefined();
    const tooOften = problemsOf({ ...valid, SIGNOFF_DEFAULT_REMINDERS: '{"everySeconds":60}' });
    expect(tooOften[ConfigVariable.defaultReminders]).toMatch(/at least 300/);
    const lowered = {
      ...valid,
      SIGNOFF_DEFAULT_REMINDERS: '{"everySeconds":60}',
      SIGNOFF_MIN_REMINDER_INTERVAL_SECONDS: "60",
    };
    expect(loadConfig(lowered, NOTHING_LINKED).defaultReminders).toEqual({ everySeconds: 60 });
  });

  it("reads the due shard count and the sweeper's queue and concurrency, each optional", () => {
    const config = loadConfig(
      {
        ...valid,
        SIGNOFF_DUE_SHARDS: " 64 ",
        SIGNOFF_SWEEP_QUEUE_URL: "https://sqs.us-east-1.amazonaws.com/123456789012/due.fifo",
        SIGNOFF_SWEEP_CONCURRENCY: "24",
      },
      NOTHING_LINKED,
    );
    expect(config).toMatchObject({
      dueShards: 64,
      sweepQueueUrl: "https://sqs.us-east-1.amazonaws.com/123456789012/due.fifo",
      sweepConcurrency: 24,
    });
    const unset = loadConfig({ ...valid, SIGNOFF_SWEEP_QUEUE_URL: " " }, NOTHING_LINKED);
    expect(unset.dueShards).toBeUndefined();
    expect(unset.sweepQueueUrl).toBeUndefined();
    expect(unset.sweepConcurrency).toBeUndefined();
  });

  it("reads how many request attempts may try to deliver before the task is failed", () => {
    const config = loadConfig({ ...valid, SIGNOFF_REQUEST_MAX_ATTEMPTS: "5" }, NOTHING_LINKED);
    expect(config.requestMaxAttempts).toBe(5);
    expect(loadConfig(valid, NOTHING_LINKED).requestMaxAttempts).toBeUndefined();
  });

  it("reads the SES configuration set, none when unset or blank", () => {
    const env = { ...valid, SIGNOFF_SES_CONFIGURATION_SET: " signoff-prod_1 " };
    expect(loadConfig(env, NOTHING_LINKED).sesConfigurationSet).toBe("signoff-prod_1");
    expect(loadConfig(valid, NOTHING_LINKED)).not.toHaveProperty("sesConfigurationSet");
    const blank = { ...valid, SIGNOFF_SES_CONFIGURATION_SET: "  " };
    expect(loadConfig(blank, NOTHING_LINKED)).not.toHaveProperty("sesConfigurationSet");
    const tooLong = problemsOf({ ...valid, SIGNOFF_SES_CONFIGURATION_SET: "x".repeat(65) });
    expect(Object.keys(tooLong)).toEqual([ConfigVariable.sesConfigurationSet]);
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
      loadConfig(env, NOTHING_LINKED);
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

describe("loadConfigFor, one function's settings", () => {
  const table = { SIGNOFF_TABLE_NAME: "signoff-dev" };
  const mail = { ...table, SIGNOFF_SENDER: "signoff@example.com" };

  it("reads cancel's table and mail without any keyring or public URL", () => {
    expect(loadConfigFor("cancel", mail, NOTHING_LINKED)).toEqual({
      tableName: "signoff-dev",
      sender: "signoff@example.com",
    });
    const withSet = { ...mail, SIGNOFF_SES_CONFIGURATION_SET: "signoff-prod" };
    expect(loadConfigFor("cancel", withSet, NOTHING_LINKED).sesConfigurationSet).toBe(
      "signoff-prod",
    );
  });

  it("neither reads nor requires what the function does not use", () => {
    // Keys a function is not given are not looked at, even when something set them badly.
    const unused = { SIGNOFF_TOKEN_KEYS: "not a keyring", SIGNOFF_PUBLIC_URL: "ftp://x" };
    expect(loadConfigFor("cancel", { ...mail, ...unused }, NOTHING_LINKED)).not.toHaveProperty(
      "tokenKeys",
    );
    expect(loadConfigFor("sesEvents", { ...table, ...unused }, NOTHING_LINKED)).toEqual({
      tableName: "signoff-dev",
    });
    const linked = { ok: true as const, values: { tableName: "linked-table" } };
    expect(loadConfigFor("sesEvents", {}, linked)).toEqual({ tableName: "linked-table" });
  });

  it("names exactly the missing settings the function needs", () => {
    let cancelProblems: string[] = [];
    try {
      loadConfigFor("cancel", {}, NOTHING_LINKED);
    } catch (error) {
      cancelProblems = (error as ConfigError).problems.map((problem) => problem.variable);
    }
    expect(cancelProblems.sort()).toEqual([ConfigVariable.sender, ConfigVariable.tableName]);
    expect(() => loadConfigFor("sesEvents", {}, NOTHING_LINKED)).toThrow(
      /SIGNOFF_TABLE_NAME \(or the linked Resource.Table.name\) is required/,
    );
  });
});

describe("loadConfig with linked values", () => {
  const linkedKeys = `k9:${randomBytes(32).toString("base64url")}`;

  it("prefers each linked value over its plain variable", () => {
    const config = loadConfig(valid, {
      ok: true,
      values: { tableName: "linked-table", linkKeys: linkedKeys },
    });
    expect(config.tableName).toBe("linked-table");
    expect(config.linkKeys.map((key) => key.kid)).toEqual(["k9"]);
    expect(config.sender).toBe(valid.SIGNOFF_SENDER);
    expect(config.tokenKeys.map((key) => key.kid)).toEqual(["t1"]);
  });

  it("takes the configuration set an sst.aws.Email links beside its sender", () => {
    const config = loadConfig(
      { ...valid, SIGNOFF_SES_CONFIGURATION_SET: "plain-set" },
      { ok: true, values: { sesConfigurationSet: "linked-set" } },
    );
    expect(config.sesConfigurationSet).toBe("linked-set");
  });

  it("names both the variable and the link when a value is missing from both", () => {
    let message = "";
    try {
      loadConfig({}, NOTHING_LINKED);
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toContain(
      "SIGNOFF_LINK_KEYS (or the linked Resource.LinkKeys.value) is required",
    );
    expect(message).toContain("SIGNOFF_TABLE_NAME (or the linked Resource.Table.name) is required");
    // The default approvers and timeout are plain settings, never linked.
    expect(message).not.toContain("SIGNOFF_DEFAULT");
  });

  it("names the link, not the variable, when a linked value is invalid", () => {
    let problem: unknown;
    try {
      loadConfig(valid, { ok: true, values: { tokenKeys: `t2:${oldLinkSecret}` } });
    } catch (error) {
      problem = (error as ConfigError).problems[0];
    }
    expect(problem).toEqual({
      variable: ConfigVariable.tokenKeys,
      source: "Resource.TokenKeys.value",
      message: expect.stringMatching(/48-byte secret; exactly 32/),
    });
  });

  it("fails when links exist but cannot be read, even if the variables would do", () => {
    const problems = problemsOf(valid, { ok: false, reason: "could not be read (SyntaxError)" });
    expect(problems).toEqual({ [SST_LINKS]: "could not be read (SyntaxError)" });
  });
});

// SST's `Resource` loads the links once per process, from the environment it starts with, as a
// Lambda container does; so each case below is a fresh Node process, set up the way SST sets up a
// function, reporting only non-secret facts about the configuration it loaded.
const CONFIG_MODULE = pathToFileURL(join(import.meta.dirname, "config.ts")).href;
const PROBE = `
import { loadConfig } from ${JSON.stringify(CONFIG_MODULE)};
try {
  const c = loadConfig();
  const kids = (keys) => keys.map((key) => key.kid);
  console.log(JSON.stringify({ tableName: c.tableName, sender: c.sender, publicUrl: c.publicUrl,
    linkKids: kids(c.linkKeys), tokenKids: kids(c.tokenKeys) }));
} catch (error) {
  console.log(JSON.stringify({ error: error.name, message: error.message }));
}`;

interface Probed {
  tableName?: string;
  sender?: string;
  publicUrl?: string;
  linkKids?: string[];
  tokenKids?: string[];
  error?: string;
  message?: string;
}

function loadConfigInFreshProcess(env: Record<string, string>): Promise<Probed> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      ["--import", "tsx", "--input-type=module", "--eval", PROBE],
      // Only what SST would set, plus PATH: nothing of this test process's environment leaks in.
      { env: { PATH: process.env.PATH ?? "", ...env }, cwd: import.meta.dirname },
      (error, stdout, stderr) => {
        if (error) reject(new Error(`the probe failed: ${stderr || error.message}`));
        else resolve(JSON.parse(stdout) as Probed);
      },
    );
  });
}

/** `SST_RESOURCE_<Name>`: SST's variable for one link, its properties as JSON. */
function resourceVariables(links: Record<string, object>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(links).map(([name, value]) => [`SST_RESOURCE_${name}`, JSON.stringify(value)]),
  );
}

const APP = { App: { name: "signoff", stage: "ci" } };
// What infra/functions.ts sets as plain variables beside the links: no keys.
const plainSettings = {
  SIGNOFF_TABLE_NAME: "plain-table",
  SIGNOFF_SENDER: "plain@example.com",
  SIGNOFF_PUBLIC_URL: "https://plain.example.com",
};
const linkKeyring = `link-k1:${randomBytes(32).toString("base64url")}`;
const tokenKeyring = `token-k1:${randomBytes(32).toString("base64url")}`;

// Concurrent: each case waits only on its own child process.
describe.concurrent("loadConfig under SST, in a fresh process", () => {
  it("reads SST_RESOURCE_* links first and plain variables for the rest", async () => {
    const probed = await loadConfigInFreshProcess({
      ...plainSettings,
      ...resourceVariables({
        ...APP,
        Table: { name: "linked-table" },
        LinkKeys: { value: linkKeyring },
        TokenKeys: { value: tokenKeyring },
      }),
    });
    expect(probed).toEqual({
      tableName: "linked-table",
      sender: "plain@example.com",
      publicUrl: "https://plain.example.com",
      linkKids: ["link-k1"],
      tokenKids: ["token-k1"],
    });
  });

  it("reads the links from SST's encrypted resource file (SST_KEY, SST_KEY_FILE), as on Lambda", async () => {
    const dir = await mkdtemp(join(tmpdir(), "signoff-sst-links-"));
    try {
      // SST's function builder: the links as JSON, AES-256-GCM with a zero nonce, tag appended;
      // the key in SST_KEY, the file in SST_KEY_FILE (on Lambda `resource.enc`, relative to the
      // code directory /var/task; absolute here, as the probe needs this package's tsx).
      const key = randomBytes(32);
      const links = {
        Table: { name: "linked-table" },
        Email: { sender: "linked@example.com", configSet: "signoff-ci" },
        Api: { url: "https://linked.execute-api.us-east-1.amazonaws.com" },
        LinkKeys: { value: linkKeyring },
        TokenKeys: { value: tokenKeyring },
      };
      const cipher = createCipheriv("aes-256-gcm", key, Buffer.alloc(12));
      const sealed = Buffer.concat([
        cipher.update(JSON.stringify(links)),
        cipher.final(),
        cipher.getAuthTag(),
      ]);
      await writeFile(join(dir, "resource.enc"), sealed);

      const probed = await loadConfigInFreshProcess({
        ...plainSettings,
        ...resourceVariables(APP),
        SST_KEY: key.toString("base64"),
        SST_KEY_FILE: join(dir, "resource.enc"),
      });
      expect(probed).toEqual({
        tableName: "linked-table",
        sender: "linked@example.com",
        publicUrl: "https://linked.execute-api.us-east-1.amazonaws.com",
        linkKids: ["link-k1"],
        tokenKids: ["token-k1"],
      });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("runs on plain variables alone when nothing is linked, as on the local stack", async () => {
    const probed = await loadConfigInFreshProcess({
      ...plainSettings,
      SIGNOFF_LINK_KEYS: linkKeyring,
      SIGNOFF_TOKEN_KEYS: tokenKeyring,
    });
    expect(probed).toMatchObject({ tableName: "plain-table", linkKids: ["link-k1"] });
  });

  it("reports corrupt links without quoting them", async () => {
    const secretish = randomBytes(16).toString("hex");
    const probed = await loadConfigInFreshProcess({
      ...plainSettings,
      SIGNOFF_LINK_KEYS: linkKeyring,
      SIGNOFF_TOKEN_KEYS: tokenKeyring,
      SST_RESOURCE_TokenKeys: `{"value": ${secretish}`,
    });
    expect(probed.error).toBe("ConfigError");
    expect(probed.message).toContain(`${SST_LINKS} could not be read (SyntaxError)`);
    expect(probed.message).not.toContain(secretish);
  });
});

describe("loadConfig for the /v1 API's auth", () => {
  it("leaves API auth off when SIGNOFF_OIDC_ISSUER is unset", () => {
    expect(loadConfig(valid, NOTHING_LINKED).apiAuth).toBeUndefined();
  });

  it("reads the OIDC block with default claim names", () => {
    const config = loadConfig(
      {
        ...valid,
        SIGNOFF_OIDC_ISSUER: "https://id.example.com/",
        SIGNOFF_OIDC_AUDIENCE: "signoff",
        SIGNOFF_OIDC_JWKS_URL: "https://id.example.com/.well-known/jwks.json",
        SIGNOFF_OIDC_ADMIN_GROUP: "ops",
      },
      NOTHING_LINKED,
    );
    expect(config.apiAuth).toEqual({
      issuer: "https://id.example.com/",
      audience: "signoff",
      jwksUrl: "https://id.example.com/.well-known/jwks.json",
      emailClaim: "email",
      groupsClaim: "groups",
      adminGroup: "ops",
      maxTokenLifetimeSeconds: 86_400,
    });
  });

  it("reads the longest token lifetime, and names it when it is not whole seconds in range", () => {
    const oidc = {
      ...valid,
      SIGNOFF_OIDC_ISSUER: "https://id.example.com/",
      SIGNOFF_OIDC_AUDIENCE: "signoff",
      SIGNOFF_OIDC_JWKS_URL: "https://id.example.com/.well-known/jwks.json",
    };
    const config = loadConfig(
      { ...oidc, SIGNOFF_OIDC_MAX_TOKEN_LIFETIME_SECONDS: " 3600 " },
      NOTHING_LINKED,
    );
    expect(config.apiAuth?.maxTokenLifetimeSeconds).toBe(3_600);
    for (const value of ["0", "59", "1.5", "1e4", "a day", "2592001"]) {
      expect(problemsOf({ ...oidc, SIGNOFF_OIDC_MAX_TOKEN_LIFETIME_SECONDS: value })).toEqual({
        [ApiAuthVariable.maxTokenLifetimeSeconds]:
          "must be a whole number of seconds from 60 to 2592000",
      });
    }
    expect(problemsOf({ ...valid, SIGNOFF_OIDC_MAX_TOKEN_LIFETIME_SECONDS: "3600" })).toEqual({
      [ApiAuthVariable.maxTokenLifetimeSeconds]: "needs SIGNOFF_OIDC_ISSUER as well",
    });
  });

  it("names the OIDC variables that are missing or invalid", () => {
    const problems = problemsOf({
      ...valid,
      SIGNOFF_OIDC_ISSUER: "https://id.example.com/",
      SIGNOFF_OIDC_JWKS_URL: "not a url",
      SIGNOFF_OIDC_EMAIL_CLAIM: "has spaces",
    });
    expect(problems).toEqual({
      [ApiAuthVariable.audience]: "is required when SIGNOFF_OIDC_ISSUER is set",
      [ApiAuthVariable.jwksUrl]: "must be an absolute http(s) URL",
      [ApiAuthVariable.emailClaim]: "must be a claim name",
    });
  });

  it("reads the inbox's login URL with the OIDC block", () => {
    const config = loadConfig(
      {
        ...valid,
        SIGNOFF_OIDC_ISSUER: "https://id.example.com/",
        SIGNOFF_OIDC_AUDIENCE: "signoff",
        SIGNOFF_OIDC_JWKS_URL: "https://id.example.com/.well-known/jwks.json",
        SIGNOFF_INBOX_LOGIN_URL: " https://id.example.com/login ",
      },
      NOTHING_LINKED,
    );
    expect(config.apiAuth?.inboxLoginUrl).toBe("https://id.example.com/login");
  });

  it("refuses an inbox login URL that is not http(s), or given without SIGNOFF_OIDC_ISSUER", () => {
    expect(
      problemsOf({
        ...valid,
        SIGNOFF_OIDC_ISSUER: "https://id.example.com/",
        SIGNOFF_OIDC_AUDIENCE: "signoff",
        SIGNOFF_OIDC_JWKS_URL: "https://id.example.com/.well-known/jwks.json",
        SIGNOFF_INBOX_LOGIN_URL: "javascript:alert(1)",
      }),
    ).toEqual({ [ApiAuthVariable.inboxLoginUrl]: "must be an absolute http(s) URL" });
    expect(
      problemsOf({ ...valid, SIGNOFF_INBOX_LOGIN_URL: "https://id.example.com/login" }),
    ).toEqual({ [ApiAuthVariable.inboxLoginUrl]: "needs SIGNOFF_OIDC_ISSUER as well" });
  });

  it("reports OIDC settings given without SIGNOFF_OIDC_ISSUER", () => {
    const problems = problemsOf({ ...valid, SIGNOFF_OIDC_AUDIENCE: "signoff" });
    expect(problems).toEqual({
      [ApiAuthVariable.audience]: "needs SIGNOFF_OIDC_ISSUER as well",
    });
  });
});

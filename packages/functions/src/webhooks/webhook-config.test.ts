import { describe, expect, it } from "vitest";
import { loadConfig } from "../config.ts";
import { readWebhookConfig } from "./webhook-config.ts";

const SECRET = `whsec_${Buffer.alloc(32, 7).toString("base64")}`;

function read(env: Record<string, string>, linked?: string) {
  const problems: { variable: string; source: string; message: string }[] = [];
  return { config: readWebhookConfig(env, linked, problems), problems };
}

describe("readWebhookConfig", () => {
  it("is off without a secret, and refuses URLs that would have nothing to sign them", () => {
    expect(read({})).toEqual({ config: undefined, problems: [] });
    expect(read({ SIGNOFF_WEBHOOK_URLS: "https://a.example.com" }).problems).toEqual([
      expect.objectContaining({
        variable: "SIGNOFF_WEBHOOK_URLS",
        message: expect.stringContaining("signing secret"),
      }),
    ]);
  });

  it("reads the secret (the linked one first) and the URLs, comma- or space-separated", () => {
    const { config, problems } = read(
      {
        SIGNOFF_WEBHOOK_SECRET: "whsec_AAAA",
        SIGNOFF_WEBHOOK_URLS: "https://a.example.com, https://b.example.com https://a.example.com",
      },
      SECRET,
    );
    expect(problems).toEqual([]);
    expect(config).toEqual({
      secret: SECRET,
      urls: ["https://a.example.com", "https://b.example.com"],
    });
  });

  it("names a bad secret or URL without echoing the secret", () => {
    const { problems } = read({
      SIGNOFF_WEBHOOK_SECRET: "whsec_c2hvcnQ=",
      SIGNOFF_WEBHOOK_URLS: "http://a.example.com https://169.254.169.254/",
    });
    expect(problems.map((p) => p.message)).toEqual([
      "must encode 24 to 64 bytes",
      "URL 1 must be https://",
      "URL 2 must not point at a link-local, private or metadata address",
    ]);
    expect(JSON.stringify(problems)).not.toContain("c2hvcnQ");
  });

  it("lets the local stack use http:// receivers on loopback only", () => {
    const env = { SIGNOFF_WEBHOOK_SECRET: SECRET, SIGNOFF_WEBHOOK_URLS: "http://127.0.0.1:9000/h" };
    expect(read(env).problems).toHaveLength(1);
    expect(read({ ...env, SIGNOFF_WEBHOOK_ALLOW_LOOPBACK_HTTP: "1" })).toEqual({
      config: { secret: SECRET, urls: ["http://127.0.0.1:9000/h"], allowLoopbackHttp: true },
      problems: [],
    });
  });

  it("is part of the full configuration", () => {
    const env = {
      SIGNOFF_TABLE_NAME: "signoff",
      SIGNOFF_SENDER: "a@example.com",
      SIGNOFF_PUBLIC_URL: "https://approve.example.com",
      SIGNOFF_LINK_KEYS: `k1:${"A".repeat(43)}`,
      SIGNOFF_TOKEN_KEYS: `k1:${"A".repeat(43)}`,
      SIGNOFF_WEBHOOK_SECRET: SECRET,
    };
    expect(loadConfig(env, { ok: true, values: {} }).webhooks).toEqual({
      secret: SECRET,
      urls: [],
    });
    expect(
      loadConfig({ ...env, SIGNOFF_WEBHOOK_SECRET: "" }, { ok: true, values: {} }).webhooks,
    ).toBeUndefined();
  });
});

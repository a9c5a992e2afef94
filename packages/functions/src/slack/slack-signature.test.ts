import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import {
  SLACK_MAX_SKEW_SECONDS,
  signSlackRequest,
  verifySlackSignature,
} from "./slack-signature.ts";

// Slack's own worked example ("Verifying requests from Slack"): this secret, timestamp and body
// give exactly this signature.
const DOCS = {
  signingSecret: "8f742231b10e8888abcd99yyyzzz85a5",
  timestamp: "1531420618",
  rawBody:
    "token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c",
  signature: "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503",
};
const AT = new Date(Number(DOCS.timestamp) * 1000);

function check(overrides: Partial<Parameters<typeof verifySlackSignature>[0]> = {}) {
  return verifySlackSignature({ ...DOCS, now: AT, ...overrides });
}

describe("verifying Slack's request signature", () => {
  it("accepts Slack's documented example, byte for byte", () => {
    expect(signSlackRequest(DOCS.signingSecret, DOCS.timestamp, DOCS.rawBody)).toBe(DOCS.signature);
    expect(check()).toEqual({ ok: true });
  });

  it("computes v0= plus the hex HMAC-SHA256 of v0:timestamp:body", () => {
    const body = "payload=%7B%7D";
    const hex = createHmac("sha256", "s3cret").update(`v0:1700000000:${body}`).digest("hex");
    expect(signSlackRequest("s3cret", "1700000000", body)).toBe(`v0=${hex}`);
  });

  it("refuses a signature made with another secret", () => {
    const forged = signSlackRequest("not-the-secret", DOCS.timestamp, DOCS.rawBody);
    expect(check({ signature: forged })).toEqual({ ok: false, reason: "bad-signature" });
  });

  it("refuses a body changed after signing, even by one character", () => {
    expect(check({ rawBody: `${DOCS.rawBody}x` })).toEqual({ ok: false, reason: "bad-signature" });
    expect(check({ rawBody: DOCS.rawBody.replace("roadrunner", "roadrunnex") })).toEqual({
      ok: false,
      reason: "bad-signature",
    });
  });

  it("refuses a signature re-used with another timestamp", () => {
    const later = String(Number(DOCS.timestamp) + 1);
    expect(check({ timestamp: later })).toEqual({ ok: false, reason: "bad-signature" });
  });

  it("refuses a timestamp more than five minutes old, and accepts one just inside", () => {
    const edge = new Date(AT.getTime() + SLACK_MAX_SKEW_SECONDS * 1000);
    expect(check({ now: edge })).toEqual({ ok: true });
    const stale = new Date(edge.getTime() + 1000);
    expect(check({ now: stale })).toEqual({ ok: false, reason: "stale" });
  });

  it("refuses a timestamp more than five minutes in the future", () => {
    const early = new Date(AT.getTime() - (SLACK_MAX_SKEW_SECONDS + 1) * 1000);
    expect(check({ now: early })).toEqual({ ok: false, reason: "stale" });
  });

  it("refuses a request without the signature or timestamp header", () => {
    expect(check({ signature: undefined })).toEqual({ ok: false, reason: "missing-headers" });
    expect(check({ timestamp: undefined })).toEqual({ ok: false, reason: "missing-headers" });
    expect(check({ signature: "", timestamp: "" })).toEqual({
      ok: false,
      reason: "missing-headers",
    });
  });

  it("refuses a timestamp that is not Unix seconds", () => {
    expect(check({ timestamp: "1531420618.5" }).ok).toBe(false);
    expect(check({ timestamp: "-1531420618" }).ok).toBe(false);
    expect(check({ timestamp: "NaN" }).ok).toBe(false);
  });

  it("refuses signatures of the wrong shape or length without throwing", () => {
    for (const signature of [
      "v0=",
      DOCS.signature.slice(0, -1),
      `${DOCS.signature}0`,
      DOCS.signature.replace("v0=", "v1="),
      DOCS.signature.toUpperCase(),
      "v0=é".padEnd(DOCS.signature.length, "a"),
    ]) {
      expect(check({ signature })).toEqual({ ok: false, reason: "bad-signature" });
    }
  });
});

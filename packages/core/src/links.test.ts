import { createHmac, randomBytes } from "node:crypto";
import { SignJWT } from "jose";
import { describe, expect, it } from "vitest";
import { KeyringError } from "./errors.ts";
import type { SecretKey } from "./keyring.ts";
import { createLinkSigner, FORM_NONCE_TTL_SECONDS, type LinkClaims } from "./links.ts";

const oldKey: SecretKey = { kid: "k-old", secret: randomBytes(32) };
const newKey: SecretKey = { kid: "k-new", secret: randomBytes(32) };
const now = new Date("2026-03-01T12:00:00.000Z");
const deadline = Math.floor(Date.parse("2026-03-02T12:00:00.000Z") / 1000);
const request = {
  aid: "abcdefghijklmnopqrstuvwxyz",
  sub: "ann@x.io",
  act: "approve",
  exp: deadline,
} as const;

function b64url(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString("base64url");
}

function parts(token: string): [string, string, string] {
  const [header, payload, signature] = token.split(".");
  return [header!, payload!, signature!];
}

async function signedClaims(signer = createLinkSigner({ keys: [oldKey] })): Promise<LinkClaims> {
  const token = await signer.signLink(request, { now });
  const result = await signer.verifyLink(token, { now });
  if (!result.ok) throw new Error(result.reason);
  return result.claims;
}

describe("links", () => {
  const signer = createLinkSigner({ keys: [oldKey] });

  it("round-trips the approval, approver, action and deadline with a unique id", async () => {
    const first = await signer.signLink(request, { now });
    const second = await signer.signLink(request, { now });
    const result = await signer.verifyLink(first, { now });
    expect(result).toEqual({
      ok: true,
      claims: {
        aud: "signoff:link",
        aid: request.aid,
        sub: "ann@x.io",
        act: "approve",
        exp: deadline,
        iat: Math.floor(now.getTime() / 1000),
        jti: expect.any(String),
      },
    });
    expect(JSON.parse(Buffer.from(parts(first)[0], "base64url").toString())).toEqual({
      alg: "HS256",
      kid: "k-old",
    });
    const again = await signer.verifyLink(second, { now });
    expect(result.ok && again.ok && result.claims.jti !== again.claims.jti).toBe(true);
  });

  it("refuses a tampered payload", async () => {
    const [header, payload, signature] = parts(await signer.signLink(request, { now }));
    const claims = JSON.parse(Buffer.from(payload, "base64url").toString());
    const forged = `${header}.${b64url({ ...claims, sub: "eve@x.io" })}.${signature}`;
    expect(await signer.verifyLink(forged, { now })).toEqual({
      ok: false,
      reason: "bad-signature",
    });
  });

  it("refuses a tampered signature", async () => {
    const [header, payload, signature] = parts(await signer.signLink(request, { now }));
    const flipped = `${signature[0] === "A" ? "B" : "A"}${signature.slice(1)}`;
    const result = await signer.verifyLink(`${header}.${payload}.${flipped}`, { now });
    expect(result).toEqual({ ok: false, reason: "bad-signature" });
  });

  it("refuses an unsigned alg:none token built by hand", async () => {
    const [, payload] = parts(await signer.signLink(request, { now }));
    const unsigned = `${b64url({ alg: "none", kid: "k-old" })}.${payload}.`;
    expect(await signer.verifyLink(unsigned, { now })).toEqual({
      ok: false,
      reason: "bad-signature",
    });
  });

  it("refuses an HS512 token signed with the right key", async () => {
    const [, payload] = parts(await signer.signLink(request, { now }));
    const header = b64url({ alg: "HS512", kid: "k-old" });
    const mac = createHmac("sha512", oldKey.secret).update(`${header}.${payload}`).digest();
    const token = `${header}.${payload}.${mac.toString("base64url")}`;
    expect(await signer.verifyLink(token, { now })).toEqual({ ok: false, reason: "bad-signature" });
  });

  it("refuses a key id it does not hold", async () => {
    const stranger = createLinkSigner({ keys: [{ kid: "k-other", secret: randomBytes(32) }] });
    const token = await stranger.signLink(request, { now });
    expect(await signer.verifyLink(token, { now })).toEqual({ ok: false, reason: "unknown-key" });
  });

  it("reports an expired link with its claims, so the page can show the approval's fate", async () => {
    const token = await signer.signLink(request, { now });
    const later = new Date(deadline * 1000);
    expect(await signer.verifyLink(token, { now: later })).toMatchObject({
      ok: false,
      reason: "expired",
      claims: { aid: request.aid, sub: "ann@x.io" },
    });
  });

  it("refuses a token for another audience", async () => {
    const token = await new SignJWT({ aid: request.aid, act: "approve", sub: "ann@x.io" })
      .setProtectedHeader({ alg: "HS256", kid: "k-old" })
      .setAudience("someone-else")
      .setJti("j1")
      .setIssuedAt(Math.floor(now.getTime() / 1000))
      .setExpirationTime(deadline)
      .sign(oldKey.secret);
    expect(await signer.verifyLink(token, { now })).toEqual({
      ok: false,
      reason: "wrong-audience",
    });
  });

  it("refuses garbage and well-signed tokens missing link claims", async () => {
    for (const token of ["", "abc", "a.b.c", "a.b"]) {
      expect(await signer.verifyLink(token, { now })).toEqual({ ok: false, reason: "malformed" });
    }
    const noAction = await new SignJWT({ aid: request.aid, sub: "ann@x.io" })
      .setProtectedHeader({ alg: "HS256", kid: "k-old" })
      .setAudience("signoff:link")
      .setJti("j1")
      .setIssuedAt(Math.floor(now.getTime() / 1000))
      .setExpirationTime(deadline)
      .sign(oldKey.secret);
    expect(await signer.verifyLink(noAction, { now })).toEqual({ ok: false, reason: "malformed" });
  });

  it("verifies links signed with an older key that is now second in the ring", async () => {
    const token = await signer.signLink(request, { now });
    const rotated = createLinkSigner({ keys: [newKey, oldKey] });
    expect((await rotated.verifyLink(token, { now })).ok).toBe(true);
    const fresh = await rotated.signLink(request, { now });
    expect(JSON.parse(Buffer.from(parts(fresh)[0], "base64url").toString()).kid).toBe("k-new");
  });

  it("refuses keys shorter than 32 bytes", () => {
    expect(() => createLinkSigner({ keys: [{ kid: "k", secret: randomBytes(16) }] })).toThrow(
      KeyringError,
    );
  });
});

describe("form nonces", () => {
  const signer = createLinkSigner({ keys: [oldKey] });

  it("verifies a nonce for the link its page was served for", async () => {
    const link = await signedClaims(signer);
    const nonce = await signer.signFormNonce(link, { now });
    expect(await signer.verifyFormNonce(nonce, link, { now })).toEqual({ ok: true });
  });

  it("refuses a nonce issued for another link, even of the same approver and approval", async () => {
    const link = await signedClaims(signer);
    const other = await signedClaims(signer);
    const nonce = await signer.signFormNonce(other, { now });
    expect(await signer.verifyFormNonce(nonce, link, { now })).toEqual({
      ok: false,
      reason: "wrong-link",
    });
    const forBob = await signer.signFormNonce({ ...link, sub: "bob@x.io" }, { now });
    expect(await signer.verifyFormNonce(forBob, link, { now })).toMatchObject({
      reason: "wrong-link",
    });
  });

  it("expires after 30 minutes, and never after the link", async () => {
    const link = await signedClaims(signer);
    const nonce = await signer.signFormNonce(link, { now });
    const later = new Date(now.getTime() + FORM_NONCE_TTL_SECONDS * 1000);
    expect(await signer.verifyFormNonce(nonce, link, { now: later })).toMatchObject({
      reason: "expired",
    });
    const soon = { ...link, exp: Math.floor(now.getTime() / 1000) + 60 };
    const short = await signer.signFormNonce(soon, { now });
    const inTwoMinutes = new Date(now.getTime() + 120_000);
    expect(await signer.verifyFormNonce(short, soon, { now: inTwoMinutes })).toMatchObject({
      reason: "expired",
    });
  });

  it("does not accept a link as a nonce or a nonce as a link", async () => {
    const token = await signer.signLink(request, { now });
    const link = await signedClaims(signer);
    expect(await signer.verifyFormNonce(token, link, { now })).toEqual({
      ok: false,
      reason: "wrong-audience",
    });
    const nonce = await signer.signFormNonce(link, { now });
    expect(await signer.verifyLink(nonce, { now })).toEqual({
      ok: false,
      reason: "wrong-audience",
    });
  });
});

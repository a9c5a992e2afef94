/**
 * Signed links and form nonces (compact JWS, HS256, `kid` in the header). A link names one
 * approval, one approver and the button it came from; it decides nothing by itself. A form
 * nonce proves a POST came from a confirmation page served for that same link.
 */
import { randomBytes, webcrypto } from "node:crypto";
import { errors, type JWTPayload, jwtVerify, SignJWT } from "jose";
import { findKey, type SecretKey, validateKeyring } from "./keyring.ts";

export const LINK_AUDIENCE = "signoff:link";
export const FORM_AUDIENCE = "signoff:form";
/** How long a confirmation page's form stays valid (never past the link's own expiry). */
export const FORM_NONCE_TTL_SECONDS = 30 * 60;

/** Only HS256 is ever accepted: `alg: none`, other HMACs and public-key algorithms are refused. */
const ALGORITHMS = ["HS256"];

export type LinkAction = "approve" | "reject";

/** What a link asks for; `exp` is the approval's deadline in epoch seconds. */
export interface LinkRequest {
  aid: string;
  sub: string;
  act: LinkAction;
  exp: number;
}

/** A verified link's claims. */
export interface LinkClaims extends LinkRequest {
  aud: typeof LINK_AUDIENCE;
  /** Unique per link; form nonces are bound to it. */
  jti: string;
  iat: number;
}

export type LinkFailure =
  | "malformed"
  | "bad-signature"
  | "unknown-key"
  | "expired"
  | "wrong-audience";

export type LinkVerification =
  | { ok: true; claims: LinkClaims }
  /** An authentic link past its expiry still says which approval it was for, to show its fate. */
  | { ok: false; reason: "expired"; claims: LinkClaims }
  | { ok: false; reason: Exclude<LinkFailure, "expired"> };

/** Binds a form nonce to a link: its approval, approver, id and expiry. */
export interface FormNonceRequest {
  aid: string;
  sub: string;
  /** The link's `jti`. */
  jti: string;
  /** The link's `exp`; the nonce never outlives it. */
  exp: number;
}

export type FormNonceVerification =
  | { ok: true }
  | { ok: false; reason: LinkFailure | "wrong-link" };

export interface LinkSigner {
  /** Signs a link with the first key of the ring. */
  signLink(request: LinkRequest, options: { now: Date }): Promise<string>;
  /** Verifies a link with whichever key of the ring its `kid` names. */
  verifyLink(token: string, options: { now: Date }): Promise<LinkVerification>;
  /** Signs a confirmation page's form nonce for the link the page was served for. */
  signFormNonce(request: FormNonceRequest, options: { now: Date }): Promise<string>;
  /** Verifies a form nonce and that it was issued for `link`. */
  verifyFormNonce(
    nonce: string,
    link: LinkClaims,
    options: { now: Date },
  ): Promise<FormNonceVerification>;
}

/** Creates a signer over a keyring: the first key signs, every key verifies (rotation). */
export function createLinkSigner(options: { keys: readonly SecretKey[] }): LinkSigner {
  const keys = [...options.keys];
  validateKeyring(keys);
  const signingKey = keys[0]!;
  // jose imports raw key bytes through WebCrypto on every call, half the cost of a verify;
  // each key is imported once instead, on first use.
  const imported = new Map<string, Promise<webcrypto.CryptoKey>>();
  const cryptoKeyOf = (key: SecretKey): Promise<webcrypto.CryptoKey> => {
    let cryptoKey = imported.get(key.kid);
    if (cryptoKey === undefined) {
      cryptoKey = webcrypto.subtle.importKey(
        "raw",
        key.secret,
        { name: "HMAC", hash: "SHA-256" },
        false,
        ["sign", "verify"],
      );
      imported.set(key.kid, cryptoKey);
    }
    return cryptoKey;
  };

  async function sign(claims: JWTPayload, audience: string, now: Date): Promise<string> {
    return new SignJWT(claims)
      .setProtectedHeader({ alg: "HS256", kid: signingKey.kid })
      .setAudience(audience)
      .setJti(randomBytes(16).toString("base64url"))
      .setIssuedAt(toSeconds(now))
      .sign(await cryptoKeyOf(signingKey));
  }

  async function verify(token: string, audience: string, now: Date): Promise<Verified> {
    try {
      const { payload } = await jwtVerify(
        token,
        (header) => {
          const key = findKey(keys, header.kid);
          if (key === undefined) throw new UnknownKeyError();
          return cryptoKeyOf(key);
        },
        {
          algorithms: ALGORITHMS,
          audience,
          currentDate: now,
          requiredClaims: ["exp", "iat", "jti", "sub"],
        },
      );
      return { ok: true, payload };
    } catch (error) {
      return classifyFailure(error);
    }
  }

  return {
    async signLink(request, { now }) {
      const { aid, sub, act, exp } = request;
      return sign({ aid, act, sub, exp }, LINK_AUDIENCE, now);
    },

    async verifyLink(token, { now }) {
      const result = await verify(token, LINK_AUDIENCE, now);
      const claims = toLinkClaims(result.payload);
      if (result.ok) return claims ? { ok: true, claims } : { ok: false, reason: "malformed" };
      if (result.reason === "expired") {
        return claims
          ? { ok: false, reason: "expired", claims }
          : { ok: false, reason: "malformed" };
      }
      return { ok: false, reason: result.reason };
    },

    async signFormNonce(request, { now }) {
      const exp = Math.min(toSeconds(now) + FORM_NONCE_TTL_SECONDS, request.exp);
      return sign(
        { aid: request.aid, sub: request.sub, lnk: request.jti, exp },
        FORM_AUDIENCE,
        now,
      );
    },

    async verifyFormNonce(nonce, link, { now }) {
      const result = await verify(nonce, FORM_AUDIENCE, now);
      if (!result.ok) return { ok: false, reason: result.reason };
      const { aid, sub, lnk } = result.payload;
      if (aid !== link.aid || sub !== link.sub || lnk !== link.jti) {
        return { ok: false, reason: "wrong-link" };
      }
      return { ok: true };
    },
  };
}

type Verified =
  | { ok: true; payload: JWTPayload }
  | { ok: false; reason: LinkFailure; payload?: JWTPayload };

class UnknownKeyError extends Error {
  readonly code = "unknown-key";

  constructor() {
    super("no key in the ring has this kid");
    this.name = "UnknownKeyError";
  }
}

/** Maps jose's errors to the reasons a caller can act on; anything else is a bug and rethrown. */
function classifyFailure(error: unknown): Verified {
  if (error instanceof UnknownKeyError) return { ok: false, reason: "unknown-key" };
  // jose checks the signature before any claim, so an expired token's payload is authentic.
  if (error instanceof errors.JWTExpired) {
    return { ok: false, reason: "expired", payload: error.payload };
  }
  if (error instanceof errors.JWTClaimValidationFailed) {
    return { ok: false, reason: error.claim === "aud" ? "wrong-audience" : "malformed" };
  }
  if (
    error instanceof errors.JWSSignatureVerificationFailed ||
    error instanceof errors.JOSEAlgNotAllowed
  ) {
    return { ok: false, reason: "bad-signature" };
  }
  if (error instanceof errors.JOSEError) return { ok: false, reason: "malformed" };
  throw error;
}

function toLinkClaims(payload: JWTPayload | undefined): LinkClaims | undefined {
  if (payload === undefined) return undefined;
  const { aud, aid, sub, act, jti, iat, exp } = payload;
  if (
    aud !== LINK_AUDIENCE ||
    typeof aid !== "string" ||
    typeof sub !== "string" ||
    (act !== "approve" && act !== "reject") ||
    typeof jti !== "string" ||
    typeof iat !== "number" ||
    typeof exp !== "number"
  ) {
    return undefined;
  }
  return { aud, aid, sub, act, jti, iat, exp };
}

function toSeconds(date: Date): number {
  return Math.floor(date.getTime() / 1000);
}

/**
 * Forged approval links, made from real ones the way an attacker (or a mangling mail client)
 * would: bits flipped, cut short, `alg: none` and algorithm confusion, key ids swapped, signed
 * with a key signoff does not hold, claims spliced across links, and authentic links past their
 * deadline. Each forgery carries the refusal the link pages must answer it with.
 */
import { randomBytes } from "node:crypto";
import { createLinkSigner, LINK_AUDIENCE, type SecretKey } from "@signoff/core";
import { SignJWT, UnsecuredJWT } from "jose";
import type { SeededRandom } from "./seeded-random.ts";

/** The forgeries made from real links; `replayed` ones are built by the test from a decided approval. */
export const FORGERY_KINDS = [
  "bit flip in header",
  "bit flip in payload",
  "bit flip in signature",
  "truncated",
  "alg none or another alg",
  "wrong key id",
  "signed by a foreign key",
  "claims spliced from another link",
  "expired (signed with the real key)",
] as const;

export type ForgeryKind = (typeof FORGERY_KINDS)[number] | "replayed";

/** How the link pages must refuse: the page's status and heading. */
export type Refusal = "invalid-link" | "expired" | "already-decided" | "invalid-form";

/** A link token to GET and POST, the nonce its POST carries, and the refusal expected. */
export interface ForgedLink {
  kind: ForgeryKind;
  token: string;
  nonce: string;
  decision: "approve" | "reject";
  expect: Refusal;
}

/** A real link from a request email, with the nonce its genuine confirmation page gave. */
export interface SourceLink {
  token: string;
  nonce: string;
}

type Claims = Record<string, unknown>;

/** The three segments of a compact JWS. */
function segmentsOf(token: string): [string, string, string] {
  const [header = "", payload = "", signature = ""] = token.split(".");
  return [header, payload, signature];
}

/** The claims (or header) of a segment. */
export function decodeSegment(segment: string): Claims {
  return JSON.parse(Buffer.from(segment, "base64url").toString("utf8")) as Claims;
}

function encodeSegment(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString("base64url");
}

/** Flips one random bit of the segment's decoded bytes: always a different segment. */
function flipBit(segment: string, random: SeededRandom): string {
  const bytes = Buffer.from(segment, "base64url");
  if (bytes.length === 0) return "AA";
  const index = random.int(0, bytes.length - 1);
  bytes[index] = (bytes[index] ?? 0) ^ (1 << random.int(0, 7));
  return bytes.toString("base64url");
}

function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}

/** Key ids that must name no key: near misses, empty, prototype names, and non-strings. */
function strangeKeyIds(realKid: string): unknown[] {
  return [
    "dev-link-2",
    "",
    ` ${realKid}`,
    realKid.toUpperCase(),
    `../${realKid}`,
    `${realKid}\u0000`,
    "__proto__",
    "constructor",
    "toString",
    1,
    null,
    [realKid],
    { kid: realKid },
    undefined,
  ];
}

export interface LinkForgerOptions {
  /** Real links of approvals that must stay PENDING, each with its genuine page's nonce. */
  sources: readonly SourceLink[];
  /** signoff's link-signing keys: forged "expired" links are signed with the first. */
  keys: readonly SecretKey[];
  random: SeededRandom;
}

/** Makes forgeries of one kind at a time from random source links. */
export function createLinkForger(options: LinkForgerOptions) {
  const { sources, random } = options;
  const realKey = options.keys[0];
  if (realKey === undefined) throw new Error("the link keyring is empty");
  const signer = createLinkSigner({ keys: options.keys });
  const genuine = new Set(sources.map((source) => source.token));
  const decision = () => random.pick(["approve", "reject"] as const);

  /** The claims a forger would want to reuse, with a fresh `jti`. */
  const claimsOf = (source: SourceLink): Claims => {
    const { aid, sub, act, exp } = decodeSegment(segmentsOf(source.token)[1]);
    return { aid, sub, act, exp, aud: LINK_AUDIENCE, jti: randomBytes(16).toString("base64url") };
  };

  const forgeries: Record<(typeof FORGERY_KINDS)[number], (source: SourceLink) => Promise<string>> =
    {
      async "bit flip in header"(source) {
        const [header, payload, signature] = segmentsOf(source.token);
        return `${flipBit(header, random)}.${payload}.${signature}`;
      },
      async "bit flip in payload"(source) {
        const [header, payload, signature] = segmentsOf(source.token);
        return `${header}.${flipBit(payload, random)}.${signature}`;
      },
      async "bit flip in signature"(source) {
        const [header, payload, signature] = segmentsOf(source.token);
        return `${header}.${payload}.${flipBit(signature, random)}`;
      },
      async truncated(source) {
        const [header, payload] = segmentsOf(source.token);
        // A cut anywhere (a wrapped or clipped link), or whole segments dropped.
        return random.pick([
          () => source.token.slice(0, random.int(1, source.token.length - 1)),
          () => `${header}.${payload}`,
          () => `${header}.${payload}.`,
          () => header,
          () => `${header}..`,
        ])();
      },
      async "alg none or another alg"(source) {
        const [header, payload, signature] = segmentsOf(source.token);
        const original = decodeSegment(header);
        if (random.chance(0.3)) {
          return new UnsecuredJWT(claimsOf(source)).setIssuedAt().encode();
        }
        const alg = random.pick([
          "none",
          "None",
          "NONE",
          "nOnE",
          "HS384",
          "HS512",
          "RS256",
          "ES256",
          "PS256",
          "EdDSA",
          "",
        ]);
        const forgedHeader = encodeSegment({ ...original, alg });
        return `${forgedHeader}.${payload}.${random.pick(["", signature, "AAAA"])}`;
      },
      async "wrong key id"(source) {
        const [header, payload, signature] = segmentsOf(source.token);
        const kid = random.pick(strangeKeyIds(realKey.kid));
        const forgedHeader = { ...decodeSegment(header), kid };
        if (kid === undefined) delete forgedHeader.kid;
        if (random.chance(0.5)) return `${encodeSegment(forgedHeader)}.${payload}.${signature}`;
        // Correctly signed with signoff's own key, but naming a key id signoff does not have:
        // the key id picks the key, so this must still be refused.
        return new SignJWT(claimsOf(source))
          .setProtectedHeader(forgedHeader as unknown as { alg: string })
          .setIssuedAt()
          .sign(realKey.secret);
      },
      async "signed by a foreign key"(source) {
        const kid = random.pick([realKey.kid, "dev-link-2", randomBytes(4).toString("hex")]);
        return new SignJWT(claimsOf(source))
          .setProtectedHeader({ alg: "HS256", kid })
          .setIssuedAt()
          .sign(randomBytes(random.pick([32, 48, 64])));
      },
      async "claims spliced from another link"(source) {
        const [header, payload, signature] = segmentsOf(source.token);
        const others = sources.filter((other) => other.token !== source.token);
        const [otherHeader, otherPayload, otherSignature] = segmentsOf(random.pick(others).token);
        const claims = decodeSegment(payload);
        const otherClaims = decodeSegment(otherPayload);
        const field = random.pick(["aid", "sub", "act", "jti", "exp"]);
        const edited = { ...claims, [field]: otherClaims[field] };
        return random.pick([
          () => `${header}.${otherPayload}.${signature}`,
          () => `${header}.${payload}.${otherSignature}`,
          () => `${otherHeader}.${payload}.${otherSignature}`,
          // One claim from the other link; `jti` always differs, so the payload changes.
          () =>
            `${header}.${encodeSegment(JSON.stringify(edited) === JSON.stringify(claims) ? { ...claims, jti: otherClaims.jti } : edited)}.${signature}`,
        ])();
      },
      async "expired (signed with the real key)"(source) {
        const { aid, sub, act } = decodeSegment(segmentsOf(source.token)[1]);
        const exp = nowSeconds() - random.int(1, 30 * 24 * 3600);
        const issued = new Date((exp - random.int(60, 24 * 3600)) * 1000);
        return signer.signLink(
          { aid: String(aid), sub: String(sub), act: act === "reject" ? "reject" : "approve", exp },
          { now: issued },
        );
      },
    };

  /** Nonces a forger could plausibly send with the POST. */
  const nonceFor = async (kind: ForgeryKind, token: string, source: SourceLink) => {
    if (kind !== "expired (signed with the real key)") return source.nonce;
    // The genuine nonce such a link's page would have carried, bound to its jti and expiry.
    const { aid, sub, jti, exp, iat } = decodeSegment(segmentsOf(token)[1]);
    return signer.signFormNonce(
      { aid: String(aid), sub: String(sub), jti: String(jti), exp: Number(exp) },
      { now: new Date(Number(iat) * 1000) },
    );
  };

  return {
    /** One forgery of `kind` from a random source link; never a genuine link. */
    async forge(kind: (typeof FORGERY_KINDS)[number]): Promise<ForgedLink> {
      for (;;) {
        const source = random.pick(sources);
        const token = await forgeries[kind](source);
        if (genuine.has(token)) continue;
        return {
          kind,
          token,
          nonce: await nonceFor(kind, token, source),
          decision: decision(),
          expect: kind === "expired (signed with the real key)" ? "expired" : "invalid-link",
        };
      }
    },
  };
}

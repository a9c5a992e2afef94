/**
 * The signing half of the dev OIDC issuer: an RS256 key pair made at start-up (never saved:
 * tokens die with the stack) and a signer for ID-token-shaped JWTs with any claims. Shared by
 * the local stack's issuer and the API tests' issuer, so both mint tokens the same way.
 */
import { randomBytes } from "node:crypto";
import { exportJWK, generateKeyPair, type JWK, type JWTPayload, SignJWT } from "jose";

type PrivateKey = Awaited<ReturnType<typeof generateKeyPair>>["privateKey"];

/** A key the issuer signs with, and its public half as a JWKS entry. */
export interface DevSigningKey {
  kid: string;
  privateKey: PrivateKey;
  /** The public key as published in the JWKS (`kid`, `alg`, `use` set). */
  publicJwk: JWK;
}

/** What a dev token says, beyond the issuer's own `iss` and `aud`. */
export interface DevTokenClaims {
  issuer: string;
  audience: string;
  /** The `email` claim (and `sub`); undefined mints a token without one, for tests. */
  email: string | undefined;
  /** Claims to add or override (`groups`, `iss`, `aud`, `iat`, ...). */
  claims?: JWTPayload;
  /** Seconds from now; negative for an expired token; null mints one with no `exp`, for tests. */
  expiresIn: number | null;
}

/** Generates an RS256 key pair with a fresh key id. */
export async function createDevSigningKey(
  kid = `dev-${randomBytes(4).toString("hex")}`,
): Promise<DevSigningKey> {
  const { privateKey, publicKey } = await generateKeyPair("RS256");
  const publicJwk: JWK = { ...(await exportJWK(publicKey)), kid, alg: "RS256", use: "sig" };
  return { kid, privateKey, publicJwk };
}

/** Signs a JWT as an OIDC provider's ID token would look to signoff's verifier. */
export function signDevToken(key: DevSigningKey, token: DevTokenClaims): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  const { email, claims } = token;
  // A minute of back-dating absorbs clock skew between this process and a verifier; the `jti`
  // makes every token unique, as providers' are, so two sign-ins are two sessions.
  const jwt = new SignJWT({ ...(email === undefined ? {} : { email }), ...claims })
    .setProtectedHeader({ alg: "RS256", kid: key.kid, typ: "JWT" })
    .setIssuer(String(claims?.iss ?? token.issuer))
    .setAudience(claims?.aud ?? token.audience)
    .setSubject(email ?? "no-email")
    .setJti(randomBytes(12).toString("base64url"))
    .setIssuedAt(claims?.iat ?? now - 60);
  if (token.expiresIn !== null) jwt.setExpirationTime(now + token.expiresIn);
  return jwt.sign(key.privateKey);
}

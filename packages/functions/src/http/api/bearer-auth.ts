/**
 * Bearer JWT auth for `/v1`: tokens from any OIDC provider, verified against its JWKS with the
 * configured issuer and audience, and only while they last: every token must expire, within the
 * configured lifetime. The caller is the token's email claim, lower-cased, unless the token says
 * that email is not verified.
 */
import { findIdentityProblem, normalizeEmail } from "@signoff/core";
import type { MiddlewareHandler } from "hono";
import { createRemoteJWKSet, errors, type JWTPayload, jwtVerify } from "jose";
import { type ApiAuthConfig, DEFAULT_MAX_TOKEN_LIFETIME_SECONDS } from "../../config.ts";
import { ApiProblemError } from "./problem.ts";

/** Who is calling: an approver by email, and whether their groups make them an admin. */
export interface Caller {
  email: string;
  admin: boolean;
}

export interface ApiEnv {
  Variables: { caller: Caller };
}

const ALGORITHMS = ["RS256", "ES256"];
// The issuer's clock may run a little ahead of ours, so a token issued for exactly the longest
// lifetime can end a little more than that from our now.
const CLOCK_SKEW_SECONDS = 60;
const CHALLENGE = { "WWW-Authenticate": 'Bearer realm="signoff"' } as const;

function unauthorized(detail: string, error?: string): ApiProblemError {
  const challenge = error
    ? `${CHALLENGE["WWW-Authenticate"]}, error="${error}"`
    : CHALLENGE["WWW-Authenticate"];
  return new ApiProblemError("unauthorized", detail, {
    headers: { "WWW-Authenticate": challenge },
  });
}

/** Checks a JWT and says who it names; throws the 401 problem when it cannot. */
export type CallerVerifier = (token: string) => Promise<Caller>;

/**
 * The token check shared by the API's bearer header and the inbox's session: the signature
 * against the provider's JWKS, the configured issuer and audience, an expiry within the longest
 * lifetime allowed, and an email claim.
 */
export function createCallerVerifier(auth: ApiAuthConfig): CallerVerifier {
  // One key set per app: jose caches the keys and refetches on an unknown `kid`.
  const keys = createRemoteJWKSet(new URL(auth.jwksUrl));
  const maxLifetime = auth.maxTokenLifetimeSeconds ?? DEFAULT_MAX_TOKEN_LIFETIME_SECONDS;
  return async (token) => {
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, keys, {
        issuer: auth.issuer,
        audience: auth.audience,
        algorithms: ALGORITHMS,
        // A token without `exp` would sign someone in for good, past any revocation.
        requiredClaims: ["exp"],
      }));
    } catch (error) {
      // Unreachable JWKS and the like are not the caller's fault: let them surface as 5xx.
      if (!(error instanceof errors.JOSEError) || error instanceof errors.JWKSTimeout) throw error;
      if (
        error instanceof errors.JWTClaimValidationFailed &&
        error.claim === "exp" &&
        error.reason === "missing"
      ) {
        throw unauthorized(
          'The bearer token does not expire: it needs an "exp" claim.',
          "invalid_token",
        );
      }
      throw unauthorized("The bearer token is not valid.", "invalid_token");
    }
    if (outlivesLimit(payload, maxLifetime)) {
      throw unauthorized(
        `The bearer token lasts longer than the ${maxLifetime} seconds this API accepts.`,
        "invalid_token",
      );
    }
    const email = payload[auth.emailClaim];
    if (typeof email !== "string" || !email.includes("@")) {
      throw unauthorized(
        `The token has no email in its "${auth.emailClaim}" claim.`,
        "invalid_token",
      );
    }
    // The email is who decides. Where users may edit their own email (Cognito does by default),
    // the provider marks a new one unverified until it is: such a token names nobody yet.
    if (payload.email_verified !== undefined && payload.email_verified !== true) {
      throw unauthorized("The token's email is not verified.", "invalid_token");
    }
    // One address is one person: an email that a Unicode case fold would turn into another
    // (the Kelvin sign into "k") could be matched to someone else's approvals.
    if (findIdentityProblem(email) !== undefined) {
      throw unauthorized(
        "The token's email contains characters that fold to other letters; it names no one.",
        "invalid_token",
      );
    }
    const groups = payload[auth.groupsClaim];
    const admin =
      auth.adminGroup !== undefined && Array.isArray(groups) && groups.includes(auth.adminGroup);
    return { email: normalizeEmail(email), admin };
  };
}

/**
 * Whether a verified token (its `exp` present) lives longer than `maxLifetime`: as issued, when
 * it says when (`iat`), and from now either way, so a token cannot dodge the limit by omitting
 * `iat` or dating it ahead.
 */
function outlivesLimit(payload: JWTPayload, maxLifetime: number): boolean {
  const exp = payload.exp as number;
  if (payload.iat !== undefined && exp - payload.iat > maxLifetime) return true;
  const now = Math.floor(Date.now() / 1000);
  return exp - now > maxLifetime + CLOCK_SKEW_SECONDS;
}

/** The problem an unconfigured deployment answers with, so it never serves anyone unchecked. */
export function authNotConfigured(): ApiProblemError {
  return new ApiProblemError(
    "auth-not-configured",
    "Set SIGNOFF_OIDC_ISSUER, SIGNOFF_OIDC_AUDIENCE and SIGNOFF_OIDC_JWKS_URL to use the API.",
  );
}

/**
 * Verifies `Authorization: Bearer <JWT>` and sets `caller`. Without `auth` every request is
 * answered 503, so an unconfigured deployment never serves the API unauthenticated.
 */
export function createBearerAuth(auth: ApiAuthConfig | undefined): MiddlewareHandler<ApiEnv> {
  if (auth === undefined) {
    return async () => {
      throw authNotConfigured();
    };
  }
  const verify = createCallerVerifier(auth);
  return async (c, next) => {
    const match = /^Bearer +([\w-]+\.[\w-]+\.[\w-]+) *$/i.exec(c.req.header("Authorization") ?? "");
    if (!match?.[1]) throw unauthorized("A bearer token is required.");
    c.set("caller", await verify(match[1]));
    await next();
  };
}

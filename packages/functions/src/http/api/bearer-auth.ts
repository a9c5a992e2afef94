/**
 * Bearer JWT auth for `/v1`: tokens from any OIDC provider, verified against its JWKS with the
 * configured issuer and audience. The caller is the token's email claim, lower-cased, unless the
 * token says that email is not verified.
 */
import { normalizeEmail } from "@signoff/core";
import type { MiddlewareHandler } from "hono";
import { createRemoteJWKSet, errors, type JWTPayload, jwtVerify } from "jose";
import type { ApiAuthConfig } from "../../config.ts";
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
 * against the provider's JWKS, the configured issuer and audience, and an email claim.
 */
export function createCallerVerifier(auth: ApiAuthConfig): CallerVerifier {
  // One key set per app: jose caches the keys and refetches on an unknown `kid`.
  const keys = createRemoteJWKSet(new URL(auth.jwksUrl));
  return async (token) => {
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, keys, {
        issuer: auth.issuer,
        audience: auth.audience,
        algorithms: ALGORITHMS,
      }));
    } catch (error) {
      // Unreachable JWKS and the like are not the caller's fault: let them surface as 5xx.
      if (!(error instanceof errors.JOSEError) || error instanceof errors.JWKSTimeout) throw error;
      throw unauthorized("The bearer token is not valid.", "invalid_token");
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
    const groups = payload[auth.groupsClaim];
    const admin =
      auth.adminGroup !== undefined && Array.isArray(groups) && groups.includes(auth.adminGroup);
    return { email: normalizeEmail(email), admin };
  };
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

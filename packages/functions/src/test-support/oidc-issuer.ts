/**
 * The OIDC issuer API and inbox tests trust: the local stack's dev issuer (@signoff/dev-issuer), with
 * a fixed test issuer name and audience, plus a second, unpublished key that signs tokens whose
 * signature cannot verify.
 */
import {
  createDevSigningKey,
  type DevOidcIssuer,
  type DevOidcIssuerOptions,
  signDevToken,
  startDevOidcIssuer,
} from "@signoff/dev-issuer";
import type { JWTPayload } from "jose";
import type { ApiAuthConfig } from "../config.ts";

export const TEST_ISSUER = "https://issuer.signoff.test";
export const TEST_AUDIENCE = "signoff-api";
export const TEST_ADMIN_GROUP = "signoff-admins";

export interface TokenOptions {
  /** Claims to add or override (`email`, `groups`, `iss`, `aud`, ...). */
  claims?: JWTPayload;
  /** Seconds from now; negative for an expired token; null for one with no `exp`. Default 300. */
  expiresIn?: number | null;
  /** Sign with a key that is not in the JWKS. */
  foreignKey?: boolean;
}

export interface OidcIssuer {
  /** The auth config for an app that trusts this issuer. */
  auth: ApiAuthConfig;
  /** The running dev issuer (its login page, discovery document, ...). */
  dev: DevOidcIssuer;
  /** A signed JWT for `email` (RS256, this issuer, the test audience). */
  token(email: string | undefined, options?: TokenOptions): Promise<string>;
  stop(): Promise<void>;
}

/** Starts the dev issuer on 127.0.0.1 on a free port, named as the tests expect. */
export async function startOidcIssuer(
  options: Pick<DevOidcIssuerOptions, "people" | "sessionUrl"> = {},
): Promise<OidcIssuer> {
  const dev = await startDevOidcIssuer({
    ...options,
    issuer: TEST_ISSUER,
    audience: TEST_AUDIENCE,
    adminGroup: TEST_ADMIN_GROUP,
  });
  // The published key's id on another key: the verifier picks the published key, and the
  // signature does not match it.
  const foreign = await createDevSigningKey(dev.keyId);
  return {
    auth: dev.auth,
    dev,
    async token(email, tokenOptions = {}) {
      const expiresIn = tokenOptions.expiresIn === undefined ? 300 : tokenOptions.expiresIn;
      if (!tokenOptions.foreignKey) {
        return dev.token(email, {
          expiresIn,
          ...(tokenOptions.claims && { claims: tokenOptions.claims }),
        });
      }
      return signDevToken(foreign, {
        issuer: TEST_ISSUER,
        audience: TEST_AUDIENCE,
        email,
        expiresIn,
        ...(tokenOptions.claims && { claims: tokenOptions.claims }),
      });
    },
    stop: dev.stop,
  };
}

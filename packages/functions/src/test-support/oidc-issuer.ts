/**
 * A tiny OIDC issuer for API tests: an RS256 key pair whose public half is served as a JWKS from
 * a loopback HTTP server, and a signer for tokens with any claims. A second, unpublished key
 * signs tokens whose signature cannot verify.
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { exportJWK, generateKeyPair, type JWTPayload, SignJWT } from "jose";
import type { ApiAuthConfig } from "../config.ts";

export const TEST_ISSUER = "https://issuer.signoff.test";
export const TEST_AUDIENCE = "signoff-api";
export const TEST_ADMIN_GROUP = "signoff-admins";

export interface TokenOptions {
  /** Claims to add or override (`email`, `groups`, `iss`, `aud`, ...). */
  claims?: JWTPayload;
  /** Seconds from now; negative for an expired token. Default 300. */
  expiresIn?: number;
  /** Sign with a key that is not in the JWKS. */
  foreignKey?: boolean;
}

export interface OidcIssuer {
  /** The auth config for an app that trusts this issuer. */
  auth: ApiAuthConfig;
  /** A signed JWT for `email` (RS256, this issuer, the test audience). */
  token(email: string | undefined, options?: TokenOptions): Promise<string>;
  stop(): Promise<void>;
}

/** Generates the keys and serves the JWKS on 127.0.0.1 on a free port. */
export async function startOidcIssuer(): Promise<OidcIssuer> {
  const [published, foreign] = await Promise.all([
    generateKeyPair("RS256"),
    generateKeyPair("RS256"),
  ]);
  const jwk = {
    ...(await exportJWK(published.publicKey)),
    kid: "test-1",
    alg: "RS256",
    use: "sig",
  };
  const server = createServer((request, response) => {
    if (request.url !== "/jwks.json") {
      response.writeHead(404).end();
      return;
    }
    response.writeHead(200, { "Content-Type": "application/json" });
    response.end(JSON.stringify({ keys: [jwk] }));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;

  return {
    auth: {
      issuer: TEST_ISSUER,
      audience: TEST_AUDIENCE,
      jwksUrl: `http://127.0.0.1:${port}/jwks.json`,
      emailClaim: "email",
      groupsClaim: "groups",
      adminGroup: TEST_ADMIN_GROUP,
    },
    async token(email, options = {}) {
      const now = Math.floor(Date.now() / 1000);
      return new SignJWT({ ...(email === undefined ? {} : { email }), ...options.claims })
        .setProtectedHeader({ alg: "RS256", kid: "test-1" })
        .setIssuer(String(options.claims?.iss ?? TEST_ISSUER))
        .setAudience(options.claims?.aud ?? TEST_AUDIENCE)
        .setSubject(email ?? "no-email")
        .setIssuedAt(now - 60)
        .setExpirationTime(now + (options.expiresIn ?? 300))
        .sign(options.foreignKey ? foreign.privateKey : published.privateKey);
    },
    stop: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}

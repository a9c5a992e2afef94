import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  DEV_ADMIN_GROUP,
  DEV_AUDIENCE,
  type DevOidcIssuer,
  startDevOidcIssuer,
} from "./dev-oidc-issuer.ts";

let issuer: DevOidcIssuer;
let sessionUrl: string | undefined;

beforeAll(async () => {
  issuer = await startDevOidcIssuer({
    people: [{ email: "Alice@Example.com" }, { email: "admin@example.com", admin: true }],
    sessionUrl: () => sessionUrl,
  });
});

afterAll(async () => {
  await issuer?.stop();
});

async function verify(token: string) {
  const keys = createRemoteJWKSet(new URL(issuer.jwksUrl));
  return (await jwtVerify(token, keys, { issuer: issuer.issuer, audience: DEV_AUDIENCE })).payload;
}

/** The token each login button posts, by the email on the button. */
function buttonsOf(page: string): Map<string, { action: string; token: string }> {
  const forms = page.matchAll(
    /<form method="post" action="([^"]+)">\s*<input type="hidden" name="token" value="([^"]+)">\s*<button type="submit">Sign in as ([^<]+)<\/button>/g,
  );
  return new Map(
    [...forms].map(([, action, token, email]) => [email!, { action: action!, token: token! }]),
  );
}

describe("the dev OIDC issuer", () => {
  it("listens on loopback and publishes discovery and an RS256 JWKS", async () => {
    expect(issuer.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(issuer.issuer).toBe(issuer.url);
    const discovery = await (await fetch(`${issuer.url}/.well-known/openid-configuration`)).json();
    expect(discovery).toMatchObject({
      issuer: issuer.issuer,
      jwks_uri: issuer.jwksUrl,
      authorization_endpoint: issuer.loginUrl,
      id_token_signing_alg_values_supported: ["RS256"],
    });
    const jwks = (await (await fetch(issuer.jwksUrl)).json()) as {
      keys: Record<string, unknown>[];
    };
    expect(jwks.keys).toHaveLength(1);
    expect(jwks.keys[0]).toMatchObject({ kty: "RSA", alg: "RS256", use: "sig", kid: issuer.keyId });
    expect(jwks.keys[0]).not.toHaveProperty("d");
  });

  it("mints tokens its JWKS verifies, valid for 12 hours, with the admin group when asked", async () => {
    const plain = await verify(await issuer.token("bob@example.com"));
    expect(plain).toMatchObject({ email: "bob@example.com", sub: "bob@example.com" });
    expect(plain.groups).toBeUndefined();
    expect(plain.exp! - plain.iat!).toBe(12 * 60 * 60 + 60);
    const admin = await verify(await issuer.token("admin@example.com", { admin: true }));
    expect(admin.groups).toEqual([DEV_ADMIN_GROUP]);
    expect(issuer.auth).toEqual({
      issuer: issuer.issuer,
      audience: DEV_AUDIENCE,
      jwksUrl: issuer.jwksUrl,
      emailClaim: "email",
      groupsClaim: "groups",
      adminGroup: DEV_ADMIN_GROUP,
    });
  });

  it("signs tokens whose expiry a caller can set, in the past too", async () => {
    const token = await issuer.token("bob@example.com", { expiresIn: -30 });
    await expect(verify(token)).rejects.toThrow(/"exp" claim timestamp check failed/);
    expect(decodeProtectedHeader(token)).toMatchObject({ alg: "RS256", kid: issuer.keyId });
  });

  it("offers each person a button that posts a fresh token to signoff's inbox session", async () => {
    sessionUrl = "http://127.0.0.1:3999/inbox/session";
    const response = await fetch(issuer.loginUrl);
    expect(response.status).toBe(200);
    expect(response.headers.get("cache-control")).toBe("no-store");
    const csp = response.headers.get("content-security-policy") ?? "";
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("form-action 'self' http://127.0.0.1:3999");
    expect(csp).not.toContain("script-src");
    const page = await response.text();
    expect(page).not.toContain("<script");
    const buttons = buttonsOf(page);
    expect([...buttons.keys()]).toEqual(["alice@example.com", "admin@example.com"]);
    for (const [email, { action, token }] of buttons) {
      expect(action).toBe(sessionUrl);
      const claims = await verify(token);
      expect(claims.email).toBe(email);
      expect(claims.groups).toEqual(email === "admin@example.com" ? [DEV_ADMIN_GROUP] : undefined);
    }
  });

  it("adds someone by ?email= and ignores text that is not an email", async () => {
    sessionUrl = "http://127.0.0.1:3999/inbox/session";
    const added = buttonsOf(
      await (await fetch(`${issuer.loginUrl}?email=Carol@example.com`)).text(),
    );
    expect([...added.keys()]).toContain("carol@example.com");
    const page = await (
      await fetch(`${issuer.loginUrl}?email=${encodeURIComponent('"><b>x</b>@example.com')}`)
    ).text();
    expect(page).not.toContain("<b>x</b>");
    expect([...buttonsOf(page).keys()]).toEqual(["alice@example.com", "admin@example.com"]);
  });

  it("says so, rather than offering buttons, while signoff's API is not up", async () => {
    sessionUrl = undefined;
    const page = await (await fetch(issuer.loginUrl)).text();
    expect(buttonsOf(page).size).toBe(0);
    expect(page).toContain("signoff's API is not running yet");
  });
});

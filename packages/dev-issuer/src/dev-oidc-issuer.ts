/**
 * A development OIDC issuer on 127.0.0.1: discovery (`/.well-known/openid-configuration`), a
 * JWKS, and a `/login` page that signs demo people in to signoff's inbox. It lets `/v1` and the
 * inbox run on the local stack exactly as they do behind a real provider, since signoff only
 * ever sees RS256 JWTs checked against a JWKS. It is not a provider: there are no passwords and
 * anyone can sign in as anyone, so it lives in its own package, which the local stack and the API
 * tests use and Lambda code never imports; both mint tokens the same way.
 */
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { createAdaptorServer } from "@hono/node-server";
import { Hono } from "hono";
import type { JWTPayload } from "jose";
import { LOGIN_STYLE_HASH_SOURCE, renderLoginPage } from "./dev-login-page.ts";
import { createDevSigningKey, type DevSigningKey, signDevToken } from "./dev-oidc-tokens.ts";

/** The only address the issuer listens on. */
const LOOPBACK = "127.0.0.1";

/** What an app needs to trust the issuer: the shape of signoff's `ApiAuthConfig`. */
export interface DevIssuerAuth {
  issuer: string;
  audience: string;
  jwksUrl: string;
  emailClaim: string;
  groupsClaim: string;
  adminGroup: string;
}

/** The audience dev tokens carry and the local API expects. */
export const DEV_AUDIENCE = "signoff-local";
/** The group whose members the local API treats as admins. */
export const DEV_ADMIN_GROUP = "signoff-admins";
/** How long a dev token lives: a working day, so a printed token lasts the session. */
export const DEV_TOKEN_TTL_SECONDS = 12 * 60 * 60;

/** Someone the login page offers; `admin` puts them in the admin group. */
export interface DevPerson {
  email: string;
  admin?: boolean;
}

export interface DevTokenOptions {
  /** Adds the admin group to the token's `groups`. */
  admin?: boolean;
  /** Claims to add or override (`groups`, `iss`, `aud`, ...). */
  claims?: JWTPayload;
  /**
   * Seconds from now; negative for an expired token; null for one with no `exp` (for tests).
   * Default: the issuer's token lifetime.
   */
  expiresIn?: number | null;
}

export interface DevOidcIssuerOptions {
  /** 0 (default) = any free port. */
  port?: number;
  /**
   * Binds the server to 127.0.0.1 and resolves with the port; the local stack passes its own,
   * which names the port variable when the port is taken. Default: a plain listen.
   */
  listen?: (server: Server, port: number) => Promise<number>;
  /** Closes the server; default: close, cutting kept-alive connections. */
  close?: (server: Server) => Promise<void>;
  /** The `iss` of its tokens; default its own URL, as a real provider's would be. */
  issuer?: string;
  audience?: string;
  adminGroup?: string;
  /** Who `/login` lists; `?email=` adds one more for that page. */
  people?: readonly DevPerson[];
  /** signoff's `/inbox/session`, where login buttons post; asked per page, as the API may start later. */
  sessionUrl?: () => string | undefined;
  /** Lifetime of the tokens `token()` and `/login` mint; default DEV_TOKEN_TTL_SECONDS. */
  tokenTtlSeconds?: number;
}

/** A running dev issuer. */
export interface DevOidcIssuer {
  /** Where it listens, e.g. `http://127.0.0.1:8086`. */
  url: string;
  /** The `iss` of its tokens. */
  issuer: string;
  audience: string;
  jwksUrl: string;
  loginUrl: string;
  /** The `/v1` and inbox auth config for an app that trusts this issuer. */
  auth: DevIssuerAuth;
  people: readonly DevPerson[];
  /** The `kid` of its signing key, as published in the JWKS. */
  keyId: string;
  /** A signed JWT for `email` (as given), undefined for one without an email claim. */
  token(email: string | undefined, options?: DevTokenOptions): Promise<string>;
  stop(): Promise<void>;
}

const EMAIL = /^[^\s@<>"]{1,64}@[^\s@<>"]{1,255}$/;

/** Generates a signing key and serves the issuer on 127.0.0.1. */
export async function startDevOidcIssuer(
  options: DevOidcIssuerOptions = {},
): Promise<DevOidcIssuer> {
  const key = await createDevSigningKey();
  const audience = options.audience ?? DEV_AUDIENCE;
  const adminGroup = options.adminGroup ?? DEV_ADMIN_GROUP;
  const ttl = options.tokenTtlSeconds ?? DEV_TOKEN_TTL_SECONDS;
  const people = (options.people ?? []).map((p) => ({
    email: p.email.toLowerCase(),
    admin: p.admin === true,
  }));

  // 1. Listen first: the issuer's URL (its default `iss`) is the port actually bound.
  let fetch: (request: Request) => Response | Promise<Response> = () =>
    new Response("starting", { status: 503 });
  const server = createAdaptorServer({ fetch: (request) => fetch(request) }) as Server;
  const port = await (options.listen ?? listenPlain)(server, options.port ?? 0);
  const url = `http://${LOOPBACK}:${port}`;
  const issuer = options.issuer ?? url;

  const token: DevOidcIssuer["token"] = (email, tokenOptions = {}) =>
    signDevToken(key, {
      issuer,
      audience,
      email,
      expiresIn: tokenOptions.expiresIn === undefined ? ttl : tokenOptions.expiresIn,
      claims: {
        ...(tokenOptions.admin && { groups: [adminGroup] }),
        ...tokenOptions.claims,
      },
    });

  // 2. The routes.
  const jwksUrl = `${url}/.well-known/jwks.json`;
  const loginUrl = `${url}/login`;
  fetch = createIssuerApp({
    key,
    issuer,
    jwksUrl,
    loginUrl,
    people,
    token,
    sessionUrl: options.sessionUrl,
  }).fetch;

  return {
    url,
    issuer,
    audience,
    jwksUrl,
    loginUrl,
    keyId: key.kid,
    auth: { issuer, audience, jwksUrl, emailClaim: "email", groupsClaim: "groups", adminGroup },
    people,
    token,
    stop: () => (options.close ?? closePlain)(server),
  };
}

function listenPlain(server: Server, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, LOOPBACK, () => {
      server.off("error", reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

function closePlain(server: Server): Promise<void> {
  return new Promise((resolve, reject) => {
    server.closeAllConnections();
    server.close((error) => (error ? reject(error) : resolve()));
  });
}

interface IssuerRoutes {
  key: DevSigningKey;
  issuer: string;
  jwksUrl: string;
  loginUrl: string;
  people: readonly { email: string; admin: boolean }[];
  token: DevOidcIssuer["token"];
  sessionUrl: (() => string | undefined) | undefined;
}

function createIssuerApp(routes: IssuerRoutes): Hono {
  const app = new Hono();

  app.get("/.well-known/openid-configuration", (c) =>
    c.json({
      issuer: routes.issuer,
      jwks_uri: routes.jwksUrl,
      authorization_endpoint: routes.loginUrl,
      response_types_supported: ["id_token"],
      subject_types_supported: ["public"],
      id_token_signing_alg_values_supported: ["RS256"],
      claims_supported: ["sub", "email", "groups"],
    }),
  );

  app.get("/.well-known/jwks.json", (c) => c.json({ keys: [routes.key.publicJwk] }));

  app.get("/login", async (c) => {
    // 1. The listed people, plus whoever `?email=` names (the form at the bottom sets it).
    const extra = c.req.query("email")?.trim().toLowerCase();
    const people = [...routes.people];
    if (extra && EMAIL.test(extra) && !people.some((p) => p.email === extra)) {
      people.push({ email: extra, admin: false });
    }
    // 2. A fresh token per button: the page is the only place they appear, and it is never cached.
    const entries = await Promise.all(
      people.map(async (p) => ({ ...p, token: await routes.token(p.email, { admin: p.admin }) })),
    );
    const sessionUrl = routes.sessionUrl?.();
    const formTargets = ["'self'", ...(sessionUrl ? [new URL(sessionUrl).origin] : [])];
    return c.html(renderLoginPage(entries, sessionUrl), 200, {
      "Content-Security-Policy": `default-src 'none'; style-src ${LOGIN_STYLE_HASH_SOURCE}; form-action ${formTargets.join(" ")}; base-uri 'none'; frame-ancestors 'none'`,
      "Cache-Control": "no-store",
      // Not no-referrer: browsers then send `Origin: null` with the sign-in post, and signoff
      // accepts sign-ins only from its own page or the login page's origin.
      "Referrer-Policy": "strict-origin",
      "X-Frame-Options": "DENY",
    });
  });

  app.get("/", (c) => c.redirect("/login"));
  return app;
}

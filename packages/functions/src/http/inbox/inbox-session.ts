/**
 * The inbox session: the bearer token itself, in an HttpOnly cookie scoped to `/inbox`. Holding
 * the token (rather than a session id) keeps signoff stateless, and every request re-verifies it
 * against the provider's JWKS, so an expired or revoked-by-rotation token signs the person out.
 */
import type { Context } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import { decodeJwt } from "jose";
import type { Caller, CallerVerifier } from "../api/bearer-auth.ts";
import { ApiProblemError } from "../api/problem.ts";

/** The cookie's name. Not `__Host-`: that prefix demands `Path=/`, and this cookie is `/inbox`'s. */
export const SESSION_COOKIE = "signoff_inbox";

/** Where the cookie is sent: the inbox and nothing else of signoff's. */
export const SESSION_PATH = "/inbox";

// Browsers drop cookies past about 4 KB; a token that long cannot be a session.
const MAX_TOKEN_LENGTH = 3_800;
const JWT_SHAPE = /^[\w-]+\.[\w-]+\.[\w-]+$/;

/** A signed-in approver: who, and the token their forms are bound to. */
export interface InboxSession {
  caller: Caller;
  token: string;
}

/** `signed-out`: no cookie; `ended`: a cookie whose token no longer verifies. */
export type SessionLookup =
  | { ok: true; session: InboxSession }
  | { ok: false; reason: "signed-out" | "ended" };

/** Pasted text as a token: `Bearer ` and whitespace dropped; undefined unless JWT-shaped. */
export function parsePastedToken(text: string | undefined): string | undefined {
  const token = text?.trim().replace(/^Bearer\s+/i, "");
  if (!token || token.length > MAX_TOKEN_LENGTH || !JWT_SHAPE.test(token)) return undefined;
  return token;
}

/** Verifies `token`; an invalid one is a value, anything else (JWKS down) is thrown. */
export async function verifySessionToken(
  verify: CallerVerifier,
  token: string,
): Promise<Caller | undefined> {
  try {
    return await verify(token);
  } catch (error) {
    if (error instanceof ApiProblemError) return undefined;
    throw error;
  }
}

/** Reads and re-verifies the session cookie. */
export async function readSession(c: Context, verify: CallerVerifier): Promise<SessionLookup> {
  const token = parsePastedToken(getCookie(c, SESSION_COOKIE));
  if (token === undefined) {
    return { ok: false, reason: getCookie(c, SESSION_COOKIE) ? "ended" : "signed-out" };
  }
  const caller = await verifySessionToken(verify, token);
  return caller ? { ok: true, session: { caller, token } } : { ok: false, reason: "ended" };
}

/** Sets the session cookie for a verified token; it lasts no longer than the token does. */
export function startSession(c: Context, token: string, now: Date): void {
  const exp = decodeJwt(token).exp;
  const maxAge =
    typeof exp === "number" ? Math.max(0, exp - Math.floor(now.getTime() / 1000)) : undefined;
  setCookie(c, SESSION_COOKIE, token, {
    path: SESSION_PATH,
    httpOnly: true,
    sameSite: "Lax",
    secure: isHttps(c),
    ...(maxAge !== undefined && { maxAge }),
  });
}

/** Clears the session cookie. */
export function endSession(c: Context): void {
  deleteCookie(c, SESSION_COOKIE, { path: SESSION_PATH, secure: isHttps(c) });
}

function isHttps(c: Context): boolean {
  return new URL(c.req.url).protocol === "https:";
}

/**
 * Which API the CLI calls and as whom: the flags, else SIGNOFF_URL / SIGNOFF_TOKEN, else the
 * local stack's stack.json (its API endpoint and a dev token per person). A token and its URL
 * come from the same place, so a token is never sent to an API it was not meant for.
 */
import { readFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import type { ConnectionFlags } from "./args.ts";
import { ConfigError } from "./errors.ts";
import { DEFAULT_STATE_DIR, REPO_ROOT, STACK_FILE_NAME } from "./paths.ts";

/** The part of packages/local's StackFile the CLI reads (kept structural: no import of it). */
export interface StackFileView {
  endpoints?: { api?: string | null };
  auth?: {
    issuer: string;
    audience: string;
    jwksUrl: string;
    login: string;
    /** A bearer JWT per lower-cased email. */
    tokens: Record<string, string>;
  } | null;
}

export interface Connection {
  baseUrl: string;
  token: string;
}

export interface ConfigSources {
  env: Record<string, string | undefined>;
  /** Where relative SIGNOFF_STATE_DIR values start from. */
  cwd: string;
}

/** The stack.json path: SIGNOFF_STATE_DIR (relative to cwd), else `.local/` at the repo root. */
export function stackFilePath(sources: ConfigSources): string {
  const dir = sources.env.SIGNOFF_STATE_DIR;
  const stateDir = dir ? resolve(sources.cwd, dir) : join(REPO_ROOT, DEFAULT_STATE_DIR);
  return join(stateDir, STACK_FILE_NAME);
}

/**
 * Resolves the URL and token; throws ConfigError saying what to pass when it cannot. A token
 * from the flags or environment needs a URL from there too, and a dev token from stack.json goes
 * only to the stack's own API: either mix would hand a token to a server it was not issued for.
 */
export async function resolveConnection(
  flags: ConnectionFlags,
  sources: ConfigSources,
): Promise<Connection> {
  const envUrl = nonEmpty(sources.env.SIGNOFF_URL);
  const envToken = nonEmpty(sources.env.SIGNOFF_TOKEN);
  // An explicit --as asks for a dev token, so it outranks SIGNOFF_TOKEN.
  const token = flags.token ?? (flags.as === undefined ? envToken : undefined);
  const given = flags.url ?? envUrl;
  // A malformed URL says so before anything is matched against it.
  const url = given === undefined ? undefined : checkUrl(given);
  if (url !== undefined && token !== undefined) return { baseUrl: url, token };

  // 1. A token without its URL: the stack's API is not where it came from.
  const path = stackFilePath(sources);
  const urlFrom = flags.url === undefined ? "SIGNOFF_URL" : "--url";
  if (token !== undefined) {
    const [tokenFrom, wanted] =
      flags.token === undefined ? ["SIGNOFF_TOKEN", "SIGNOFF_URL"] : ["--token", "--url"];
    throw new ConfigError(
      `${tokenFrom} is set but ${wanted} is not: set both, or neither to use the local stack's ${path}`,
    );
  }

  // 2. No token: the local stack's file supplies one, for its own API only.
  const stack = await readStackFile(path);
  const stackApi = stack?.endpoints?.api ?? undefined;
  if (url !== undefined && (stackApi === undefined || !isSameUrl(url, stackApi))) {
    throw refuseForeignUrl({ urlFrom, as: flags.as, path, stackApi });
  }
  if (stack === undefined) {
    throw new ConfigError(
      `no API URL given and no local stack found (${path} does not exist): pass --url (or SIGNOFF_URL), or run npm start`,
    );
  }
  if (!stackApi) {
    throw new ConfigError(`${path} names no API endpoint: pass --url or set SIGNOFF_URL`);
  }
  return { baseUrl: checkUrl(stackApi), token: devToken(stack, flags.as, path) };
}

/** Why a URL from the flags or environment gets no dev token from stack.json. */
function refuseForeignUrl(refused: {
  urlFrom: "--url" | "SIGNOFF_URL";
  as: string | undefined;
  path: string;
  stackApi: string | undefined;
}): ConfigError {
  const { urlFrom, as, path, stackApi } = refused;
  if (as !== undefined) {
    return new ConfigError(
      `--as takes a dev token from ${path}, which goes only to ${stackApi ?? "the local stack's API"}, not to ${urlFrom}: drop ${urlFrom}, or pass --token instead of --as`,
    );
  }
  const tokenFrom = urlFrom === "--url" ? "--token" : "SIGNOFF_TOKEN";
  const only = stackApi === undefined ? "" : ` (its dev tokens go only to ${stackApi})`;
  return new ConfigError(
    `${urlFrom} is set but ${tokenFrom} is not: set both, or neither to use the local stack's ${path}${only}`,
  );
}

/** The same API: scheme, host, port and path alike, a trailing slash aside. */
function isSameUrl(a: string, b: string): boolean {
  const normal = (url: string) => {
    const parsed = new URL(url);
    return `${parsed.origin}${parsed.pathname.replace(/\/+$/, "")}`;
  };
  try {
    return normal(a) === normal(b);
  } catch {
    return false;
  }
}

/** The local stack's file; undefined when no stack is running (it removes the file on stop). */
async function readStackFile(path: string): Promise<StackFileView | undefined> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw new ConfigError(`cannot read ${path}: ${(error as Error).message}`, { cause: error });
  }
  try {
    return JSON.parse(text) as StackFileView;
  } catch (error) {
    throw new ConfigError(`${path} is not valid JSON`, { cause: error });
  }
}

/** The dev token of `as`, else of the first person in the file who is not an admin. */
function devToken(stack: StackFileView, as: string | undefined, path: string): string {
  const tokens = stack.auth?.tokens;
  if (!tokens || Object.keys(tokens).length === 0) {
    throw new ConfigError(
      `the local stack in ${path} offers no dev tokens: pass --token or set SIGNOFF_TOKEN`,
    );
  }
  if (as !== undefined) {
    const token = tokens[as.trim().toLowerCase()];
    if (token === undefined) {
      const people = Object.keys(tokens).join(", ");
      throw new ConfigError(`no dev token for ${as} in ${path}; it has tokens for ${people}`);
    }
    return token;
  }
  const entries = Object.entries(tokens);
  const [, token] = entries.find(([, jwt]) => !isAdminToken(jwt)) ?? entries[0]!;
  return token;
}

/**
 * Whether a dev token puts its owner in a group. The dev issuer only gives groups to the admin,
 * and stack.json does not say who that is. Reading the payload unverified is fine here: it only
 * picks a default, and the API verifies whatever is sent.
 */
export function isAdminToken(jwt: string): boolean {
  const payload = jwt.split(".")[1];
  if (payload === undefined) return false;
  try {
    const claims = JSON.parse(Buffer.from(payload, "base64url").toString("utf8")) as {
      groups?: unknown;
    };
    return Array.isArray(claims.groups) && claims.groups.length > 0;
  } catch {
    return false;
  }
}

function checkUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.protocol === "http:" || parsed.protocol === "https:") return url;
  } catch {
    // Falls through to the one message below.
  }
  throw new ConfigError(`the API URL must be an http(s) URL, not "${url}"`);
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === "" ? undefined : value;
}

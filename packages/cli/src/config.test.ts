import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isAdminToken, resolveConnection, type StackFileView, stackFilePath } from "./config.ts";
import { ConfigError } from "./errors.ts";
import { REPO_ROOT } from "./paths.ts";

/** An unsigned JWT-shaped token with these claims: config only reads, never verifies. */
function devToken(claims: Record<string, unknown>): string {
  const part = (value: object) => Buffer.from(JSON.stringify(value)).toString("base64url");
  return `${part({ alg: "RS256" })}.${part(claims)}.c2ln`;
}

const ADMIN = devToken({ email: "admin@example.com", groups: ["signoff-admins"] });
const ALICE = devToken({ email: "alice@example.com" });
const BOB = devToken({ email: "bob@example.com" });

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "signoff-cli-config-"));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function stateDirWith(stack: StackFileView | string, name: string): Promise<string> {
  const stateDir = join(dir, name);
  await rm(stateDir, { recursive: true, force: true });
  await mkdir(stateDir, { recursive: true });
  await writeFile(
    join(stateDir, "stack.json"),
    typeof stack === "string" ? stack : JSON.stringify(stack),
  );
  return stateDir;
}

const STACK: StackFileView = {
  endpoints: { api: "http://127.0.0.1:3999" },
  auth: {
    issuer: "http://127.0.0.1:8086",
    audience: "signoff-local",
    jwksUrl: "http://127.0.0.1:8086/.well-known/jwks.json",
    login: "http://127.0.0.1:8086/login",
    // The admin first, so the default has to skip it.
    tokens: { "admin@example.com": ADMIN, "alice@example.com": ALICE, "bob@example.com": BOB },
  },
};

async function configErrorOf(promise: Promise<unknown>): Promise<string> {
  const error = await promise.then(
    () => expect.fail("expected a ConfigError"),
    (rejection: unknown) => rejection,
  );
  expect(error).toBeInstanceOf(ConfigError);
  return (error as Error).message;
}

describe("resolveConnection", () => {
  it("takes flags first, then SIGNOFF_URL and SIGNOFF_TOKEN, without reading stack.json", async () => {
    const sources = { env: { SIGNOFF_STATE_DIR: join(dir, "absent") }, cwd: dir };
    expect(
      await resolveConnection({ url: "https://api.example.com", token: "t1" }, sources),
    ).toEqual({ baseUrl: "https://api.example.com", token: "t1" });
    const env = { ...sources.env, SIGNOFF_URL: "https://env.example.com", SIGNOFF_TOKEN: "t2" };
    expect(await resolveConnection({}, { env, cwd: dir })).toEqual({
      baseUrl: "https://env.example.com",
      token: "t2",
    });
    expect(await resolveConnection({ token: "t3" }, { env, cwd: dir })).toMatchObject({
      token: "t3",
    });
  });

  it("finds the API and the first non-admin dev token in the local stack's stack.json", async () => {
    const stateDir = await stateDirWith(STACK, "default");
    const sources = { env: { SIGNOFF_STATE_DIR: stateDir }, cwd: dir };
    expect(await resolveConnection({}, sources)).toEqual({
      baseUrl: "http://127.0.0.1:3999",
      token: ALICE,
    });
    expect(await resolveConnection({ as: "Bob@Example.com" }, sources)).toMatchObject({
      token: BOB,
    });
    // --as outranks SIGNOFF_TOKEN: asking for a person is more specific than the environment.
    const env = { ...sources.env, SIGNOFF_TOKEN: "from-env" };
    expect(await resolveConnection({ as: "admin@example.com" }, { env, cwd: dir })).toMatchObject({
      token: ADMIN,
    });
  });

  it("never sends a token from the flags or the environment to the local stack's API", async () => {
    const stateDir = await stateDirWith(STACK, "token-without-url");
    const path = join(stateDir, "stack.json");
    const env = { SIGNOFF_STATE_DIR: stateDir, SIGNOFF_TOKEN: "from-env" };
    expect(await configErrorOf(resolveConnection({}, { env, cwd: dir }))).toBe(
      `SIGNOFF_TOKEN is set but SIGNOFF_URL is not: set both, or neither to use the local stack's ${path}`,
    );
    const flagged = { env: { SIGNOFF_STATE_DIR: stateDir }, cwd: dir };
    expect(await configErrorOf(resolveConnection({ token: "t" }, flagged))).toBe(
      `--token is set but --url is not: set both, or neither to use the local stack's ${path}`,
    );
  });

  it("sends the local stack's dev tokens to its own API and nowhere else", async () => {
    const stateDir = await stateDirWith(STACK, "url-without-token");
    const path = join(stateDir, "stack.json");
    const sources = (url: string) => ({
      env: { SIGNOFF_STATE_DIR: stateDir, SIGNOFF_URL: url },
      cwd: dir,
    });
    expect(await configErrorOf(resolveConnection({}, sources("https://api.example.com")))).toBe(
      `SIGNOFF_URL is set but SIGNOFF_TOKEN is not: set both, or neither to use the local stack's ${path} (its dev tokens go only to http://127.0.0.1:3999)`,
    );
    expect(
      await configErrorOf(
        resolveConnection({ url: "https://api.example.com", as: "bob@example.com" }, sources("")),
      ),
    ).toBe(
      `--as takes a dev token from ${path}, which goes only to http://127.0.0.1:3999, not to --url: drop --url, or pass --token instead of --as`,
    );
    // Naming the stack's own API is the same as naming none.
    expect(await resolveConnection({}, sources("http://127.0.0.1:3999/"))).toEqual({
      baseUrl: "http://127.0.0.1:3999",
      token: ALICE,
    });
    expect(
      await resolveConnection({ as: "bob@example.com" }, sources("http://127.0.0.1:3999")),
    ).toMatchObject({ token: BOB });
  });

  it("resolves a relative SIGNOFF_STATE_DIR from the working directory, else uses .local/", () => {
    expect(stackFilePath({ env: { SIGNOFF_STATE_DIR: "state" }, cwd: "/home/me" })).toBe(
      "/home/me/state/stack.json",
    );
    expect(stackFilePath({ env: {}, cwd: "/home/me" })).toBe(join(REPO_ROOT, ".local/stack.json"));
  });

  it("says what to pass when nothing names an API or a token", async () => {
    const absent = { env: { SIGNOFF_STATE_DIR: join(dir, "absent") }, cwd: dir };
    expect(await configErrorOf(resolveConnection({}, absent))).toMatch(
      /no API URL given and no local stack found .*pass --url \(or SIGNOFF_URL\), or run npm start/,
    );
    expect(await configErrorOf(resolveConnection({ url: "http://x" }, absent))).toBe(
      `--url is set but --token is not: set both, or neither to use the local stack's ${join(dir, "absent", "stack.json")}`,
    );

    const noAuth = await stateDirWith({ ...STACK, auth: null }, "no-auth");
    const sources = { env: { SIGNOFF_STATE_DIR: noAuth }, cwd: dir };
    expect(await configErrorOf(resolveConnection({}, sources))).toMatch(/offers no dev tokens/);

    const stack = await stateDirWith(STACK, "unknown-person");
    expect(
      await configErrorOf(
        resolveConnection(
          { as: "eve@example.com" },
          { env: { SIGNOFF_STATE_DIR: stack }, cwd: dir },
        ),
      ),
    ).toMatch(/no dev token for eve@example.com .* admin@example.com, alice@example.com/);

    const broken = await stateDirWith("{not json", "broken");
    expect(
      await configErrorOf(resolveConnection({}, { env: { SIGNOFF_STATE_DIR: broken }, cwd: dir })),
    ).toMatch(/is not valid JSON/);
    expect(await configErrorOf(resolveConnection({ url: "ftp://x", token: "t" }, absent))).toMatch(
      /must be an http\(s\) URL/,
    );
  });
});

describe("isAdminToken", () => {
  it("is true only for a token whose payload puts its owner in a group", () => {
    expect(isAdminToken(ADMIN)).toBe(true);
    expect(isAdminToken(ALICE)).toBe(false);
    expect(isAdminToken("not-a-jwt")).toBe(false);
  });
});

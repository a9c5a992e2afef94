import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadDevKeys } from "./dev-keys.ts";
import { createLocalSignoff, type LocalSignoff } from "./signoff.ts";
import { startStack } from "./stack.ts";
import { toStackFileAuth } from "./stack-file.ts";
import type { Stack } from "./stack-types.ts";
import { FREE_PORTS } from "./test-helpers.ts";

describe("createLocalSignoff with the dev OIDC issuer", () => {
  let signoff: LocalSignoff;
  let stack: Stack;

  beforeAll(async () => {
    signoff = createLocalSignoff({ keys: await loadDevKeys() });
    stack = await startStack({
      ports: FREE_PORTS,
      functions: signoff.functions,
      issuer: signoff.issuer,
      api: signoff.api,
      onExecutionStatusChange: signoff.onExecutionStatusChange,
    });
  });

  afterAll(async () => {
    await stack?.stop();
  });

  it("starts the issuer on loopback and lists it among the endpoints", () => {
    const issuer = signoff.devIssuer();
    expect(stack.endpoints.issuer).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(issuer?.url).toBe(stack.endpoints.issuer);
    expect(signoff.runtime().config.apiAuth).toMatchObject({
      issuer: issuer?.issuer,
      inboxLoginUrl: issuer?.loginUrl,
    });
  });

  it("answers /v1 with 200 for a token from the issuer, and 401 without one", async () => {
    const auth = await toStackFileAuth(signoff.devIssuer()!);
    expect(Object.keys(auth.tokens)).toEqual([
      "alice@example.com",
      "bob@example.com",
      "admin@example.com",
    ]);
    const url = `${stack.endpoints.api}/v1/approvals`;
    expect((await fetch(url)).status).toBe(401);
    for (const token of Object.values(auth.tokens)) {
      const response = await fetch(url, { headers: { Authorization: `Bearer ${token}` } });
      expect(response.status).toBe(200);
    }
  });

  it("points the inbox's sign-in page at the issuer's login, whose buttons post to the inbox", async () => {
    const issuer = signoff.devIssuer()!;
    const signIn = await (await fetch(`${stack.endpoints.api}/inbox`)).text();
    expect(signIn).toContain(`<a href="${issuer.loginUrl}">`);
    const login = await (await fetch(issuer.loginUrl)).text();
    expect(login).toContain(`action="${stack.endpoints.api}/inbox/session"`);
    expect(login).toContain("Sign in as admin@example.com");
  });
});

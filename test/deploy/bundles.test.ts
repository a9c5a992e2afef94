import { createCipheriv, randomBytes } from "node:crypto";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { isBuiltin } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { type Stack, startStack } from "@signoff/local";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bundleHandlers, type HandlerBundle } from "../../scripts/bundle-handlers.ts";
import { type InvokeOutcome, invokeBundle } from "./invoke-bundle.ts";
import {
  httpApiEvent,
  randomTaskToken,
  schedulerEvent,
  waitForTaskTokenPayload,
} from "./lambda-events.ts";

// Room to grow from ~0.5-1.2 MiB (minified, as infra/ has SST build them) while catching a
// dependency that drags in a second SDK or a whole framework. Lambda's own limit is 250 MB unzipped.
const BUNDLE_BUDGET_BYTES = 1.5 * 1024 * 1024;
// What only the HTTP API may carry: the OpenAPI machinery, and zod's full build that it needs.
// Everything else validates with zod/mini.
const API_ONLY_PACKAGES = ["@asteasolutions/zod-to-openapi", "@hono/zod-openapi"];
// Building the bundles and starting the emulators take a few seconds; the margin is for CI.
const SETUP_TIMEOUT_MS = 90_000;

const SENDER = "approvals@example.com";
const PUBLIC_URL = "https://a1b2c3d4e5.execute-api.us-east-1.amazonaws.com";

/** The functions invoked here, named as SST names them on a stage called ci. */
const FUNCTION_NAMES = {
  "request-approval": "signoff-ci-RequestApprovalFunction-a1b2c3",
  api: "signoff-ci-ApiFunctionFunction-d4e5f6",
  sweeper: "signoff-ci-SweeperFunction-0a1b2c",
} as const;
type InvokedFunction = keyof typeof FUNCTION_NAMES;

/** A keyring as `sst secret set` would hold it: one 32-byte key. */
function newKeyring(kid: string): string {
  return `${kid}:${randomBytes(32).toString("base64url")}`;
}

let bundleDir: string;
let bundles: HandlerBundle[];
let stack: Stack;
const linkKeys = newKeyring("k1");
const tokenKeys = newKeyring("k1");
const sstKey = randomBytes(32);

beforeAll(async () => {
  bundleDir = await mkdtemp(join(tmpdir(), "signoff-bundles-"));
  const [built, started] = await Promise.all([
    bundleHandlers(bundleDir),
    // The emulators only: the functions under test are the bundles, run in their own processes.
    startStack({ ports: { dynamodb: 0, ses: 0, stepfunctions: 0, api: 0 } }),
  ]);
  stack = started;
  bundles = built.bundles;
  await Promise.all(bundles.map((bundle) => writeSstLinks(dirname(bundle.file))));
}, SETUP_TIMEOUT_MS);

afterAll(async () => {
  await stack?.stop();
  if (bundleDir) await rm(bundleDir, { recursive: true, force: true });
});

/**
 * What SST's builder puts beside each deployed bundle: every link's properties, encrypted
 * (AES-256-GCM, zero nonce, tag appended) under the key it sets in SST_KEY.
 */
async function writeSstLinks(codeDir: string): Promise<void> {
  const links = {
    Table: { name: stack.tableName },
    Email: { sender: SENDER, configSet: "signoff-ci-EmailConfig" },
    Api: { url: PUBLIC_URL },
    LinkKeys: { value: linkKeys },
    TokenKeys: { value: tokenKeys },
  };
  const cipher = createCipheriv("aes-256-gcm", sstKey, Buffer.alloc(12));
  const sealed = [cipher.update(JSON.stringify(links)), cipher.final(), cipher.getAuthTag()];
  await writeFile(join(codeDir, "resource.enc"), Buffer.concat(sealed));
}

function bundleOf(name: string): HandlerBundle {
  const bundle = bundles.find((b) => b.name === name);
  if (!bundle) throw new Error(`no bundle for ${name}`);
  return bundle;
}

/** The Lambda runtime's own variables, and the stack's endpoints and dummy credentials. */
function lambdaEnv(name: string): Record<string, string> {
  return {
    PATH: process.env.PATH ?? "/usr/bin:/bin",
    ...stack.env,
    AWS_LAMBDA_FUNCTION_NAME: `signoff-ci-${name}`,
    AWS_LAMBDA_FUNCTION_VERSION: "$LATEST",
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: "1024",
    LAMBDA_TASK_ROOT: dirname(bundleOf(name).file),
  };
}

/**
 * A function as infra/functions.ts deploys it: links in resource.enc (the keyrings travel only
 * there), the non-secret plain variables beside them.
 */
function deployedEnv(name: string): Record<string, string> {
  return {
    ...lambdaEnv(name),
    SST_RESOURCE_App: JSON.stringify({ name: "signoff", stage: "ci" }),
    SST_KEY: sstKey.toString("base64"),
    SST_KEY_FILE: "resource.enc",
    SIGNOFF_TABLE_NAME: stack.tableName,
    SIGNOFF_SENDER: SENDER,
    SIGNOFF_PUBLIC_URL: PUBLIC_URL,
  };
}

/** The same handler configured by plain variables alone, as the local stack configures it. */
function plainEnv(name: string): Record<string, string> {
  return {
    ...lambdaEnv(name),
    SIGNOFF_TABLE_NAME: stack.tableName,
    SIGNOFF_SENDER: SENDER,
    SIGNOFF_PUBLIC_URL: PUBLIC_URL,
    SIGNOFF_LINK_KEYS: linkKeys,
    SIGNOFF_TOKEN_KEYS: tokenKeys,
  };
}

function invoke(name: InvokedFunction, event: unknown, env = deployedEnv(name)) {
  return invokeBundle({
    bundle: bundleOf(name).file,
    event,
    env,
    functionName: FUNCTION_NAMES[name],
  });
}

/** The handler's return value; a throw fails the test with the error's name and message. */
function resultOf(outcome: InvokeOutcome): unknown {
  if (!outcome.ok)
    throw new Error(`the handler threw ${outcome.error.name}: ${outcome.error.message}`);
  return outcome.result;
}

interface StoredMail {
  destination: { to: string[] };
  from: string;
  subject: string;
}

async function mailTo(address: string, subject: string): Promise<StoredMail[]> {
  const response = await fetch(`${stack.endpoints.inbox}store`);
  const { emails } = (await response.json()) as { emails: StoredMail[] };
  return emails.filter((m) => m.destination.to.includes(address) && m.subject.includes(subject));
}

interface HttpResult {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
}

// Each case starts its own processes and finds its mail by a subject no other case uses.
describe.concurrent("the Lambda bundles, built as SST builds them", () => {
  it("include one per entry point in handlers/, request-approval, api and sweeper among them", () => {
    expect(bundles.map((b) => b.name)).toEqual(expect.arrayContaining(Object.keys(FUNCTION_NAMES)));
  });

  it("stay within their size budget and import nothing but Node built-ins at run time", () => {
    for (const bundle of bundles) {
      expect(bundle.bytes, bundle.name).toBeLessThan(BUNDLE_BUDGET_BYTES);
      // The AWS SDK v3 is bundled, not left to the runtime's copy.
      expect(
        bundle.externalImports.filter((path) => !isBuiltin(path)),
        bundle.name,
      ).toEqual([]);
    }
  });

  it("carry the OpenAPI machinery and zod's full build in the API's bundle only, loaded on first use", async () => {
    for (const bundle of bundles) {
      const leaked = bundle.packages.filter((name) => API_ONLY_PACKAGES.includes(name));
      expect(leaked, bundle.name).toEqual(bundle.name === "api" ? API_ONLY_PACKAGES : []);
      // zod's full build defines its classes by name ("ZodObject"), zod/mini as "ZodMiniObject".
      const defines = async (files: string[]) =>
        (await Promise.all(files.map((file) => readFile(file, "utf8")))).some((source) =>
          source.includes('"ZodObject"'),
        );
      // Not in the entry: only `/v1`'s own chunk, imported on its first request, carries it.
      expect(await defines([bundle.file]), bundle.name).toBe(false);
      expect(await defines(bundle.ownDeferredChunks), bundle.name).toBe(bundle.name === "api");
    }
  });

  it("each load in a fresh Node process and export a handler function", async () => {
    const loaded = await Promise.all(
      bundles.map(async (bundle) => {
        const outcome = await invokeBundle({
          bundle: bundle.file,
          event: undefined,
          loadOnly: true,
          env: deployedEnv(bundle.name),
          functionName: `signoff-ci-${bundle.name}`,
        });
        return [bundle.name, outcome] as const;
      }),
    );
    for (const [name, outcome] of loaded) {
      expect(outcome, name).toEqual({ ok: true, result: "function" });
    }
  });

  it("request-approval, given a waitForTaskToken payload, stores the approval and emails each approver once", async () => {
    const subject = `Deploy checkout-service ${randomBytes(4).toString("hex")}`;
    const approvers = ["ann@example.com", "bob@example.com"];
    const payload = waitForTaskTokenPayload({ taskToken: randomTaskToken(), approvers, subject });

    const first = resultOf(await invoke("request-approval", payload));
    expect(first).toEqual({
      approvalId: expect.stringMatching(/^[a-z2-7]{26}$/),
      created: true,
      emailed: 2,
    });
    for (const approver of approvers) {
      const mail = await mailTo(approver, subject);
      expect(mail, approver).toHaveLength(1);
      expect(mail[0]?.from).toContain(SENDER);
    }

    // Step Functions and Lambda retry invocations: the same token finds the same approval.
    const retried = resultOf(await invoke("request-approval", payload));
    expect(retried).toEqual({ ...(first as object), created: false, emailed: 0 });
    expect(await mailTo(approvers[0]!, subject)).toHaveLength(1);
  });

  it("request-approval fails a payload without a task token with Approval.InvalidRequest", async () => {
    const outcome = await invoke("request-approval", { approvers: ["ann@example.com"] });
    expect(outcome).toMatchObject({ ok: false, error: { name: "Approval.InvalidRequest" } });
  });

  it("request-approval runs on plain variables alone, as on the local stack", async () => {
    const subject = `Rotate keys ${randomBytes(4).toString("hex")}`;
    const payload = waitForTaskTokenPayload({
      taskToken: randomTaskToken(),
      approvers: ["carol@example.com"],
      subject,
    });
    const result = resultOf(
      await invoke("request-approval", payload, plainEnv("request-approval")),
    );
    expect(result).toMatchObject({ created: true, emailed: 1 });
    expect(await mailTo("carol@example.com", subject)).toHaveLength(1);
  });

  it("api answers an API Gateway v2 health check with 200 and {ok: true}", async () => {
    const response = resultOf(await invoke("api", httpApiEvent("GET", "/health"))) as HttpResult;
    expect(response.statusCode).toBe(200);
    expect(JSON.parse(response.body)).toEqual({ ok: true });
  });

  it("api answers /v1 from the chunk it loads on first use: the OpenAPI document and a problem", async () => {
    const doc = resultOf(
      await invoke("api", httpApiEvent("GET", "/v1/openapi.json")),
    ) as HttpResult;
    expect(doc.statusCode).toBe(200);
    expect(JSON.parse(doc.body)).toMatchObject({
      openapi: "3.1.0",
      info: { title: "signoff API" },
    });
    const unknown = resultOf(await invoke("api", httpApiEvent("GET", "/v1/nothing"))) as HttpResult;
    expect(unknown.statusCode).toBe(404);
    expect(unknown.headers["content-type"]).toBe("application/problem+json");
  });

  it("api answers an invalid link with the 404 page and its Content-Security-Policy", async () => {
    const event = httpApiEvent("GET", "/a/not-a-signed-link");
    const response = resultOf(await invoke("api", event)) as HttpResult;
    expect(response.statusCode).toBe(404);
    expect(response.body).toContain("This link is not valid");
    expect(response.headers["content-security-policy"]).toContain("default-src 'none'");
    expect(response.headers["cache-control"]).toBe("no-store");
  });

  it("sweeper, run by an EventBridge Scheduler event, sweeps and returns its stats", async () => {
    const stats = resultOf(await invoke("sweeper", schedulerEvent("signoff-ci-SweeperSchedule")));
    expect(stats).toMatchObject({ read: expect.any(Number), due: expect.any(Number) });
  });
});

import type { ChildProcess } from "node:child_process";
import { access, mkdtemp, readdir, readFile, rm, stat } from "node:fs/promises";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CreateStateMachineCommand, SFNClient, StartExecutionCommand } from "@aws-sdk/client-sfn";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { READY_MARKER } from "./banner.ts";
import { LOCAL_CREDENTIALS, LOCAL_ROLE_ARN } from "./constants.ts";
import { WORKFLOWS_DIR } from "./paths.ts";
import type { StackFile } from "./stack-file.ts";
import { spawnNpmStart } from "./test-helpers.ts";

interface RunningMain {
  child: ChildProcess;
  /** Everything written to stdout and stderr so far. */
  output(): string;
  waitForOutput(pattern: RegExp, timeoutMs?: number): Promise<void>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Ctrl-C as a terminal sends it: SIGINT to the whole process group (tsx and node alike). */
  interrupt(): void;
}

const children: ChildProcess[] = [];
const tempDirs: string[] = [];

/** Starts `node --import tsx packages/local/src/main.ts` as `npm start` does, on free ports, in its own group. */
async function runMain(
  args: string[],
  env: Record<string, string | undefined> = {},
): Promise<RunningMain & { stateDir: string }> {
  const stateDir = await mkdtemp(join(tmpdir(), "signoff-state-"));
  tempDirs.push(stateDir);
  const child = spawnNpmStart(args, { SIGNOFF_STATE_DIR: stateDir, ...env });
  children.push(child);
  let text = "";
  const listeners = new Set<() => void>();
  const collect = (chunk: Buffer) => {
    text += chunk.toString();
    for (const listener of listeners) listener();
  };
  child.stdout!.on("data", collect);
  child.stderr!.on("data", collect);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once("exit", (code, signal) => resolve({ code, signal })),
  );
  return {
    child,
    stateDir,
    output: () => text,
    exited,
    interrupt: () => process.kill(-child.pid!, "SIGINT"),
    waitForOutput: (pattern, timeoutMs = 20_000) =>
      new Promise((resolve, reject) => {
        const check = () => {
          if (pattern.test(text)) {
            cleanup();
            resolve();
          }
        };
        const timer = setTimeout(() => {
          cleanup();
          reject(new Error(`no ${pattern} in output within ${timeoutMs} ms:\n${text}`));
        }, timeoutMs);
        const onExit = () => {
          cleanup();
          reject(new Error(`main exited before printing ${pattern}:\n${text}`));
        };
        const cleanup = () => {
          clearTimeout(timer);
          listeners.delete(check);
          child.off("exit", onExit);
        };
        listeners.add(check);
        child.once("exit", onExit);
        check();
      }),
  };
}

interface InboxMail {
  destination: { to: string[] };
  body: { text: string };
}

/** The first mail to `to` in the SES inbox, waiting for it as a person refreshing it would. */
async function waitForMail(inbox: string, to: string): Promise<InboxMail> {
  for (let tries = 0; tries < 100; tries += 1) {
    const { emails } = (await (await fetch(`${inbox}store`)).json()) as { emails: InboxMail[] };
    const mail = emails.find((email) => email.destination.to.includes(to));
    if (mail) return mail;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`no mail to ${to} in ${inbox}`);
}

const JWT = /^[\w-]+\.[\w-]+\.[\w-]+$/;

/** The claims of a link URL's JWS (read, not verified: the API verifies it). */
function linkClaims(url: string): { aid: string } {
  const payload = new URL(url).pathname.split("/").pop()!.split(".")[1]!;
  return JSON.parse(Buffer.from(payload, "base64url").toString()) as { aid: string };
}

// AWS's callback example (the Step Functions developer guide's "wait for a callback with a task
// token"): a Payload with the token and context, and no signoff-specific field at all.
const AWS_CALLBACK_EXAMPLE = {
  StartAt: "GetManualReview",
  States: {
    GetManualReview: {
      Type: "Task",
      Resource: "arn:aws:states:::lambda:invoke.waitForTaskToken",
      Parameters: {
        FunctionName: "request-approval",
        Payload: { "model.$": "$.new_model", "token.$": "$$.Task.Token" },
      },
      End: true,
    },
  },
};

/** Runs AWS's example on a running `npm start` and returns its approval as /v1 shows an admin. */
async function requestWithoutApprovers(main: RunningMain & { stateDir: string }) {
  const stackFile = JSON.parse(
    await readFile(join(main.stateDir, "stack.json"), "utf8"),
  ) as StackFile;
  const sfn = new SFNClient({
    endpoint: stackFile.endpoints.stepfunctions,
    region: stackFile.region,
    credentials: LOCAL_CREDENTIALS,
  });
  try {
    const { stateMachineArn } = await sfn.send(
      new CreateStateMachineCommand({
        name: "aws-callback-example",
        definition: JSON.stringify(AWS_CALLBACK_EXAMPLE),
        roleArn: LOCAL_ROLE_ARN,
      }),
    );
    await sfn.send(
      new StartExecutionCommand({
        stateMachineArn,
        input: JSON.stringify({ new_model: { name: "churn-v7" } }),
      }),
    );
  } finally {
    sfn.destroy();
  }
  return {
    stackFile,
    /** The approval mailed to `to`, read through /v1 as the dev admin. */
    async approvalMailedTo(to: string): Promise<Record<string, unknown>> {
      const mail = await waitForMail(stackFile.endpoints.inbox, to).catch((error: Error) => {
        throw new Error(`${error.message}; npm start printed:\n${main.output()}`);
      });
      const link = /^Approve: (\S+)$/m.exec(mail.body.text)![1]!;
      const response = await fetch(
        `${stackFile.endpoints.api}/v1/approvals/${linkClaims(link).aid}`,
        { headers: { Authorization: `Bearer ${stackFile.auth!.tokens["admin@example.com"]}` } },
      );
      expect(response.status).toBe(200);
      return (await response.json()) as Record<string, unknown>;
    },
  };
}

afterEach(() => {
  // A failed assertion must not leave a stack running in the background.
  for (const child of children.splice(0)) {
    if (child.exitCode === null && child.signalCode === null) process.kill(-child.pid!, "SIGKILL");
  }
});

afterAll(async () => {
  await Promise.all(tempDirs.map((dir) => rm(dir, { recursive: true, force: true })));
});

describe("main (npm start)", () => {
  it("prints the ready banner, writes stack.json, and stops cleanly on Ctrl-C", async () => {
    const main = await runMain(["--no-demo"]);
    await main.waitForOutput(new RegExp(READY_MARKER));

    const stackFilePath = join(main.stateDir, "stack.json");
    const stackFile = JSON.parse(await readFile(stackFilePath, "utf8")) as StackFile;
    expect(stackFile).toEqual({
      region: "us-east-1",
      endpoints: {
        dynamodb: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+$/),
        sesv2: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+$/),
        stepfunctions: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+$/),
        api: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+$/),
        inbox: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+\/$/),
      },
      stateMachines: expect.any(Object),
      auth: {
        issuer: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+$/),
        audience: "signoff-local",
        jwksUrl: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+\/\.well-known\/jwks\.json$/),
        login: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+\/login$/),
        tokens: {
          "alice@example.com": expect.stringMatching(JWT),
          "bob@example.com": expect.stringMatching(JWT),
          "admin@example.com": expect.stringMatching(JWT),
        },
      },
      slack: {
        url: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+$/),
        apiUrl: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+\/api\/$/),
        botToken: expect.stringMatching(/^xoxb-/),
        signingSecret: expect.stringMatching(/^[0-9a-f]{32}$/),
      },
    });
    // It holds bearer tokens: its owner's alone.
    expect((await stat(stackFilePath)).mode & 0o777).toBe(0o600);
    const workflowNames = (await readdir(WORKFLOWS_DIR))
      .filter((file) => file.endsWith(".asl.json"))
      .map((file) => file.replace(/\.asl\.json$/, ""));
    expect(Object.keys(stackFile.stateMachines).sort()).toEqual(workflowNames.sort());
    for (const [name, arn] of Object.entries(stackFile.stateMachines)) {
      expect(arn).toBe(`arn:aws:states:us-east-1:000000000000:stateMachine:${name}`);
    }
    expect(main.output()).toContain(
      `export AWS_ENDPOINT_URL_SFN=${stackFile.endpoints.stepfunctions}`,
    );
    expect(main.output()).not.toMatch(/demo: started/);
    expect((await fetch(`${stackFile.endpoints.inbox}store`)).status).toBe(200);
    expect(await (await fetch(`${stackFile.endpoints.api}/health`)).json()).toEqual({ ok: true });

    // The banner prints alice's dev token and the sign-in page, and says the token is dev-only;
    // the API trusts it (404: no such approval, rather than 401 or 503).
    const auth = stackFile.auth!;
    expect(main.output()).toContain(`export SIGNOFF_TOKEN=${auth.tokens["alice@example.com"]}`);
    // The CLI sends a token only with a URL beside it; the banner gives both.
    expect(main.output()).toContain(`export SIGNOFF_URL=${stackFile.endpoints.api}`);
    expect(main.output()).toContain(auth.login);
    // The Slack stand-in is up, named in the banner, and takes the token stack.json gives.
    const slack = stackFile.slack!;
    expect(main.output()).toContain(`Slack           ${slack.url}`);
    const authTest = await fetch(`${slack.apiUrl}auth.test`, {
      method: "POST",
      headers: { Authorization: `Bearer ${slack.botToken}` },
    });
    expect(await authTest.json()).toMatchObject({ ok: true });
    expect(main.output()).toContain(`${stackFile.endpoints.api}/inbox`);
    expect(main.output()).toMatch(/DEV-ONLY/);
    const missing = `${stackFile.endpoints.api}/v1/approvals/${"a".repeat(26)}`;
    expect((await fetch(missing)).status).toBe(401);
    const asAlice = { headers: { Authorization: `Bearer ${auth.tokens["alice@example.com"]}` } };
    expect((await fetch(missing, asAlice)).status).toBe(404);

    main.interrupt();
    expect(await main.exited).toEqual({ code: 0, signal: null });
    expect(main.output()).toMatch(/Stopped\.\s*$/);
    await expect(access(stackFilePath)).rejects.toThrow();
    await expect(fetch(`${stackFile.endpoints.inbox}store`)).rejects.toThrow();
  });

  it("runs the approval demo until someone approves from the inbox, and stops on SIGTERM", async () => {
    const main = await runMain([]);
    await main.waitForOutput(/demo: open the inbox at (\S+),/);
    expect(main.output()).toContain('demo: started approval-demo: "Deploy checkout-service 2.3.0');

    // Act as alice: the link from her mail, the confirmation page, the Approve button.
    const inbox = /demo: open the inbox at (\S+),/.exec(main.output())![1]!;
    const mail = await waitForMail(inbox, "alice@example.com");
    const link = /^Approve: (\S+)$/m.exec(mail.body.text)![1]!;

    // The token the banner printed reads her approval through /v1.
    const token = /export SIGNOFF_TOKEN=(\S+)/.exec(main.output())![1]!;
    const approvalId = linkClaims(link).aid;
    const api = new URL(link).origin;
    const viaApi = await fetch(`${api}/v1/approvals/${approvalId}`, {
      headers: { Authorization: `Bearer ${token}` },
    });
    expect(viaApi.status).toBe(200);
    expect(await viaApi.json()).toMatchObject({ id: approvalId, status: "PENDING" });
    const page = await (await fetch(link)).text();
    const nonce = /name="nonce" value="([^"]+)"/.exec(page)![1]!;
    const decided = await fetch(link, {
      method: "POST",
      body: new URLSearchParams({ nonce, decision: "approve", comment: "ship it" }),
    });
    expect(decided.status).toBe(200);

    await main.waitForOutput(/demo: the execution (SUCCEEDED|FAILED|TIMED_OUT|ABORTED)/);
    expect(main.output()).toMatch(
      /demo: the execution SUCCEEDED with output \{"approvalId":"[a-z2-7]{26}","outcome":"approved","decisions":\[\{"approver":"alice@example.com","decision":"approve","comment":"ship it"/,
    );
    // SIGTERM to the top process only, as a process manager would send it.
    main.child.kill("SIGTERM");
    expect(await main.exited).toEqual({ code: 0, signal: null });
    expect(main.output()).toMatch(/SIGTERM: stopping…\nStopped\.\s*$/);
  });

  it("exits 1 with a one-line error when a port is in use", async () => {
    const blocker: Server = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, "127.0.0.1", resolve));
    const { port } = blocker.address() as { port: number };
    try {
      const main = await runMain(["--no-demo"], { SIGNOFF_SFN_PORT: String(port) });
      expect((await main.exited).code).toBe(1);
      expect(main.output()).toContain(
        `error: Step Functions cannot start: port ${port} on 127.0.0.1 is already in use (set SIGNOFF_SFN_PORT to use another port)\n`,
      );
    } finally {
      await new Promise((resolve) => blocker.close(resolve));
    }
  });

  it("prints the usage for --help and exits 0", async () => {
    const main = await runMain(["--help"]);
    expect((await main.exited).code).toBe(0);
    expect(main.output()).toMatch(/^Usage: npm start -- \[options\]/);
    expect(main.output()).toContain("--persist DIR");
  });
});

describe("main (npm start): defaults for requests that leave fields out", () => {
  const unset = {
    SIGNOFF_DEFAULT_APPROVERS: undefined,
    SIGNOFF_DEFAULT_TIMEOUT_SECONDS: undefined,
    SIGNOFF_DEFAULT_REMINDERS: undefined,
  };

  it("addresses a request with no approvers to the demo people, and says so in the banner", async () => {
    const main = await runMain(["--no-demo"], unset);
    await main.waitForOutput(new RegExp(READY_MARKER));
    expect(main.output()).toContain(
      "default approvers: alice@example.com, bob@example.com (SIGNOFF_DEFAULT_APPROVERS)",
    );
    expect(main.output()).toContain("default timeout: 86400 s (SIGNOFF_DEFAULT_TIMEOUT_SECONDS)");
    expect(main.output()).toContain("default reminders: none (SIGNOFF_DEFAULT_REMINDERS)");

    const request = await requestWithoutApprovers(main);
    const approval = await request.approvalMailedTo("alice@example.com");
    expect(approval).toMatchObject({
      status: "PENDING",
      approvers: ["alice@example.com", "bob@example.com"],
      context: { model: { name: "churn-v7" } },
    });
    await waitForMail(request.stackFile.endpoints.inbox, "bob@example.com");
    main.interrupt();
    expect((await main.exited).code).toBe(0);
  });

  it("honours SIGNOFF_DEFAULT_APPROVERS, _TIMEOUT_SECONDS and _REMINDERS from its environment", async () => {
    const main = await runMain(["--no-demo"], {
      SIGNOFF_DEFAULT_APPROVERS: "Carol@Example.com, dave@example.com",
      SIGNOFF_DEFAULT_TIMEOUT_SECONDS: "600",
      SIGNOFF_DEFAULT_REMINDERS: '{"at":[0.5]}',
    });
    await main.waitForOutput(new RegExp(READY_MARKER));
    expect(main.output()).toContain(
      "default approvers: carol@example.com, dave@example.com (SIGNOFF_DEFAULT_APPROVERS)",
    );
    expect(main.output()).toContain("default timeout: 600 s (SIGNOFF_DEFAULT_TIMEOUT_SECONDS)");
    expect(main.output()).toContain('default reminders: {"at":[0.5]} (SIGNOFF_DEFAULT_REMINDERS)');

    const request = await requestWithoutApprovers(main);
    const approval = await request.approvalMailedTo("carol@example.com");
    expect(approval).toMatchObject({
      approvers: ["carol@example.com", "dave@example.com"],
      reminders: { at: [0.5] },
    });
    const { createdAt, deadline } = approval as { createdAt: string; deadline: string };
    expect(Date.parse(deadline) - Date.parse(createdAt)).toBe(600_000);
    const { emails } = (await (
      await fetch(`${request.stackFile.endpoints.inbox}store`)
    ).json()) as {
      emails: InboxMail[];
    };
    expect(emails.flatMap((email) => email.destination.to)).not.toContain("alice@example.com");
    main.interrupt();
    expect((await main.exited).code).toBe(0);
  });

  it("exits 1 naming the variable when a default is invalid, before starting anything", async () => {
    const main = await runMain(["--no-demo"], { SIGNOFF_DEFAULT_TIMEOUT_SECONDS: "soon" });
    expect((await main.exited).code).toBe(1);
    expect(main.output()).toContain(
      "error: SIGNOFF_DEFAULT_TIMEOUT_SECONDS must be a whole number of seconds from 1 to 31536000\n",
    );
    expect(main.output()).not.toContain("Starting the signoff local stack");
  });
});

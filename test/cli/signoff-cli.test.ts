/**
 * The `signoff` CLI end to end: the real bin as a child process against a real local stack
 * (`npm start -- --no-demo` in its own process, found through the stack.json it writes), with
 * executions of the demo workflow waiting on sfn-local for the decisions the CLI makes.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DescribeExecutionCommand, SFNClient, StartExecutionCommand } from "@aws-sdk/client-sfn";
import { createSignoffClient } from "@signoff/client";
import type { StackFile } from "@signoff/local";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { spawnNpmStart } from "../../packages/local/src/test-helpers.ts";
import { pollUntil } from "../support/poll.ts";

const REPO_ROOT = new URL("../../", import.meta.url).pathname;
const SIGNOFF_BIN = join(REPO_ROOT, "packages", "cli", "bin", "signoff.js");

let stackProcess: ChildProcess | undefined;
let stateDir: string;
let emptyStateDir: string;
let stack: StackFile & { auth: NonNullable<StackFile["auth"]> };
let sfn: SFNClient;

/** Starts `npm start -- --no-demo` on free ports and waits for its stack.json. */
beforeAll(async () => {
  stateDir = await mkdtemp(join(tmpdir(), "signoff-cli-state-"));
  emptyStateDir = await mkdtemp(join(tmpdir(), "signoff-cli-empty-"));
  const child = spawnNpmStart(["--no-demo"], { SIGNOFF_STATE_DIR: stateDir });
  stackProcess = child;
  let output = "";
  child.stdout?.on("data", (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr?.on("data", (chunk: Buffer) => {
    output += chunk.toString();
  });
  const text = await pollUntil(
    "the local stack to write stack.json",
    async () => {
      if (child.exitCode !== null) throw new Error(`npm start exited early:\n${output}`);
      return readFile(join(stateDir, "stack.json"), "utf8").catch(() => undefined);
    },
    { timeoutMs: 50_000, intervalMs: 100 },
  );
  const parsed = JSON.parse(text) as StackFile;
  if (!parsed.auth || !parsed.endpoints.api) {
    throw new Error("stack.json has no API or dev issuer");
  }
  stack = { ...parsed, auth: parsed.auth };
  sfn = new SFNClient({
    endpoint: stack.endpoints.stepfunctions,
    region: stack.region,
    credentials: { accessKeyId: "local", secretAccessKey: "local" },
  });
}, 60_000);

afterAll(async () => {
  sfn?.destroy();
  if (stackProcess?.pid !== undefined && stackProcess.exitCode === null) {
    const exited = new Promise((resolve) => stackProcess?.once("exit", resolve));
    process.kill(-stackProcess.pid, "SIGINT");
    await exited;
  }
  await Promise.all(
    [stateDir, emptyStateDir].map((dir) => dir && rm(dir, { recursive: true, force: true })),
  );
}, 30_000);

interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `node packages/cli/bin/signoff.js …`; by default it finds the stack via stack.json. */
function signoff(args: string[], env: Record<string, string> = {}): Promise<CliRun> {
  const { SIGNOFF_URL: _url, SIGNOFF_TOKEN: _token, ...inherited } = process.env;
  const child = spawn(process.execPath, [SIGNOFF_BIN, ...args], {
    cwd: REPO_ROOT,
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...inherited, SIGNOFF_STATE_DIR: stateDir, ...env },
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  child.stderr.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  return new Promise((resolve, reject) => {
    child.once("error", reject);
    child.once("close", (code) => resolve({ code, stdout, stderr }));
  });
}

/** Starts the demo workflow for alice and bob and returns its execution and approval ids. */
async function startApproval(subject = `Deploy ${randomUUID()}`) {
  const stateMachineArn = stack.stateMachines["approval-demo"];
  const { executionArn } = await sfn.send(
    new StartExecutionCommand({
      stateMachineArn,
      input: JSON.stringify({
        approvers: ["alice@example.com", "bob@example.com"],
        subject,
        details: { service: "checkout", version: "2.3.0" },
        requestedBy: "dev@example.com",
        timeoutSeconds: 3600,
      }),
    }),
  );
  // The request lands asynchronously; an admin's listing by execution finds it once stored.
  const admin = createSignoffClient({
    baseUrl: stack.endpoints.api!,
    token: stack.auth.tokens["admin@example.com"]!,
  });
  const approvalId = await pollUntil("the approval to be stored", async () => {
    const page = await admin.listApprovals({ execution: executionArn! });
    return page.approvals[0]?.id;
  });
  return { executionArn: executionArn!, approvalId, subject };
}

function waitForExecution(executionArn: string) {
  return pollUntil(`execution ${executionArn} to end`, async () => {
    const execution = await sfn.send(new DescribeExecutionCommand({ executionArn }));
    return execution.status === "RUNNING" ? undefined : execution;
  });
}

describe("signoff approvals (the CLI against the local stack)", () => {
  it("with no flags finds the stack through stack.json: list, show, approve, and the execution succeeds", async () => {
    const { executionArn, approvalId, subject } = await startApproval();

    const list = await signoff(["approvals", "list"]);
    expect(list).toMatchObject({ code: 0, stderr: "" });
    expect(list.stdout).toMatch(new RegExp(`${approvalId}\\s.*PENDING\\s.*Deploy .*0/2`));

    const show = await signoff(["approvals", "show", approvalId]);
    expect(show.code).toBe(0);
    expect(show.stdout).toContain(subject);
    expect(show.stdout).toMatch(/Approvers\s+alice@example\.com, bob@example\.com/);
    expect(show.stdout).toContain("No decisions yet.");

    const approve = await signoff(["approvals", "approve", approvalId, "--comment", "ship it"]);
    expect(approve).toMatchObject({ code: 0, stderr: "" });
    // The default identity is the first non-admin person in stack.json: alice.
    expect(approve.stdout).toContain(`Approved ${approvalId} as alice@example.com with "ship it".`);

    const execution = await waitForExecution(executionArn);
    expect(execution.status).toBe("SUCCEEDED");
    expect(JSON.parse(execution.output ?? "{}")).toMatchObject({
      approvalId,
      outcome: "approved",
      decisions: [{ approver: "alice@example.com", comment: "ship it", channel: "api" }],
    });
  });

  it("rejects as the person --as names, and the execution fails with Approval.Rejected", async () => {
    const { executionArn, approvalId } = await startApproval();
    const reject = await signoff([
      "approvals",
      "reject",
      approvalId,
      "--as",
      "bob@example.com",
      "--comment",
      "not on a Friday",
    ]);
    expect(reject).toMatchObject({ code: 0, stderr: "" });
    expect(reject.stdout).toContain(`Rejected ${approvalId} as bob@example.com`);
    const execution = await waitForExecution(executionArn);
    expect(execution).toMatchObject({ status: "FAILED", error: "Approval.Rejected" });

    // Deciding a settled approval is the API's 409, as one line and exit 1.
    const late = await signoff(["approvals", "approve", approvalId]);
    expect(late).toMatchObject({
      code: 1,
      stdout: "",
      stderr:
        "signoff: the API answered 409 Conflict: The approval was already decided: rejected by bob@example.com. Your decision was not recorded.\n",
    });
  });

  it("prints the API's JSON with --json", async () => {
    const { executionArn, approvalId } = await startApproval();
    const list = await signoff(["approvals", "list", "--json", "--execution", executionArn]);
    expect(list.code).toBe(0);
    expect(JSON.parse(list.stdout)).toMatchObject({
      approvals: [{ id: approvalId, status: "PENDING", executionArn }],
    });
    const all = await signoff(["approvals", "list", "--json", "--all", "--limit", "1"]);
    const ids = (JSON.parse(all.stdout) as { approvals: { id: string }[] }).approvals.map(
      (approval) => approval.id,
    );
    expect(ids).toContain(approvalId);
    expect(ids.length).toBeGreaterThan(1);

    const resend = await signoff(["approvals", "resend", approvalId, "--json"]);
    expect(JSON.parse(resend.stdout)).toEqual({
      resent: ["alice@example.com", "bob@example.com"],
      failed: [],
    });
  });

  it("uses --url and --token over stack.json, and a bad token is one line and exit 1", async () => {
    const { approvalId } = await startApproval();
    const url = stack.endpoints.api!;
    const token = stack.auth.tokens["bob@example.com"]!;
    const noStack = { SIGNOFF_STATE_DIR: emptyStateDir };
    const show = await signoff(
      ["approvals", "show", approvalId, "--url", url, "--token", token],
      noStack,
    );
    expect(show).toMatchObject({ code: 0, stderr: "" });
    expect(show.stdout).toContain(approvalId);

    // The same token with its signature altered: the API refuses it, and the CLI says so
    // without printing it (or any part of a JWT).
    const forged = `${token.slice(0, -4)}AAAA`;
    const refused = await signoff(["approvals", "list", "--url", url, "--token", forged], noStack);
    expect(refused).toMatchObject({
      code: 1,
      stdout: "",
      stderr: "signoff: the API answered 401 Unauthorized: The bearer token is not valid.\n",
    });
    expect(refused.stderr).not.toContain(forged.split(".")[2]!);
  });

  it("exits 2 with one line when no flag, variable or stack.json names an API", async () => {
    const result = await signoff(["approvals", "list"], { SIGNOFF_STATE_DIR: emptyStateDir });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(
      /^signoff: no API URL given and no local stack found \(.*stack\.json does not exist\): pass --url \(or SIGNOFF_URL\), or run npm start\n$/,
    );
  });

  it("prints its usage for --help", async () => {
    const result = await signoff(["--help"]);
    expect(result).toMatchObject({ code: 0, stderr: "" });
    expect(result.stdout).toMatch(/^Usage: signoff approvals <command> \[options\]/);
  });
});

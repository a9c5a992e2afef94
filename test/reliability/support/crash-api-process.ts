/**
 * Runs the signoff API in a child process (crash-api-entry.ts) against the test's emulators, so
 * the crash test can kill it mid-request and start it again.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { SecretKey } from "@signoff/core";
import { LOCAL_SENDER } from "@signoff/local";
import type { SignoffStack } from "../../support/signoff-stack.ts";

const ENTRY = fileURLToPath(new URL("./crash-api-entry.ts", import.meta.url));
const ROOT = fileURLToPath(new URL("../../../", import.meta.url));

export type CrashPoint = "before-callback" | "after-callback";

/** An API process: where it serves, and how it ended. */
export interface ApiProcess {
  url: string;
  /** Resolves when the process has exited, with its exit code or the signal that killed it. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stop(): Promise<void>;
}

function keyring(keys: readonly SecretKey[]): string {
  return keys.map((k) => `${k.kid}:${Buffer.from(k.secret).toString("base64url")}`).join(",");
}

/**
 * Starts the API as its own process over `signoff`'s emulators, table and keys; with `crash`,
 * it kills itself at its first SendTask* (see crash-api-entry.ts).
 */
export async function startApiProcess(
  signoff: SignoffStack,
  crash?: CrashPoint,
): Promise<ApiProcess> {
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    NODE_ENV: "test",
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
    ...signoff.stack.env,
    SIGNOFF_TABLE_NAME: signoff.stack.tableName,
    SIGNOFF_SENDER: LOCAL_SENDER,
    SIGNOFF_PUBLIC_URL: signoff.apiUrl,
    SIGNOFF_LINK_KEYS: keyring(signoff.keys.link),
    SIGNOFF_TOKEN_KEYS: keyring(signoff.keys.token),
    ...(crash && { SIGNOFF_TEST_CRASH: crash }),
  };
  const child = spawn(process.execPath, ["--import", "tsx", ENTRY], {
    cwd: ROOT,
    env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once("exit", (code, signal) => resolve({ code, signal })),
  );
  const url = await listeningUrl(child, exited);
  return {
    url,
    exited,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
      await exited;
    },
  };
}

function listeningUrl(
  child: ChildProcess,
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>,
): Promise<string> {
  return new Promise((resolve, reject) => {
    let stdout = "";
    let stderr = "";
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`the API process did not start within 30 s: ${stderr.slice(-2000)}`));
    }, 30_000);
    child.stderr?.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.stdout?.on("data", (chunk: Buffer) => {
      stdout += chunk.toString();
      const match = /crash-api listening on (\S+)/.exec(stdout);
      if (match?.[1]) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    });
    void exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(
        new Error(
          `the API process exited (${code ?? signal}) before serving: ${stderr.slice(-2000)}`,
        ),
      );
    });
  });
}

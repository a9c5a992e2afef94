/**
 * Runs one Lambda bundle in a fresh `node` process, as a Lambda container would: a cold module
 * graph, the code directory as the working directory, only the environment given. The child
 * imports the bundle, calls its `handler` once with the event, and reports on file descriptor 3,
 * so the handler's own log lines on stdout cannot be mistaken for the result.
 */
import { spawn } from "node:child_process";
import { dirname } from "node:path";
import { Readable } from "node:stream";

// Plain JavaScript: the bundle must run on bare Node, with no TypeScript loader in the way.
const INVOKER = `
import { writeSync } from "node:fs";
import { pathToFileURL } from "node:url";
let input = "";
for await (const chunk of process.stdin) input += chunk;
const { bundle, event, context, loadOnly } = JSON.parse(input);
const report = (message) => writeSync(3, JSON.stringify(message));
try {
  const { handler } = await import(pathToFileURL(bundle).href);
  if (loadOnly) {
    report({ ok: true, result: typeof handler });
    process.exit(0);
  }
  const deadline = Date.now() + context.timeoutMs;
  const result = await handler(event, { ...context, getRemainingTimeInMillis: () => deadline - Date.now() });
  report({ ok: true, result: result ?? null });
} catch (error) {
  report({ ok: false, error: { name: error?.name, message: error?.message } });
}
// Lambda freezes the sandbox after the response; open keep-alive sockets must not hold us here.
process.exit(0);
`;

export type InvokeOutcome =
  | { ok: true; result: unknown }
  | { ok: false; error: { name?: string; message?: string } };

export interface InvokeOptions {
  /** The bundle's file; its directory is the working directory, like /var/task on Lambda. */
  bundle: string;
  event: unknown;
  /** Only import the bundle; the result is `typeof handler`. */
  loadOnly?: boolean;
  /** The whole environment of the child (nothing of this process's leaks in). */
  env: Readonly<Record<string, string>>;
  /** The function's name in the Lambda context. */
  functionName: string;
  timeoutMs?: number;
}

/**
 * Invokes the bundle's handler once in a new process (or only loads it, with `loadOnly`) and
 * resolves with what it returned or threw. Rejects when the child dies without reporting, with its stderr for the cause.
 */
export function invokeBundle(options: InvokeOptions): Promise<InvokeOutcome> {
  const timeoutMs = options.timeoutMs ?? 20_000;
  const context = {
    awsRequestId: crypto.randomUUID(),
    functionName: options.functionName,
    functionVersion: "$LATEST",
    invokedFunctionArn: `arn:aws:lambda:us-east-1:123456789012:function:${options.functionName}`,
    memoryLimitInMB: "1024",
    logGroupName: `/aws/lambda/${options.functionName}`,
    logStreamName: "2026/01/01/[$LATEST]0123456789abcdef0123456789abcdef",
    callbackWaitsForEmptyEventLoop: true,
    timeoutMs,
  };
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--input-type=module", "--eval", INVOKER], {
      cwd: dirname(options.bundle),
      env: options.env,
      stdio: ["pipe", "ignore", "pipe", "pipe"],
      timeout: timeoutMs,
    });
    let stderr = "";
    let report = "";
    child.stderr?.setEncoding("utf8").on("data", (chunk: string) => {
      stderr += chunk;
    });
    const channel = child.stdio[3];
    if (!(channel instanceof Readable)) throw new Error("no report channel to the child");
    channel.setEncoding("utf8").on("data", (chunk: string) => {
      report += chunk;
    });
    child.on("error", reject);
    child.on("close", (code, signal) => {
      if (report) resolve(JSON.parse(report) as InvokeOutcome);
      else
        reject(new Error(`the bundle's process ended (${signal ?? code}) unreported:\n${stderr}`));
    });
    const { bundle, event, loadOnly } = options;
    child.stdin?.end(JSON.stringify({ bundle, event, context, loadOnly: loadOnly ?? false }));
  });
}

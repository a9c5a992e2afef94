/**
 * A test-only entry point: the signoff API (the production `createApp` over the production
 * runtime, configured from the environment as a Lambda container is) in its own process, so a
 * test can kill it. With SIGNOFF_TEST_CRASH set, the process kills itself with SIGKILL at the
 * first SendTaskSuccess / SendTaskFailure:
 * - `before-callback`: after the outcome and the claimed attempt are written, before the call;
 * - `after-callback`: after Step Functions accepted the call, before DELIVERED is written.
 * Nothing else differs from production. Prints `crash-api listening on <url>` once it serves.
 */
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { createAdaptorServer } from "@hono/node-server";
import type { TaskCallback, TaskCallbackResult } from "@signoff/core";
import { createApp, createRuntime, loadConfig } from "@signoff/functions";

const crash = process.env.SIGNOFF_TEST_CRASH;
if (crash !== undefined && crash !== "before-callback" && crash !== "after-callback") {
  throw new Error("SIGNOFF_TEST_CRASH must be before-callback or after-callback");
}

const runtime = createRuntime(loadConfig(), { log: () => {} });
if (crash !== undefined) {
  const real = runtime.deps.callback;
  const die = (): never => {
    process.kill(process.pid, "SIGKILL");
    throw new Error("unreachable: SIGKILL was sent");
  };
  const dying = async (send: () => Promise<TaskCallbackResult>): Promise<TaskCallbackResult> => {
    if (crash === "before-callback") return die();
    await send();
    return die();
  };
  const crashing: TaskCallback = {
    sendSuccess: (token, output) => dying(() => real.sendSuccess(token, output)),
    sendFailure: (token, error, cause) => dying(() => real.sendFailure(token, error, cause)),
    sendHeartbeat: (token) => real.sendHeartbeat(token),
  };
  runtime.deps.callback = crashing;
}

const app = createApp(runtime.deps);
const server = createAdaptorServer({ fetch: (request) => app.fetch(request) }) as Server;
server.listen(0, "127.0.0.1", () => {
  const { port } = server.address() as AddressInfo;
  process.stdout.write(`crash-api listening on http://127.0.0.1:${port}\n`);
});
process.on("SIGTERM", () => server.close(() => process.exit(0)));

import { join, resolve } from "node:path";
import { APPROVAL_DEMO, runApprovalDemo } from "./approval-demo.ts";
import { applyStackEnv } from "./aws-env.ts";
import { formatBanner } from "./banner.ts";
import { CALLBACK_DEMO, createCallbackDemoFunction } from "./callback-demo.ts";
import { parseCliArgs, USAGE } from "./cli-args.ts";
import { readLocalConfig } from "./config.ts";
import { DEFAULT_STATE_DIR } from "./constants.ts";
import { loadDevKeys } from "./dev-keys.ts";
import { LocalStackError } from "./errors.ts";
import { REPO_ROOT } from "./paths.ts";
import { readRequestSettings } from "./request-settings.ts";
import { createLocalSignoff } from "./signoff.ts";
import { startStack } from "./stack.ts";
import {
  removeStackFile,
  toStackFileAuth,
  toStackFileSlack,
  writeStackFile,
} from "./stack-file.ts";
import type { Stack } from "./stack-types.ts";
import { formatWebhookSettings, readLocalWebhookSettings } from "./webhook-settings.ts";

// `npm start`: the local stack in the foreground until Ctrl-C.

// The SDK warns once that its 2027 releases need Node 22; Lambda runs nodejs22.x and DESIGN.md
// notes Node 20 here, so on a laptop it only splits the start-up lines. Set it to "false" to see it.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";

async function main(): Promise<number> {
  let args: ReturnType<typeof parseCliArgs>;
  try {
    args = parseCliArgs(process.argv.slice(2));
  } catch (error) {
    console.error(`error: ${(error as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (args.help) {
    console.log(USAGE);
    return 0;
  }

  const config = readLocalConfig(process.env);
  const requestSettings = readRequestSettings(process.env);
  const webhooks = readLocalWebhookSettings(process.env);
  // npm runs scripts from the repo root; INIT_CWD is where the user typed the command.
  const userDir = process.env.INIT_CWD ?? process.cwd();
  const persistDir = args.persistDir ? resolve(userDir, args.persistDir) : undefined;
  const stateDir = config.stateDir
    ? resolve(userDir, config.stateDir)
    : join(REPO_ROOT, DEFAULT_STATE_DIR);

  // 1. Signals first, so Ctrl-C during start-up still stops what started.
  const shutdown = stopOnSignals();

  // 2. The stack with signoff in it: request-approval as a local function, the API, the
  // sweeper, and the cancel handler where AWS has the EventBridge rule. Application code finds
  // the emulators through the standard AWS_* variables only.
  console.log("Starting the signoff local stack…");
  const signoff = createLocalSignoff({
    keys: await loadDevKeys(persistDir),
    requestSettings: { ...requestSettings, webhooks },
  });
  const stack = await startStack({
    ports: config.ports,
    ...(persistDir ? { persistDir } : {}),
    functions: { ...signoff.functions, [CALLBACK_DEMO]: createCallbackDemoFunction() },
    issuer: signoff.issuer,
    slack: signoff.slack,
    api: signoff.api,
    services: signoff.services,
    onExecutionStatusChange: signoff.onExecutionStatusChange,
    log: (line) => console.log(line),
  });
  let stackFilePath: string | undefined;
  try {
    if (!shutdown.aborted) {
      applyStackEnv(stack.env);
      const devIssuer = signoff.devIssuer();
      const auth = devIssuer ? await toStackFileAuth(devIssuer) : null;
      const slackStandIn = signoff.slackStandIn();
      const slack = slackStandIn ? toStackFileSlack(slackStandIn) : null;
      stackFilePath = await writeStackFile(stateDir, stack, auth, slack);
      console.log(
        formatBanner({ stack, stackFilePath, auth, requestSettings, readyMs: performance.now() }),
      );
      console.log(formatWebhookSettings(webhooks).join("\n"));
      // 3. The demo, unless asked not to; the stack keeps running whatever its outcome.
      if (args.demo) await runDemo(stack, shutdown);
    }
    // 4. Run until Ctrl-C.
    await new Promise<void>((done) => {
      if (shutdown.aborted) done();
      else shutdown.addEventListener("abort", () => done(), { once: true });
    });
  } finally {
    await stack.stop();
    if (stackFilePath) await removeStackFile(stackFilePath);
  }
  console.log("Stopped.");
  return 0;
}

/**
 * Aborts the returned signal on SIGINT or SIGTERM. Another one three seconds later forces the
 * exit; one sooner is the same Ctrl-C arriving twice (tsx signals its child again when the child
 * does not acknowledge the first within 30 ms, as happens while modules load, and on a busy
 * machine that relay can come a second or more late).
 */
const REPEAT_SIGNAL_MS = 3_000;

function stopOnSignals(): AbortSignal {
  const controller = new AbortController();
  let firstAt = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    if (controller.signal.aborted) {
      if (Date.now() - firstAt < REPEAT_SIGNAL_MS) return;
      console.error(`${signal} again: exiting without waiting`);
      process.exit(130);
    }
    firstAt = Date.now();
    console.log(`\n${signal}: stopping…`);
    controller.abort();
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  return controller.signal;
}

async function runDemo(stack: Stack, shutdown: AbortSignal): Promise<void> {
  const stateMachineArn = stack.stateMachines[APPROVAL_DEMO];
  if (!stateMachineArn) {
    console.log(`demo: no infra/workflows/${APPROVAL_DEMO}.asl.json, nothing to run`);
    return;
  }
  try {
    await runApprovalDemo({
      stateMachineArn,
      inbox: stack.endpoints.inbox,
      log: (line) => console.log(line),
      signal: shutdown,
    });
  } catch (error) {
    if (!shutdown.aborted) console.error(`demo failed: ${(error as Error).message}`);
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    // A LocalStackError's message is the whole story; anything else is unexpected.
    if (error instanceof LocalStackError) console.error(`error: ${error.message}`);
    else console.error("error: the local stack failed unexpectedly\n", error);
    process.exit(1);
  },
);

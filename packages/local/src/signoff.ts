/**
 * signoff itself on the local stack: the same request-approval handler as a local function
 * sfn-local invokes, the same Hono app behind @hono/node-server, the same sweeper on a timer,
 * and the same cancel handler receiving sfn-local's execution status changes where AWS has an
 * EventBridge rule. Everything reaches the emulators through the standard AWS_* variables only.
 */
import type { Server } from "node:http";
import { createAdaptorServer } from "@hono/node-server";
import type { FlowLog } from "@signoff/core";
import {
  createApp,
  createCancelHandler,
  createRequestApprovalHandler,
  createRuntime,
  createSweeper,
  type Runtime,
} from "@signoff/functions";
import type { LocalFunction } from "@signoff/sfn-local";
import { applyStackEnv } from "./aws-env.ts";
import { PortedServices } from "./constants.ts";
import type { DevKeys } from "./dev-keys.ts";
import { closeServer, listenOnLoopback } from "./http-server.ts";
import type { StackOptions, StackService } from "./stack-types.ts";

/** The function name the workflows' `${RequestApprovalFunctionArn}` becomes locally. */
export const REQUEST_APPROVAL_FUNCTION = "request-approval";

/** The local sender address; the SES emulator accepts any. */
export const LOCAL_SENDER = "signoff@localhost.localdomain";

export interface LocalSignoffOptions {
  keys: DevKeys;
  /** Approvers for requests that name none. */
  defaultApprovers?: string[];
  /** How often the sweeper runs; default every 2 s, so local deadlines feel immediate. */
  sweepIntervalMs?: number;
  clock?: () => Date;
  log?: FlowLog;
}

export interface LocalSignoff {
  /** Register with the stack: `request-approval`, as a local Lambda function. */
  functions: Record<string, LocalFunction>;
  /** The HTTP API service (the links' pages). */
  api: Pick<StackService, "start">;
  /** The sweeper on a timer. */
  services: StackService[];
  /**
   * For `startStack`'s `onExecutionStatusChange`: the cancel handler, given every status change
   * sfn-local emits (it acts on ABORTED, TIMED_OUT and FAILED, as the AWS rule matches).
   */
  onExecutionStatusChange: NonNullable<StackOptions["onExecutionStatusChange"]>;
  /** The runtime, once the API has started (tests read the store through it). */
  runtime(): Runtime;
}

/** Builds signoff's parts for `startStack`. The runtime is made when the API starts. */
export function createLocalSignoff(options: LocalSignoffOptions): LocalSignoff {
  let runtime: Runtime | undefined;
  const started = (): Runtime => {
    if (!runtime) throw new Error("signoff has not started: the stack starts the API first");
    return runtime;
  };

  const api: LocalSignoff["api"] = {
    async start(context) {
      // 1. Listen first, so the public URL the links carry is the port actually bound.
      let fetch: (request: Request) => Response | Promise<Response> = () =>
        new Response("starting", { status: 503 });
      // Without TLS or HTTP/2 options the adaptor creates a plain node:http server.
      const server = createAdaptorServer({ fetch: (request) => fetch(request) }) as Server;
      const port = await listenOnLoopback(server, {
        label: PortedServices.api.label,
        port: context.port ?? 0,
        portVariable: PortedServices.api.portVariable,
      });
      const url = `http://${context.host}:${port}`;

      // 2. The same runtime a Lambda container builds, configured as the stack dictates.
      applyStackEnv(context.env);
      runtime = createRuntime(
        {
          tableName: context.tableName,
          sender: LOCAL_SENDER,
          publicUrl: url,
          linkKeys: options.keys.link,
          tokenKeys: options.keys.token,
          defaultApprovers: options.defaultApprovers ?? [],
          defaultTimeoutSeconds: 24 * 60 * 60,
        },
        {
          ...(options.clock && { clock: options.clock }),
          ...(options.log && { log: options.log }),
        },
      );
      const app = createApp(runtime.deps);
      fetch = (request) => app.fetch(request);
      return { url, stop: () => closeServer(server) };
    },
  };

  const sweeper: StackService = {
    name: "sweeper",
    async start(context) {
      return startSweepTimer(createSweeper(started()), options.sweepIntervalMs ?? 2_000, (error) =>
        context.log(`sweeper: run failed: ${error.name}`),
      );
    },
  };

  return {
    functions: {
      [REQUEST_APPROVAL_FUNCTION]: (payload) => createRequestApprovalHandler(started())(payload),
    },
    api,
    services: [sweeper],
    onExecutionStatusChange: async (event) => {
      await createCancelHandler(started())(event);
    },
    runtime: started,
  };
}

/**
 * Runs `sweep` every `intervalMs` until stopped, as the scheduled sweeper runs on AWS. A run
 * that outlasts the interval is not overlapped by the next one; `stop` waits for a run in
 * progress.
 */
export function startSweepTimer(
  sweep: () => Promise<unknown>,
  intervalMs: number,
  onError: (error: Error) => void,
): { stop(): Promise<void> } {
  let running: Promise<unknown> | undefined;
  const timer = setInterval(() => {
    running ??= sweep()
      .catch(onError)
      .finally(() => {
        running = undefined;
      });
  }, intervalMs);
  return {
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}

/**
 * signoff itself on the local stack: the same request-approval handler as a local function
 * sfn-local invokes, the same Hono app behind @hono/node-server, the same sweeper on a timer,
 * and the same cancel handler receiving sfn-local's execution status changes where AWS has an
 * EventBridge rule. Everything reaches the emulators through the standard AWS_* variables only.
 * A dev OIDC issuer stands in for the identity provider, so `/v1` and the inbox work too, and
 * a Slack stand-in for Slack, so requests can ask for Slack and its buttons decide.
 */
import type { Server } from "node:http";
import { createAdaptorServer } from "@hono/node-server";
import type { FlowLog } from "@signoff/core";
import { type DevOidcIssuer, type DevPerson, startDevOidcIssuer } from "@signoff/dev-issuer";
import {
  createApp,
  createCancelHandler,
  createRequestApprovalHandler,
  createRuntime,
  createSweeper,
  DEFAULT_TIMEOUT_SECONDS,
  type Runtime,
  type SlackConfig,
  SlackVariable,
} from "@signoff/functions";
import type { LocalFunction } from "@signoff/sfn-local";
import {
  createUser,
  type SlackStandIn,
  type SlackUser,
  startSlackStandIn,
} from "@signoff/slack-local";
import { DEMO_INPUT } from "./approval-demo.ts";
import { applyStackEnv } from "./aws-env.ts";
import { DEMO_APPROVERS, DEV_ADMIN_EMAIL, PortedServices } from "./constants.ts";
import type { DevKeys } from "./dev-keys.ts";
import { closeServer, listenOnLoopback } from "./http-server.ts";
import type { RequestSettings } from "./request-settings.ts";
import type { StackOptions, StackService } from "./stack-types.ts";

/** The function name the workflows' `${RequestApprovalFunctionArn}` becomes locally. */
export const REQUEST_APPROVAL_FUNCTION = "request-approval";

/** The local sender address; the SES emulator accepts any. */
export const LOCAL_SENDER = "signoff@localhost.localdomain";

export interface LocalSignoffOptions {
  keys: DevKeys;
  /**
   * Request defaults and limits. Unset: no default approvers (a request naming none is
   * refused), a 24-hour deadline and no reminders, as on Lambda with no SIGNOFF_DEFAULT_*
   * variable. `npm start` passes readRequestSettings(process.env).
   */
  requestSettings?: Partial<RequestSettings>;
  /** How often the sweeper runs; default every 2 s, so local deadlines feel immediate. */
  sweepIntervalMs?: number;
  clock?: () => Date;
  log?: FlowLog;
  /** Whom the dev issuer's login page offers; default the demo approvers and the admin. */
  devPeople?: readonly DevPerson[];
  /** The Slack stand-in's workspace people; default SLACK_PEOPLE. */
  slackPeople?: readonly SlackUser[];
}

/** The dev issuer's default people: the demo's approvers, and an admin. */
export const DEV_PEOPLE: readonly DevPerson[] = [
  ...DEMO_APPROVERS.map((email) => ({ email })),
  { email: DEV_ADMIN_EMAIL, admin: true },
];

/**
 * The Slack stand-in's people: the dev issuer's (the demo approvers and the admin) and the
 * demo's requester, so every demo person can be found by email and press buttons.
 */
export const SLACK_PEOPLE: readonly SlackUser[] = [
  ...DEV_PEOPLE.map((person) => person.email),
  DEMO_INPUT.requestedBy,
].map((email) => createUser(email));

/** The path of signoff's API where the stand-in delivers button presses, as Slack would. */
export const SLACK_INTERACTIONS_PATH = "/slack/interactions";

export interface LocalSignoff {
  /** Register with the stack: `request-approval`, as a local Lambda function. */
  functions: Record<string, LocalFunction>;
  /**
   * For `startStack`'s `issuer`: the dev OIDC issuer, which the API trusts for `/v1` and the
   * inbox. Without it in the stack, `/v1` answers 503 and the inbox cannot sign anyone in.
   */
  issuer: Pick<StackService, "start">;
  /**
   * For `startStack`'s `slack`: the Slack stand-in, which the API posts to and which delivers
   * button presses to the API's `/slack/interactions`. Without it in the stack, Slack is off.
   */
  slack: Pick<StackService, "start">;
  /** The HTTP API service (the links' pages, `/v1`, the inbox). */
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
  /** The dev issuer, once started (undefined when the stack runs without one). */
  devIssuer(): DevOidcIssuer | undefined;
  /** The Slack stand-in, once started (undefined when the stack runs without one). */
  slackStandIn(): SlackStandIn | undefined;
}

/** Builds signoff's parts for `startStack`. The runtime is made when the API starts. */
export function createLocalSignoff(options: LocalSignoffOptions): LocalSignoff {
  let runtime: Runtime | undefined;
  const started = (): Runtime => {
    if (!runtime) throw new Error("signoff has not started: the stack starts the API first");
    return runtime;
  };
  let devIssuer: DevOidcIssuer | undefined;
  let standIn: SlackStandIn | undefined;
  let apiUrl: string | undefined;

  const issuer: LocalSignoff["issuer"] = {
    async start(context) {
      devIssuer = await startDevOidcIssuer({
        port: context.port ?? 0,
        // The stack's own listen: a taken port is named by its variable, like every service's.
        listen: (server, port) =>
          listenOnLoopback(server, {
            label: PortedServices.issuer.label,
            port,
            portVariable: PortedServices.issuer.portVariable,
          }),
        close: closeServer,
        people: options.devPeople ?? DEV_PEOPLE,
        // Asked per page: the API starts after the issuer.
        sessionUrl: () => (apiUrl === undefined ? undefined : `${apiUrl}/inbox/session`),
      });
      return { url: devIssuer.url, stop: devIssuer.stop };
    },
  };

  const slack: LocalSignoff["slack"] = {
    async start(context) {
      standIn = await startSlackStandIn({
        port: context.port ?? 0,
        listen: (server, port) =>
          listenOnLoopback(server, {
            label: PortedServices.slack.label,
            port,
            portVariable: PortedServices.slack.portVariable,
          }),
        close: closeServer,
        users: options.slackPeople ?? SLACK_PEOPLE,
        // Asked per press: the API starts after the stand-in.
        interactivityUrl: () =>
          apiUrl === undefined ? undefined : `${apiUrl}${SLACK_INTERACTIONS_PATH}`,
      });
      return { url: standIn.url, stop: standIn.close };
    },
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
      apiUrl = url;
      const apiAuth = devIssuer && { ...devIssuer.auth, inboxLoginUrl: devIssuer.loginUrl };
      const slackConfig = standIn && readSlackConfig(standIn.env());

      // 2. The same runtime a Lambda container builds, configured as the stack dictates.
      applyStackEnv(context.env);
      runtime = createRuntime(
        {
          tableName: context.tableName,
          sender: LOCAL_SENDER,
          publicUrl: url,
          linkKeys: options.keys.link,
          tokenKeys: options.keys.token,
          defaultApprovers: [],
          defaultTimeoutSeconds: DEFAULT_TIMEOUT_SECONDS,
          ...options.requestSettings,
          ...(apiAuth && { apiAuth }),
          ...(slackConfig && { slack: slackConfig }),
        },
        {
          ...(options.clock && { clock: options.clock }),
          ...(options.log && { log: options.log }),
        },
      );
      const app = createApp(runtime.deps, {
        ...(apiAuth && { apiAuth }),
        ...(runtime.slack && { slack: runtime.slack }),
      });
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
    issuer,
    slack,
    api,
    services: [sweeper],
    onExecutionStatusChange: async (event) => {
      await createCancelHandler(started())(event);
    },
    runtime: started,
    devIssuer: () => devIssuer,
    slackStandIn: () => standIn,
  };
}

/** signoff's Slack settings from the stand-in's SIGNOFF_SLACK_* variables, as Lambda reads them. */
function readSlackConfig(env: Readonly<Record<string, string>>): SlackConfig {
  const read = (variable: string) => {
    const value = env[variable];
    if (!value) throw new Error(`the Slack stand-in did not set ${variable}`);
    return value;
  };
  return {
    apiUrl: read(SlackVariable.apiUrl),
    botToken: read(SlackVariable.botToken),
    signingSecret: read(SlackVariable.signingSecret),
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

/**
 * A local stand-in for Slack: the Web API methods signoff calls (under `/api/`, as Slack serves
 * them), a page showing what was posted with buttons that work, and button presses delivered to
 * the app's interactivity URL signed exactly as Slack signs them. Every call is checked against
 * Slack's published spec (see contract.ts). It binds 127.0.0.1 only and is for laptops and tests.
 */
import { randomBytes } from "node:crypto";
import type { Server } from "node:http";
import { createAdaptorServer } from "@hono/node-server";
import { type Context, Hono } from "hono";
import { readApiRequest } from "./api-request.ts";
import { contractFor } from "./contract.ts";
import { closePlain, isSameOrigin, LOOPBACK, listenPlain, secureHeaders } from "./http-helpers.ts";
import {
  applyViewResponse,
  buildBlockActionsPayload,
  buildViewState,
  buildViewSubmissionPayload,
  type Delivery,
  deliverPayload,
  type FoundButton,
  listButtons,
  listInputs,
  type ViewInputValues,
  type ViewOutcome,
} from "./interactions.ts";
import { IMPLEMENTED_METHODS, type SlackMethod } from "./methods.ts";
import { listConversations, renderConfirmPage, renderPage, renderProblemPage } from "./page.ts";
import {
  clearStore,
  createStore,
  type StoredEphemeral,
  type StoredMessage,
  type StoredView,
} from "./store.ts";
import { createTsClock } from "./ts-clock.ts";
import { callMethod, resolveConversation, type SlackArgs, type SlackResponse } from "./web-api.ts";
import {
  APP,
  assertWorkspace,
  createUser,
  DEFAULT_CHANNELS,
  DEFAULT_EMAILS,
  DEFAULT_TEAM,
  dmChannelId,
  type SlackChannel,
  type SlackTeam,
  type SlackUser,
} from "./workspace.ts";

/** The variables the local stack hands signoff, named once. */
export const SlackEnvVariable = {
  apiUrl: "SIGNOFF_SLACK_API_URL",
  botToken: "SIGNOFF_SLACK_BOT_TOKEN",
  signingSecret: "SIGNOFF_SLACK_SIGNING_SECRET",
} as const;

export interface SlackStandInOptions {
  /** 0 (default) = any free port. */
  port?: number;
  /** Binds the server to 127.0.0.1 and resolves with the port (the local stack passes its own). */
  listen?: (server: Server, port: number) => Promise<number>;
  close?: (server: Server) => Promise<void>;
  /** Default: the local stack's demo people (DEFAULT_EMAILS). */
  users?: readonly SlackUser[];
  /** Default: #approvals (C0APPROVALS). */
  channels?: readonly SlackChannel[];
  team?: SlackTeam;
  /** Default: a fresh `xoxb-…` token per start. */
  botToken?: string;
  /** Default: a fresh random secret per start. */
  signingSecret?: string;
  /** Where button presses go (the app's `/slack/interactions`); a function is asked per press. */
  interactivityUrl?: string | (() => string | undefined);
  clock?: () => Date;
  /**
   * How long a delivery may take before it counts as failed. Slack gives up after 3 s; the
   * default is 10 s so a busy test machine does not fail a delivery Slack would have kept.
   * Each Delivery reports `elapsedMs`, so a test can hold an app to Slack's 3 s.
   */
  interactionTimeoutMs?: number;
}

/** One Web API call the stand-in served. */
export interface ApiCall {
  method: string;
  args: SlackArgs;
  response: SlackResponse;
}

export interface PressButtonOptions {
  /** Who presses: a user ID (U…) or an email. */
  user: string;
  /** The conversation: C…, a DM's D…, or a user's U… for their DM. */
  channel: string;
  ts: string;
  actionId: string;
  /** Needed only when two buttons of the message share an action_id. */
  blockId?: string;
}

export interface SubmitViewOptions {
  /** Who submits: a user ID (U…) or an email; the modal must have been opened for them. */
  user: string;
  /** The modal (V…); default the newest one open for `user`. */
  viewId?: string;
  /**
   * A value per input block, by block_id: text for a text or number input, an option's value or
   * text for a select, true / false (or option values) for checkboxes; absent means left empty.
   */
  values: ViewInputValues;
  /**
   * Deliver what Slack's client would refuse to submit (a required input empty, a value outside
   * the element's limits): a modified client, to test the app's own checks. Default false: such
   * a submission throws, naming the problems, and nothing is delivered.
   */
  skipClientChecks?: boolean;
}

export interface ViewSubmission {
  delivery: Delivery;
  /** What the app's answer did to the modal. */
  outcome: ViewOutcome;
  /** The modal after the answer (closed, with errors, or replaced). */
  view: StoredView;
}

export interface SlackStandIn {
  /** The page, e.g. `http://127.0.0.1:8087`. */
  url: string;
  /** The Web API base, with its trailing slash, for @slack/web-api's `slackApiUrl`. */
  apiUrl: string;
  botToken: string;
  signingSecret: string;
  teamId: string;
  appId: string;
  botUserId: string;
  users: readonly SlackUser[];
  channels: readonly SlackChannel[];
  /** SIGNOFF_SLACK_API_URL, SIGNOFF_SLACK_BOT_TOKEN, SIGNOFF_SLACK_SIGNING_SECRET for signoff. */
  env(): Record<string, string>;
  interactivityUrl(): string | undefined;
  setInteractivityUrl(url: string | undefined): void;
  /** Messages of a conversation (C…, D…, or a user's U… for their DM), oldest first; all without one. */
  messages(channel?: string): StoredMessage[];
  /** chat.postEphemeral messages, all or those for one user. */
  ephemerals(user?: string): StoredEphemeral[];
  views(): StoredView[];
  calls(): ApiCall[];
  /** Past button presses, oldest first. */
  deliveries(): Delivery[];
  /**
   * Arguments the spec does not list for their method, and responses that do not match the
   * spec's schema. Empty when both sides kept to Slack's published contract.
   */
  contractViolations(): string[];
  userByEmail(email: string): SlackUser | undefined;
  dmChannelFor(userId: string): string;
  /** Presses a button as `user` and delivers the interaction; throws if there is no such button. */
  pressButton(options: PressButtonOptions): Promise<Delivery>;
  /**
   * Fills in and submits a modal as `user`, delivering the view_submission to the app, and
   * applies the app's answer (close, errors, update) to the modal. Throws if there is no such
   * open modal, or (unless `skipClientChecks`) if Slack's client would not submit these values.
   */
  submitView(options: SubmitViewOptions): Promise<ViewSubmission>;
  /** Forgets messages, ephemerals, modals, calls, deliveries and violations. */
  reset(): void;
  close(): Promise<void>;
}

/** Starts the stand-in on 127.0.0.1. */
export async function startSlackStandIn(options: SlackStandInOptions = {}): Promise<SlackStandIn> {
  const users = options.users ?? DEFAULT_EMAILS.map((email) => createUser(email));
  const channels = options.channels ?? DEFAULT_CHANNELS;
  assertWorkspace(users, channels);
  const team = options.team ?? DEFAULT_TEAM;
  const botToken = options.botToken ?? `xoxb-0-0-${randomBytes(12).toString("hex")}`;
  const signingSecret = options.signingSecret ?? randomBytes(16).toString("hex");
  const clock = options.clock ?? (() => new Date());
  const now = () => clock().getTime();
  const nextTs = createTsClock(clock);
  const timeoutMs = options.interactionTimeoutMs ?? 10_000;
  let interactivity = options.interactivityUrl;
  const interactivityUrl = () =>
    typeof interactivity === "function" ? interactivity() : interactivity;

  const store = createStore();
  const calls: ApiCall[] = [];
  const deliveries: Delivery[] = [];
  const violations: string[] = [];

  // 1. Listen first: response_url and the page's origin check need the port actually bound.
  let fetch: (request: Request) => Response | Promise<Response> = () =>
    new Response("starting", { status: 503 });
  const server = createAdaptorServer({ fetch: (request) => fetch(request) }) as Server;
  const port = await (options.listen ?? listenPlain)(server, options.port ?? 0);
  const url = `http://${LOOPBACK}:${port}`;
  const apiUrl = `${url}/api/`;
  const context = { team, users, channels, store, nextTs, now };

  const findUser = (idOrEmail: string) =>
    users.find((u) => u.id === idOrEmail || u.email.toLowerCase() === idOrEmail.toLowerCase());

  const findButton = (
    channel: string,
    ts: string,
    actionId: string,
    blockId?: string,
  ): { message: StoredMessage; found: FoundButton } | undefined => {
    const conversation = resolveConversation(context, channel);
    const message = store.messages.find((m) => m.channel === conversation?.id && m.ts === ts);
    const found = message
      ? listButtons(message.blocks).find(
          (b) =>
            b.button.action_id === actionId && (blockId === undefined || b.blockId === blockId),
        )
      : undefined;
    return message && found ? { message, found } : undefined;
  };

  const press = async (user: SlackUser, message: StoredMessage, found: FoundButton) => {
    const target = interactivityUrl();
    if (!target) throw new Error("the Slack stand-in has no interactivity URL to deliver to");
    const conversation = resolveConversation(context, message.channel);
    const pressContext = {
      team,
      store,
      baseUrl: url,
      signingSecret,
      interactivityUrl: target,
      channelName: conversation?.name ?? "unknown",
      now,
      nextTs,
    };
    const payload = buildBlockActionsPayload(pressContext, user, message, found);
    const delivery = await deliverPayload(pressContext, payload, timeoutMs);
    deliveries.push(delivery);
    return delivery;
  };

  const submit = async (
    user: SlackUser,
    stored: StoredView,
    state: Record<string, Record<string, unknown>>,
  ): Promise<ViewSubmission> => {
    const target = interactivityUrl();
    if (!target) throw new Error("the Slack stand-in has no interactivity URL to deliver to");
    const payload = buildViewSubmissionPayload({ team, store, now }, user, stored, state);
    const delivery = await deliverPayload(
      { signingSecret, interactivityUrl: target, now },
      payload,
      timeoutMs,
    );
    deliveries.push(delivery);
    const outcome = applyViewResponse(stored, delivery);
    return { delivery, outcome, view: stored };
  };

  const findOpenView = (user: SlackUser, viewId: string | undefined) =>
    store.views.findLast(
      (v) => v.user === user.id && !v.closed && (viewId === undefined || v.id === viewId),
    );

  // 2. The routes.
  const app = new Hono();
  const hosts = new Set([`${LOOPBACK}:${port}`, `localhost:${port}`]);
  app.use(async (c, next) => {
    // A page bound to loopback can still be reached through DNS rebinding; the Host says so.
    if (!hosts.has(c.req.header("host") ?? "")) return c.text("unknown host", 421);
    await next();
  });

  app.all("/api/:method", async (c) => {
    const method = c.req.param("method");
    const read = await readApiRequest(c);
    if (!(IMPLEMENTED_METHODS as readonly string[]).includes(method)) {
      return c.json({ ok: false, error: "unknown_method" });
    }
    const slackMethod = method as SlackMethod;
    const { token, args } = read;
    let response: SlackResponse;
    if ("error" in read) response = { ok: false, error: read.error };
    else if (!token) response = { ok: false, error: "not_authed" };
    else if (token !== botToken) response = { ok: false, error: "invalid_auth" };
    else response = callMethod(slackMethod, args, context);
    calls.push({ method, args, response });
    const contract = contractFor(slackMethod);
    for (const name of Object.keys(args)) {
      if (!contract.arguments.includes(name)) {
        violations.push(`${method} was given "${name}", which Slack's spec does not list`);
      }
    }
    violations.push(...contract.checkResponse(response));
    return c.json(response);
  });

  app.get("/", (c) => {
    secureHeaders(c);
    const conversations = listConversations({ users, channels, store });
    const asked = c.req.query("channel");
    const channel = conversations.some((x) => x.id === asked) ? asked : conversations[0]?.id;
    const as = users.find((u) => u.id === c.req.query("as"))?.id;
    return c.html(
      renderPage({
        users,
        channels,
        store,
        channel,
        as,
        deliveries,
        interactivityUrl: interactivityUrl(),
      }),
    );
  });

  app.post("/press", async (c) => {
    secureHeaders(c);
    // The page is a local tool with no sign-in: only its own forms may press buttons.
    if (!isSameOrigin(c, url)) {
      return c.html(
        renderProblemPage("Refused", "Buttons can only be pressed from this page."),
        403,
      );
    }
    const form = await c.req.parseBody();
    const field = (name: string) => (typeof form[name] === "string" ? (form[name] as string) : "");
    const user = users.find((u) => u.id === field("as"));
    const located = findButton(
      field("channel"),
      field("ts"),
      field("action_id"),
      field("block_id"),
    );
    if (!user || !located) {
      return c.html(renderProblemPage("Not found", "No such person, message or button."), 404);
    }
    const back = `/?channel=${encodeURIComponent(located.message.channel)}&as=${encodeURIComponent(user.id)}`;
    if (located.found.button.confirm && field("confirmed") !== "1") {
      const fields = Object.fromEntries(
        ["channel", "ts", "block_id", "action_id", "as"].map((name) => [name, field(name)]),
      );
      return c.html(renderConfirmPage({ users, button: located.found.button, fields, back }));
    }
    if (!interactivityUrl()) {
      return c.html(renderProblemPage("Nowhere to deliver", "No interactivity URL is set."), 409);
    }
    await press(user, located.message, located.found);
    return c.redirect(back, 303);
  });

  // A modal filled in on the page: submitted as Slack's client submits it, or closed.
  const modalForm = async (c: Context) => {
    const form = await c.req.parseBody({ all: true });
    const field = (name: string) => (typeof form[name] === "string" ? (form[name] as string) : "");
    const user = users.find((u) => u.id === field("as"));
    const stored = user ? findOpenView(user, field("view_id")) : undefined;
    const back = `/?channel=${encodeURIComponent(field("channel"))}&as=${encodeURIComponent(field("as"))}`;
    return { form, user, stored, back };
  };

  app.post("/submit-view", async (c) => {
    secureHeaders(c);
    if (!isSameOrigin(c, url)) {
      return c.html(
        renderProblemPage("Refused", "Modals can only be submitted from this page."),
        403,
      );
    }
    const { form, user, stored, back } = await modalForm(c);
    if (!user || !stored) {
      return c.html(renderProblemPage("Not found", "No such person or open modal."), 404);
    }
    if (!interactivityUrl()) {
      return c.html(renderProblemPage("Nowhere to deliver", "No interactivity URL is set."), 409);
    }
    const inputs = listInputs(stored.view);
    const values: ViewInputValues = {};
    for (const [key, value] of Object.entries(form)) {
      if (!key.startsWith("v.")) continue;
      const given = (Array.isArray(value) ? value : [value]).filter(
        (v): v is string => typeof v === "string",
      );
      const input = inputs.find((i) => i.blockId === key.slice(2));
      values[key.slice(2)] = input?.type === "checkboxes" ? given : given[0];
    }
    const state = buildViewState(stored.view, values);
    if (state.clientProblems.length > 0) {
      // Slack's client shows these under the inputs and sends nothing.
      stored.errors = Object.fromEntries(
        state.clientProblems.map(({ blockId, message }) => [
          blockId,
          `Slack would not submit this: ${message}`,
        ]),
      );
      return c.redirect(back, 303);
    }
    await submit(user, stored, state.values);
    return c.redirect(back, 303);
  });

  app.post("/close-view", async (c) => {
    secureHeaders(c);
    if (!isSameOrigin(c, url)) {
      return c.html(renderProblemPage("Refused", "Modals can only be closed from this page."), 403);
    }
    const { stored, back } = await modalForm(c);
    if (stored) stored.closed = true;
    return c.redirect(back, 303);
  });

  // response_url: what the app may post back after an interaction.
  app.post("/actions/:team/:key", async (c) => {
    const target = store.responseUrls.get(c.req.param("key"));
    if (!target || c.req.param("team") !== team.id)
      return c.json({ ok: false, error: "expired_url" }, 404);
    let body: Record<string, unknown>;
    try {
      body = (await c.req.json()) as Record<string, unknown>;
    } catch {
      return c.json({ ok: false, error: "invalid_json" }, 400);
    }
    const message = store.messages.find((m) => m.channel === target.channel && m.ts === target.ts);
    const args = { channel: target.channel, ts: target.ts, text: body.text, blocks: body.blocks };
    let result: SlackResponse;
    if (body.delete_original === true || body.delete_original === "true") {
      if (message) store.messages.splice(store.messages.indexOf(message), 1);
      result = { ok: true };
    } else if (body.replace_original === true || body.replace_original === "true") {
      result = callMethod("chat.update", args, context);
    } else if (body.response_type === "in_channel") {
      result = callMethod("chat.postMessage", args, context);
    } else {
      result = callMethod("chat.postEphemeral", { ...args, user: target.user }, context);
    }
    return c.json(result.ok ? { ok: true } : result, result.ok ? 200 : 400);
  });

  fetch = app.fetch;

  return {
    url,
    apiUrl,
    botToken,
    signingSecret,
    teamId: team.id,
    appId: APP.appId,
    botUserId: APP.botUserId,
    users,
    channels,
    env: () => ({
      [SlackEnvVariable.apiUrl]: apiUrl,
      [SlackEnvVariable.botToken]: botToken,
      [SlackEnvVariable.signingSecret]: signingSecret,
    }),
    interactivityUrl,
    setInteractivityUrl: (next) => {
      interactivity = next;
    },
    messages: (channel) => {
      const id = channel === undefined ? undefined : resolveConversation(context, channel)?.id;
      return store.messages.filter((m) => channel === undefined || m.channel === id);
    },
    ephemerals: (user) => store.ephemerals.filter((m) => user === undefined || m.user === user),
    views: () => [...store.views],
    calls: () => [...calls],
    deliveries: () => [...deliveries],
    contractViolations: () => [...violations],
    userByEmail: (email) => users.find((u) => u.email.toLowerCase() === email.toLowerCase()),
    dmChannelFor: dmChannelId,
    async pressButton(pressOptions) {
      const user = findUser(pressOptions.user);
      if (!user) throw new Error(`no user ${pressOptions.user} in the Slack stand-in`);
      const located = findButton(
        pressOptions.channel,
        pressOptions.ts,
        pressOptions.actionId,
        pressOptions.blockId,
      );
      if (!located) {
        throw new Error(
          `no button ${pressOptions.actionId} on message ${pressOptions.ts} in ${pressOptions.channel}`,
        );
      }
      return press(user, located.message, located.found);
    },
    async submitView(submitOptions) {
      const user = findUser(submitOptions.user);
      if (!user) throw new Error(`no user ${submitOptions.user} in the Slack stand-in`);
      const stored = findOpenView(user, submitOptions.viewId);
      if (!stored) {
        throw new Error(
          `no open modal${submitOptions.viewId ? ` ${submitOptions.viewId}` : ""} for ${submitOptions.user}`,
        );
      }
      const state = buildViewState(stored.view, submitOptions.values);
      if (state.clientProblems.length > 0 && submitOptions.skipClientChecks !== true) {
        const problems = state.clientProblems.map((p) => `${p.blockId}: ${p.message}`);
        throw new Error(`Slack would not submit this modal: ${problems.join("; ")}`);
      }
      return submit(user, stored, state.values);
    },
    reset: () => {
      clearStore(store);
      calls.length = 0;
      deliveries.length = 0;
      violations.length = 0;
    },
    close: () => (options.close ?? closePlain)(server),
  };
}

/**
 * The Web API methods, as Slack answers them: a successful call returns `{ ok: true, ... }`,
 * a refused one `{ ok: false, error }` with the error code Slack documents for that method.
 * Arguments arrive as form strings or JSON values; both are read the way Slack reads them.
 */
import { randomBytes } from "node:crypto";
import type { SlackMethod } from "./methods.ts";
import type { Block, Store, StoredMessage } from "./store.ts";
import {
  APP,
  dmChannelId,
  type SlackChannel,
  type SlackTeam,
  type SlackUser,
} from "./workspace.ts";

export type SlackArgs = Record<string, unknown>;
export type SlackResponse = { ok: boolean } & Record<string, unknown>;

export interface WebApiContext {
  team: SlackTeam;
  users: readonly SlackUser[];
  channels: readonly SlackChannel[];
  store: Store;
  /** A fresh message timestamp. */
  nextTs: () => string;
  /** Milliseconds since the epoch. */
  now: () => number;
}

/** How long a trigger_id may be exchanged for a modal, as Slack documents. */
export const TRIGGER_TTL_MS = 3_000;

/** Slack truncates nothing and refuses text longer than this. */
const MAX_TEXT = 40_000;

const fail = (error: string, extra: Record<string, unknown> = {}): SlackResponse => ({
  ok: false,
  error,
  ...extra,
});

/** Runs one method for an authenticated caller. */
export function callMethod(method: SlackMethod, args: SlackArgs, context: WebApiContext) {
  return METHODS[method](args, context);
}

const METHODS: Record<SlackMethod, (args: SlackArgs, context: WebApiContext) => SlackResponse> = {
  "auth.test": (_args, { team }) => ({
    ok: true,
    url: `https://${team.domain}.slack.com/`,
    team: team.name,
    user: APP.botName,
    team_id: team.id,
    user_id: APP.botUserId,
    bot_id: APP.botId,
    is_enterprise_install: false,
  }),

  "chat.postMessage": (args, context) => {
    // chat.postMessage alone also takes a channel's name, with or without the #.
    const named = context.channels.find(
      (c) => `#${c.name}` === text(args.channel) || c.name === text(args.channel),
    );
    const conversation = resolveConversation(context, named?.id ?? text(args.channel));
    if (!conversation) return fail("channel_not_found");
    const content = readContent(args);
    if ("error" in content) return fail(content.error);
    const threadTs = text(args.thread_ts);
    const message: StoredMessage = {
      channel: conversation.id,
      ts: context.nextTs(),
      text: content.text ?? "",
      blocks: content.blocks ?? [],
      user: APP.botUserId,
      botId: APP.botId,
      ...(threadTs ? { threadTs } : {}),
      updates: 0,
    };
    context.store.messages.push(message);
    return {
      ok: true,
      channel: message.channel,
      ts: message.ts,
      message: toApiMessage(message, context),
    };
  },

  "chat.update": (args, context) => {
    // Slack's docs: a DM's message is updated by the DM's ID (D…), never by the user's ID.
    const channel = text(args.channel);
    const conversation = channel?.startsWith("U")
      ? undefined
      : resolveConversation(context, channel);
    if (!conversation) return fail("channel_not_found");
    const ts = text(args.ts);
    const message = context.store.messages.find(
      (m) => m.channel === conversation.id && m.ts === ts,
    );
    if (!message) return fail("message_not_found");
    const content = readContent(args);
    if ("error" in content) return fail(content.error);
    // As Slack documents: blocks left out keep the message's blocks; text left out keeps its text.
    if (content.text !== undefined) message.text = content.text;
    if (content.blocks !== undefined) message.blocks = content.blocks;
    message.edited = { user: APP.botUserId, ts: context.nextTs() };
    message.updates += 1;
    return {
      ok: true,
      channel: message.channel,
      ts: message.ts,
      text: message.text,
      message: { ...toApiMessage(message, context), edited: message.edited },
    };
  },

  "chat.postEphemeral": (args, context) => {
    const conversation = resolveConversation(context, text(args.channel));
    if (!conversation) return fail("channel_not_found");
    const user = context.users.find((u) => u.id === text(args.user));
    // Everyone is in every public channel here; a DM holds only its own person.
    if (!user || (conversation.user !== undefined && conversation.user !== user.id)) {
      return fail("user_not_in_channel");
    }
    const content = readContent(args);
    if ("error" in content) return fail(content.error);
    const ts = context.nextTs();
    context.store.ephemerals.push({
      channel: conversation.id,
      user: user.id,
      ts,
      text: content.text ?? "",
      blocks: content.blocks ?? [],
    });
    return { ok: true, message_ts: ts };
  },

  "users.lookupByEmail": (args, context) => {
    const email = text(args.email)?.toLowerCase();
    const user = email && context.users.find((u) => u.email.toLowerCase() === email);
    return user ? { ok: true, user: toApiUser(user, context.team) } : fail("users_not_found");
  },

  "users.info": (args, context) => {
    const user = context.users.find((u) => u.id === text(args.user));
    return user ? { ok: true, user: toApiUser(user, context.team) } : fail("user_not_found");
  },

  "conversations.open": (args, context) => {
    const returnIm = flag(args.return_im);
    const channel = text(args.channel);
    const ids = (text(args.users) ?? "")
      .split(",")
      .map((id) => id.trim())
      .filter(Boolean);
    let user: SlackUser | undefined;
    if (channel) {
      const conversation = resolveConversation(context, channel);
      if (!conversation) return fail("channel_not_found");
      // Reopening is for DMs (and multi-person DMs, which the stand-in does not have).
      if (conversation.user === undefined) return fail("method_not_supported_for_channel_type");
      user = context.users.find((u) => u.id === conversation.user);
    } else {
      if (ids.length === 0) return fail("users_list_not_supplied");
      if (ids.length > 1) return fail("method_not_supported_for_channel_type");
      user = context.users.find((u) => u.id === ids[0]);
      if (!user) return fail("user_not_found");
    }
    const id = dmChannelId(user!.id);
    const alreadyOpen = context.store.openedDms.has(id);
    context.store.openedDms.add(id);
    return {
      ok: true,
      ...(alreadyOpen ? { no_op: true, already_open: true } : {}),
      channel: returnIm ? { id, is_im: true, is_open: true, user: user!.id } : { id },
    };
  },

  "views.open": (args, context) => {
    const triggerId = text(args.trigger_id);
    if (!triggerId) return invalidArguments("missing required field: trigger_id");
    const view = readObject(args.view);
    if (view === undefined) return invalidArguments("missing required field: view");
    if (view === null) return invalidArguments("view must be a JSON object");
    if (view.type !== "modal") return invalidArguments("view.type must be modal");
    if (!readObject(view.title)) return invalidArguments("missing required field: title");
    if (!Array.isArray(view.blocks)) return invalidArguments("missing required field: blocks");
    const trigger = context.store.triggers.get(triggerId);
    if (!trigger) return fail("invalid_trigger_id");
    if (trigger.used) return fail("exchanged_trigger_id");
    if (context.now() - trigger.issuedAt > TRIGGER_TTL_MS) return fail("expired_trigger_id");
    trigger.used = true;
    const id = `V${randomId(10)}`;
    context.store.views.push({
      id,
      triggerId,
      user: trigger.user,
      view,
      closed: false,
      errors: {},
    });
    return {
      ok: true,
      view: {
        id,
        team_id: context.team.id,
        type: "modal",
        ...view,
        state: { values: {} },
        hash: `${Math.floor(context.now() / 1000)}.${randomId(8)}`,
        root_view_id: id,
        app_id: APP.appId,
        bot_id: APP.botId,
      },
    };
  },
};

/** A conversation the bot can post in: a channel, or the DM with a user (by U… or D… ID). */
export function resolveConversation(
  context: Pick<WebApiContext, "users" | "channels">,
  id: string | undefined,
): { id: string; name: string; user?: string } | undefined {
  if (!id) return undefined;
  const channel = context.channels.find((c) => c.id === id);
  if (channel) return { id: channel.id, name: channel.name };
  const user = context.users.find((u) => u.id === id || dmChannelId(u.id) === id);
  return user ? { id: dmChannelId(user.id), name: "directmessage", user: user.id } : undefined;
}

/** The message object the API returns (objs_message). */
function toApiMessage(message: StoredMessage, context: WebApiContext) {
  return {
    type: "message",
    user: message.user,
    bot_id: message.botId,
    text: message.text,
    ts: message.ts,
    team: context.team.id,
    ...(message.blocks.length > 0 ? { blocks: message.blocks } : {}),
    ...(message.threadTs ? { thread_ts: message.threadTs } : {}),
  };
}

/** The user object users.info and users.lookupByEmail return (objs_user). */
function toApiUser(user: SlackUser, team: SlackTeam) {
  return {
    id: user.id,
    team_id: team.id,
    name: user.name,
    deleted: false,
    color: "4bbe2e",
    real_name: user.realName,
    tz: "Europe/London",
    tz_label: "Greenwich Mean Time",
    tz_offset: 0,
    profile: {
      title: "",
      phone: "",
      skype: "",
      real_name: user.realName,
      real_name_normalized: user.realName,
      display_name: user.name,
      display_name_normalized: user.name,
      fields: null,
      status_text: "",
      status_emoji: "",
      status_expiration: 0,
      avatar_hash: "g000000000",
      email: user.email,
      first_name: user.realName.split(" ")[0] ?? user.realName,
      last_name: user.realName.split(" ").slice(1).join(" "),
      team: team.id,
    },
    is_admin: false,
    is_owner: false,
    is_primary_owner: false,
    is_restricted: false,
    is_ultra_restricted: false,
    is_bot: false,
    is_app_user: false,
    updated: 1_700_000_000,
    has_2fa: false,
  };
}

/** The text and blocks of chat.postMessage / update / postEphemeral, or the error Slack gives. */
function readContent(args: SlackArgs): { text?: string; blocks?: Block[] } | { error: string } {
  const messageText = text(args.text);
  let blocks: Block[] | undefined;
  if (args.blocks !== undefined && args.blocks !== "") {
    const parsed = typeof args.blocks === "string" ? parseJson(args.blocks) : args.blocks;
    if (!Array.isArray(parsed) || !parsed.every(isBlock)) return { error: "invalid_blocks" };
    blocks = parsed.map((block) => ({ ...block, block_id: block.block_id ?? randomId(5) }));
  }
  if (!messageText && (!blocks || blocks.length === 0)) return { error: "no_text" };
  if ((messageText?.length ?? 0) > MAX_TEXT) return { error: "msg_too_long" };
  return {
    ...(messageText !== undefined ? { text: messageText } : {}),
    ...(blocks ? { blocks } : {}),
  };
}

function isBlock(value: unknown): value is Block {
  return (
    !!value &&
    typeof value === "object" &&
    !Array.isArray(value) &&
    typeof (value as { type?: unknown }).type === "string" &&
    ["string", "undefined"].includes(typeof (value as { block_id?: unknown }).block_id)
  );
}

function invalidArguments(message: string): SlackResponse {
  return fail("invalid_arguments", { response_metadata: { messages: [`[ERROR] ${message}`] } });
}

/** A string argument; numbers (JSON) count, anything else does not. */
function text(value: unknown): string | undefined {
  if (typeof value === "string") return value;
  if (typeof value === "number") return String(value);
  return undefined;
}

function flag(value: unknown): boolean {
  return value === true || value === "true" || value === "1" || value === 1;
}

/** An object argument given as JSON text (form) or as an object (JSON body); null if neither. */
function readObject(value: unknown): Record<string, unknown> | null | undefined {
  if (value === undefined || value === "") return undefined;
  const parsed = typeof value === "string" ? parseJson(value) : value;
  return parsed && typeof parsed === "object" && !Array.isArray(parsed)
    ? (parsed as Record<string, unknown>)
    : null;
}

function parseJson(textValue: string): unknown {
  try {
    return JSON.parse(textValue);
  } catch {
    return undefined;
  }
}

const ID_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";

/** Random upper-case alphanumerics, the alphabet of Slack's IDs. */
export function randomId(length: number): string {
  return [...randomBytes(length)].map((byte) => ID_ALPHABET[byte % 36]).join("");
}

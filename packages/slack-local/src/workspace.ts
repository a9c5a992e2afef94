/**
 * The stand-in's workspace: its team, its app and bot, its people and its channels. IDs follow
 * Slack's shapes (the vendored spec's patterns), so a client that checks them sees real-looking IDs.
 */

/** Someone in the workspace. */
export interface SlackUser {
  /** `U…`, e.g. `U0ALICE000`. */
  id: string;
  email: string;
  /** The display name Slack shows, e.g. "Alice Example". */
  realName: string;
  /** The handle (`username` in interaction payloads), e.g. "alice". */
  name: string;
}

/** A public channel. */
export interface SlackChannel {
  /** `C…` of at least 9 characters, e.g. `C0APPROVALS`. */
  id: string;
  /** Without the `#`. */
  name: string;
}

export interface SlackTeam {
  /** `T…` of at least 9 characters. */
  id: string;
  domain: string;
  name: string;
}

/** The app the bot token belongs to. */
export const APP = {
  appId: "A0SIGNOFF0",
  botId: "B0SIGNOFF0",
  botUserId: "U0SIGNOFFBOT",
  botName: "signoff",
} as const;

export const DEFAULT_TEAM: SlackTeam = {
  id: "T0SIGNOFF0",
  domain: "signoff-local",
  name: "signoff (local)",
};

export const DEFAULT_CHANNELS: readonly SlackChannel[] = [{ id: "C0APPROVALS", name: "approvals" }];

/** The local stack's demo people: the approvers, the admin and the requester. */
export const DEFAULT_EMAILS = [
  "alice@example.com",
  "bob@example.com",
  "admin@example.com",
  "dev@example.com",
] as const;

/**
 * A user for `email` with a readable, stable ID made from its local part: alice@example.com is
 * `U0ALICE000`, "Alice" (real name) and "alice" (handle).
 */
export function createUser(email: string, realName?: string): SlackUser {
  const local = email.split("@")[0] ?? email;
  const letters = local.toUpperCase().replace(/[^A-Z0-9]/g, "");
  const name = local.toLowerCase().replace(/[^a-z0-9._-]/g, "");
  return {
    id: `U0${letters.slice(0, 8).padEnd(8, "0")}`,
    email,
    realName: realName ?? `${local.charAt(0).toUpperCase()}${local.slice(1)}`,
    name: name || "user",
  };
}

/** The direct-message channel between the bot and `userId` (`U0ALICE000` → `D0ALICE000`). */
export function dmChannelId(userId: string): string {
  return `D${userId.slice(1).padEnd(8, "0")}`;
}

/** Throws when two users or two channels share an ID or an email, which would make lookups lie. */
export function assertWorkspace(users: readonly SlackUser[], channels: readonly SlackChannel[]) {
  const seen = new Set<string>();
  for (const key of [
    ...users.map((user) => user.id),
    ...users.map((user) => `email:${user.email.toLowerCase()}`),
    ...channels.map((channel) => channel.id),
  ]) {
    if (seen.has(key)) throw new Error(`the Slack stand-in's workspace has ${key} twice`);
    seen.add(key);
  }
  for (const user of users) {
    if (!/^[UW][A-Z0-9]{2,}$/.test(user.id)) throw new Error(`user ID ${user.id} is not Slack's`);
  }
  for (const channel of channels) {
    if (!/^C[A-Z0-9]{8,}$/.test(channel.id)) {
      throw new Error(`channel ID ${channel.id} is not Slack's`);
    }
  }
}

/**
 * The Slack adapter: core's `SlackMessenger` over `@slack/web-api`'s WebClient, plus what the
 * interactions route needs (a user's email, an ephemeral reply). The client talks to
 * `SlackConfig.apiUrl` (Slack itself, or the local stack's stand-in). Calls are short and barely
 * retried: Slack must never hold up a decision, and the interaction must be answered within
 * Slack's 3 seconds.
 */
import type {
  ApprovalView,
  SlackDestination,
  SlackMessageRef,
  SlackMessenger,
  SlackNotice,
  SlackPostResult,
} from "@signoff/core";
import type { ErrorCode, WebClient } from "@slack/web-api";
import type { SlackConfig } from "../slack-config.ts";
import { renderApprovalMessage, renderNotice } from "./slack-blocks.ts";
import type { SlackModalView } from "./slack-modal.ts";

/** The adapter: posts and updates messages, and looks people up for the interactions route. */
export interface SlackApi extends SlackMessenger {
  /** The email on a Slack user's profile (`users.info`), lower-cased; undefined when it has none. */
  emailOfUser(userId: string): Promise<string | undefined>;
  /** A reply only `userId` sees, in `channel` (`chat.postEphemeral`). True when Slack took it. */
  tellUser(channel: string, userId: string, text: string): Promise<boolean>;
  /** Opens a modal for the user whose interaction gave `triggerId` (`views.open`). */
  openView(triggerId: string, view: SlackModalView): Promise<void>;
}

export interface SlackApiOptions {
  config: Pick<SlackConfig, "botToken" | "apiUrl">;
  /** Per call; default 2.5 s, inside Slack's 3 s for the interaction that may cause it. */
  timeoutMs?: number;
}

/** Builds the adapter around one WebClient. */
export function createSlackApi(options: SlackApiOptions): SlackApi {
  // Loaded on first use: a function whose deployment has Slack off, or an invocation that never
  // talks to Slack, does not pay for the Slack client at start-up (its own chunk when split).
  let loaded: Promise<WebClient> | undefined;
  const slackClient = () =>
    (loaded ??= import("@slack/web-api").then(
      ({ LogLevel, WebClient }) =>
        new WebClient(options.config.botToken, {
          slackApiUrl: options.config.apiUrl,
          timeout: options.timeoutMs ?? 2_500,
          // One quick retry at most; a rate-limited call is dropped rather than waited out.
          retryConfig: { retries: 1, factor: 1, minTimeout: 100, maxTimeout: 200 },
          rejectRateLimitedCalls: true,
          logLevel: LogLevel.ERROR,
        }),
      (error: unknown) => {
        loaded = undefined; // a failed load is tried again by the next call
        throw error;
      },
    ));

  /** The direct-message conversation with the Slack user whose email is `approver`. */
  async function openDirectMessage(approver: string): Promise<string | undefined> {
    let userId: string | undefined;
    try {
      userId = (await (await slackClient()).users.lookupByEmail({ email: approver })).user?.id;
    } catch (error) {
      if (slackErrorOf(error) === "users_not_found") return undefined;
      throw error;
    }
    if (userId === undefined) return undefined;
    const opened = await (await slackClient()).conversations.open({ users: userId });
    const channel = opened.channel?.id;
    if (channel === undefined) throw new Error("conversations.open returned no channel");
    return channel;
  }

  return {
    async postRequest(approval: ApprovalView, to: SlackDestination): Promise<SlackPostResult> {
      try {
        let channel: string;
        if ("channel" in to) {
          channel = to.channel;
        } else {
          const opened = await openDirectMessage(to.approver);
          if (opened === undefined) {
            return { ok: false, reason: "no-user", error: "no Slack user has this email" };
          }
          channel = opened;
        }
        const { text, blocks } = renderApprovalMessage(approval);
        const posted = await (await slackClient()).chat.postMessage({ channel, text, blocks });
        if (posted.ts === undefined || posted.channel === undefined) {
          return { ok: false, reason: "failed", error: "chat.postMessage returned no ts" };
        }
        const message: SlackMessageRef = { channel: posted.channel, ts: posted.ts };
        if ("approver" in to) message.to = to.approver;
        return { ok: true, message };
      } catch (error) {
        return { ok: false, reason: "failed", error: describeSlackError(error) };
      }
    },

    async updateMessage(approval: ApprovalView, message: SlackMessageRef): Promise<boolean> {
      const { text, blocks } = renderApprovalMessage(approval);
      const updated = await (await slackClient()).chat.update({
        channel: message.channel,
        ts: message.ts,
        text,
        blocks,
      });
      return updated.ok === true;
    },

    async postNotice(
      approval: ApprovalView,
      message: SlackMessageRef,
      notice: SlackNotice,
    ): Promise<boolean> {
      const { text, blocks } = renderNotice(approval, notice);
      const posted = await (await slackClient()).chat.postMessage({
        channel: message.channel,
        thread_ts: message.ts,
        text,
        blocks,
      });
      return posted.ok === true;
    },

    async emailOfUser(userId: string): Promise<string | undefined> {
      const { user } = await (await slackClient()).users.info({ user: userId });
      if (user?.deleted === true || user?.is_bot === true) return undefined;
      const email = user?.profile?.email;
      return typeof email === "string" && email.includes("@") ? email.toLowerCase() : undefined;
    },

    async openView(triggerId: string, view: SlackModalView): Promise<void> {
      await (await slackClient()).views.open({ trigger_id: triggerId, view });
    },

    async tellUser(channel: string, userId: string, text: string): Promise<boolean> {
      try {
        const posted = await (await slackClient()).chat.postEphemeral({
          channel,
          user: userId,
          text,
        });
        return posted.ok === true;
      } catch {
        return false;
      }
    },
  };
}

// `ErrorCode.PlatformError`, spelled out so reading an error needs no module load.
const PLATFORM_ERROR = "slack_webapi_platform_error" satisfies `${ErrorCode.PlatformError}`;

/** Slack's error code (`channel_not_found`, ...) when Slack answered `ok: false`. */
function slackErrorOf(error: unknown): string | undefined {
  if (typeof error !== "object" || error === null) return undefined;
  const { code, data } = error as { code?: unknown; data?: { error?: unknown } };
  if (code !== PLATFORM_ERROR) return undefined;
  return typeof data?.error === "string" ? data.error : undefined;
}

/** A failure as a log field: Slack's error code, or the client's; never the token. */
export function describeSlackError(error: unknown): string {
  const platform = slackErrorOf(error);
  if (platform !== undefined) return `slack: ${platform}`;
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === "string") return code;
  return error instanceof Error ? error.name : typeof error;
}

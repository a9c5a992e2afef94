/**
 * Button presses, delivered to the app's interactivity URL as Slack delivers them: a
 * `block_actions` payload, form-encoded as `payload=<JSON>`, signed with the signing secret.
 * https://docs.slack.dev/reference/interaction-payloads/block_actions-payload
 */
import { signSlackRequest } from "./signature.ts";
import type { Block, Store, StoredMessage } from "./store.ts";
import { randomId } from "./web-api.ts";
import { APP, type SlackTeam, type SlackUser } from "./workspace.ts";

/** A button element of a message, as posted. */
export interface ButtonElement {
  type: "button";
  action_id?: string;
  value?: string;
  style?: string;
  url?: string;
  text?: { type: string; text: string; emoji?: boolean };
  confirm?: {
    title?: { text?: string };
    text?: { text?: string };
    confirm?: { text?: string };
    deny?: { text?: string };
    style?: string;
  };
}

/** A button found in a message, with the block it sits in. */
export interface FoundButton {
  blockId: string;
  button: ButtonElement;
}

/** The buttons of a message's blocks: those of actions blocks and section accessories. */
export function listButtons(blocks: readonly Block[]): FoundButton[] {
  const found: FoundButton[] = [];
  for (const block of blocks) {
    const candidates =
      block.type === "actions" && Array.isArray(block.elements)
        ? (block.elements as unknown[])
        : block.type === "section" && block.accessory
          ? [block.accessory]
          : [];
    for (const element of candidates) {
      if (isButton(element)) found.push({ blockId: block.block_id ?? "", button: element });
    }
  }
  return found;
}

function isButton(value: unknown): value is ButtonElement {
  return !!value && typeof value === "object" && (value as { type?: unknown }).type === "button";
}

/** What a delivery carried and what the app answered. */
export interface Delivery {
  /** The app's HTTP status; 0 when the request did not get an answer. */
  status: number;
  /** The app's response body (or the network error). */
  body: string;
  /** How long the app took to answer; Slack shows the user an error past 3,000 ms. */
  elapsedMs: number;
  payload: Record<string, unknown>;
  /** Exactly what was posted, so a test can verify the signature independently. */
  request: { url: string; headers: Record<string, string>; body: string };
}

export interface PressContext {
  team: SlackTeam;
  store: Store;
  /** The stand-in's own URL, which response_url points back to. */
  baseUrl: string;
  signingSecret: string;
  interactivityUrl: string;
  channelName: string;
  now: () => number;
  nextTs: () => string;
}

/** Builds the block_actions payload Slack sends when `user` presses `found` in `message`. */
export function buildBlockActionsPayload(
  context: PressContext,
  user: SlackUser,
  message: StoredMessage,
  found: FoundButton,
): Record<string, unknown> {
  const { team, store } = context;
  const triggerId = `${Date.now()}.${randomId(10)}.${randomId(32).toLowerCase()}`;
  store.triggers.set(triggerId, { user: user.id, issuedAt: context.now(), used: false });
  const responseKey = randomId(24).toLowerCase();
  store.responseUrls.set(responseKey, { channel: message.channel, ts: message.ts, user: user.id });
  const { button } = found;
  return {
    type: "block_actions",
    user: { id: user.id, username: user.name, name: user.name, team_id: team.id },
    api_app_id: APP.appId,
    // The deprecated verification token Slack still sends; signoff must rely on the signature.
    token: "stand-in-verification-token",
    container: {
      type: "message",
      message_ts: message.ts,
      channel_id: message.channel,
      is_ephemeral: false,
    },
    trigger_id: triggerId,
    team: { id: team.id, domain: team.domain },
    enterprise: null,
    is_enterprise_install: false,
    channel: { id: message.channel, name: context.channelName },
    message: {
      type: "message",
      user: message.user,
      bot_id: message.botId,
      app_id: APP.appId,
      text: message.text,
      ts: message.ts,
      team: team.id,
      blocks: message.blocks,
      ...(message.edited ? { edited: message.edited } : {}),
    },
    state: { values: {} },
    response_url: `${context.baseUrl}/actions/${team.id}/${responseKey}`,
    actions: [
      {
        action_id: button.action_id ?? "",
        block_id: found.blockId,
        ...(button.text ? { text: button.text } : {}),
        ...(button.value !== undefined ? { value: button.value } : {}),
        ...(button.style ? { style: button.style } : {}),
        type: "button",
        action_ts: context.nextTs(),
      },
    ],
  };
}

/** Posts the payload to the interactivity URL, signed, and reports what came back. */
export async function deliverPayload(
  context: Pick<PressContext, "signingSecret" | "interactivityUrl" | "now">,
  payload: Record<string, unknown>,
  timeoutMs: number,
): Promise<Delivery> {
  const body = new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
  const timestamp = String(Math.floor(context.now() / 1000));
  const headers = {
    "content-type": "application/x-www-form-urlencoded",
    "x-slack-request-timestamp": timestamp,
    "x-slack-signature": signSlackRequest(context.signingSecret, timestamp, body),
    "user-agent": "Slackbot 1.0 (+https://api.slack.com/robots)",
  };
  const request = { url: context.interactivityUrl, headers, body };
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  try {
    const response = await fetch(context.interactivityUrl, {
      method: "POST",
      headers,
      body,
      redirect: "manual",
      signal: AbortSignal.timeout(timeoutMs),
    });
    const text = await response.text();
    return { status: response.status, body: text, elapsedMs: elapsed(), payload, request };
  } catch (error) {
    const text = String((error as Error)?.message ?? error);
    return { status: 0, body: text, elapsedMs: elapsed(), payload, request };
  }
}

/**
 * Button presses, delivered to the app's interactivity URL as Slack delivers them: a
 * `block_actions` payload, form-encoded as `payload=<JSON>`, signed with the signing secret.
 * https://docs.slack.dev/reference/interaction-payloads/block_actions-payload
 */
import { signSlackRequest } from "./signature.ts";
import type { Block, Store, StoredMessage, StoredView } from "./store.ts";
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

/** A fresh trigger_id for `user`'s interaction, which views.open may exchange once, within 3 s. */
function issueTrigger(context: Pick<PressContext, "store" | "now">, user: SlackUser): string {
  const triggerId = `${Date.now()}.${randomId(10)}.${randomId(32).toLowerCase()}`;
  context.store.triggers.set(triggerId, { user: user.id, issuedAt: context.now(), used: false });
  return triggerId;
}

/** Builds the block_actions payload Slack sends when `user` presses `found` in `message`. */
export function buildBlockActionsPayload(
  context: PressContext,
  user: SlackUser,
  message: StoredMessage,
  found: FoundButton,
): Record<string, unknown> {
  const { team, store } = context;
  const triggerId = issueTrigger(context, user);
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

/** What a test (or the page) fills in a modal: a value per input block, by block_id. */
export type ViewInputValues = Record<
  string,
  string | number | boolean | readonly string[] | undefined
>;

/** An input block of a modal and its element, as the app opened it. */
interface InputElement {
  blockId: string;
  actionId: string;
  type: string;
  optional: boolean;
  element: Record<string, unknown>;
}

/** The input blocks of a view, in order. */
export function listInputs(view: Record<string, unknown>): InputElement[] {
  const blocks = Array.isArray(view.blocks) ? (view.blocks as Block[]) : [];
  return blocks
    .filter((block) => block.type === "input" && block.element && typeof block.element === "object")
    .map((block) => {
      const element = block.element as Record<string, unknown>;
      return {
        blockId: block.block_id ?? "",
        actionId: typeof element.action_id === "string" ? element.action_id : "",
        type: String(element.type ?? ""),
        optional: block.optional === true,
        element,
      };
    });
}

type SlackOption = { text: { type: string; text: string }; value: string };

function optionsOf(element: Record<string, unknown>): SlackOption[] {
  return Array.isArray(element.options) ? (element.options as SlackOption[]) : [];
}

function charCount(text: string): number {
  return [...text].length;
}

/** Why Slack's client would not submit a modal: the input (block_id) and what is wrong with it. */
export interface ClientProblem {
  blockId: string;
  message: string;
}

/**
 * The view's `state.values` for what was filled in, as Slack's client builds it, and what
 * Slack's client would not let the user submit (a required input left empty, a text shorter or
 * longer than the element allows, a number out of its bounds, an option it does not offer).
 */
export function buildViewState(
  view: Record<string, unknown>,
  values: ViewInputValues,
): { values: Record<string, Record<string, unknown>>; clientProblems: ClientProblem[] } {
  const state: Record<string, Record<string, unknown>> = {};
  const problems: ClientProblem[] = [];
  const refuse = (blockId: string, message: string) => problems.push({ blockId, message });
  const inputs = listInputs(view);
  for (const name of Object.keys(values)) {
    if (!inputs.some((input) => input.blockId === name)) {
      refuse(name, "the modal has no such input");
    }
  }
  for (const input of inputs) {
    const given = values[input.blockId];
    const empty =
      given === undefined ||
      given === "" ||
      given === false ||
      (Array.isArray(given) && given.length === 0);
    if (empty && !input.optional) refuse(input.blockId, "required");
    let value: Record<string, unknown>;
    switch (input.type) {
      case "plain_text_input": {
        const text = given === undefined || given === "" ? null : String(given);
        const min = input.element.min_length;
        const max = input.element.max_length;
        if (text !== null && typeof min === "number" && charCount(text) < min) {
          refuse(input.blockId, `shorter than ${min} characters`);
        }
        if (text !== null && typeof max === "number" && charCount(text) > max) {
          refuse(input.blockId, `longer than ${max} characters`);
        }
        value = { type: input.type, value: text };
        break;
      }
      case "number_input": {
        const text = given === undefined || given === "" ? null : String(given);
        if (text !== null) {
          const number = Number(text);
          if (!Number.isFinite(number)) refuse(input.blockId, "not a number");
          if (input.element.is_decimal_allowed !== true && !Number.isInteger(number)) {
            refuse(input.blockId, "not a whole number");
          }
          const { min_value: min, max_value: max } = input.element;
          if (typeof min === "string" && number < Number(min)) {
            refuse(input.blockId, `below ${min}`);
          }
          if (typeof max === "string" && number > Number(max)) {
            refuse(input.blockId, `above ${max}`);
          }
        }
        value = { type: input.type, value: text };
        break;
      }
      case "static_select": {
        const option =
          given === undefined || given === ""
            ? null
            : (optionsOf(input.element).find((o) => o.value === given || o.text.text === given) ??
              null);
        if (given !== undefined && given !== "" && option === null) {
          refuse(input.blockId, "not one of the options");
        }
        value = { type: input.type, selected_option: option };
        break;
      }
      case "checkboxes": {
        const options = optionsOf(input.element);
        const chosen =
          given === true
            ? options
            : Array.isArray(given)
              ? options.filter((o) => given.includes(o.value))
              : [];
        value = { type: input.type, selected_options: chosen };
        break;
      }
      default:
        refuse(input.blockId, `the stand-in cannot fill a ${input.type}`);
        continue;
    }
    state[input.blockId] = { [input.actionId]: value };
  }
  return { values: state, clientProblems: problems };
}

/** Builds the view_submission payload Slack sends when `user` submits `stored`. */
export function buildViewSubmissionPayload(
  context: Pick<PressContext, "team" | "store" | "now">,
  user: SlackUser,
  stored: StoredView,
  stateValues: Record<string, Record<string, unknown>>,
): Record<string, unknown> {
  const { team } = context;
  const triggerId = issueTrigger(context, user);
  return {
    type: "view_submission",
    team: { id: team.id, domain: team.domain },
    user: { id: user.id, username: user.name, name: user.name, team_id: team.id },
    api_app_id: APP.appId,
    token: "stand-in-verification-token",
    trigger_id: triggerId,
    view: {
      id: stored.id,
      team_id: team.id,
      type: "modal",
      private_metadata: "",
      callback_id: "",
      ...stored.view,
      state: { values: stateValues },
      hash: `${Math.floor(context.now() / 1000)}.${randomId(8)}`,
      previous_view_id: null,
      root_view_id: stored.id,
      app_id: APP.appId,
      external_id: "",
      app_installed_team_id: team.id,
      bot_id: APP.botId,
    },
    response_urls: [],
    is_enterprise_install: false,
    enterprise: null,
  };
}

/** What the app's answer to a view_submission did to the modal. */
export type ViewOutcome =
  /** Closed: an empty 200, or `response_action: "clear"`. */
  | { action: "closed" }
  /** Kept open with an error under each named block. */
  | { action: "errors"; errors: Record<string, string> }
  /** Replaced by the app's view. */
  | { action: "update" }
  /** Kept open: the app did not answer 200 in time (Slack shows the user an error). */
  | { action: "failed" };

/** Applies the app's answer to a submission to the stored modal, as Slack's client would. */
export function applyViewResponse(stored: StoredView, delivery: Delivery): ViewOutcome {
  if (delivery.status !== 200) return { action: "failed" };
  if (delivery.body.trim() === "") {
    stored.closed = true;
    return { action: "closed" };
  }
  let answer: { response_action?: unknown; errors?: unknown; view?: unknown };
  try {
    answer = JSON.parse(delivery.body) as typeof answer;
  } catch {
    return { action: "failed" };
  }
  switch (answer.response_action) {
    case "errors": {
      const errors =
        answer.errors && typeof answer.errors === "object"
          ? Object.fromEntries(
              Object.entries(answer.errors as Record<string, unknown>).map(([k, v]) => [
                k,
                String(v),
              ]),
            )
          : {};
      stored.errors = errors;
      return { action: "errors", errors };
    }
    case "update": {
      const view = answer.view as Record<string, unknown> | undefined;
      if (!view || typeof view !== "object" || view.type !== "modal") return { action: "failed" };
      stored.view = view;
      stored.errors = {};
      return { action: "update" };
    }
    case "clear":
    case undefined:
      stored.closed = true;
      return { action: "closed" };
    default:
      return { action: "failed" };
  }
}

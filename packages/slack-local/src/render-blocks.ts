/**
 * Block Kit as the page shows it: header, section (text, fields, a button accessory), context,
 * actions (buttons), divider. Every string goes through hono's `html`, so a message's text is
 * shown as text, never as markup; mrkdwn is shown as Slack shows its characters, not styled.
 */
import { html } from "hono/html";
import type { HtmlEscapedString } from "hono/utils/html";
import { type ButtonElement, listButtons } from "./interactions.ts";
import type { Block } from "./store.ts";
import type { SlackUser } from "./workspace.ts";

type Html = HtmlEscapedString | Promise<HtmlEscapedString>;

/** Where a button of a message posts from the page. */
export interface ButtonTarget {
  channel: string;
  ts: string;
  /** Who presses it (the page's user picker). */
  as: string | undefined;
}

/**
 * The characters a mrkdwn or plain text object stands for: Slack's three entities decoded,
 * `<url|label>` as "label (url)", `<@U…>` as "@name". The result is text, escaped on output.
 */
export function readSlackText(value: string, users: readonly SlackUser[]): string {
  return value
    .replace(/<([^<>|]+)(?:\|([^<>]*))?>/g, (_match, target: string, label: string | undefined) => {
      if (target.startsWith("@")) {
        const user = users.find((u) => u.id === target.slice(1));
        return `@${user?.name ?? target.slice(1)}`;
      }
      if (target.startsWith("!")) return `@${label ?? target.slice(1)}`;
      return label ? `${label} (${target})` : target;
    })
    .replaceAll("&lt;", "<")
    .replaceAll("&gt;", ">")
    .replaceAll("&amp;", "&");
}

/** A text object's characters: plain_text as given, mrkdwn as readSlackText reads it. */
export function textOf(value: unknown, users: readonly SlackUser[]): string {
  const object = value as { type?: unknown; text?: unknown } | undefined;
  if (typeof object?.text !== "string") return "";
  return object.type === "plain_text" ? object.text : readSlackText(object.text, users);
}

/** The blocks of one message; `target` undefined renders buttons disabled (e.g. in a modal). */
export function renderBlocks(
  blocks: readonly Block[],
  users: readonly SlackUser[],
  target: ButtonTarget | undefined,
): Html[] {
  return blocks.map((block) => renderBlock(block, users, target));
}

function renderBlock(block: Block, users: readonly SlackUser[], target: ButtonTarget | undefined) {
  switch (block.type) {
    case "header":
      return html`<h3 class="header">${textOf(block.text, users)}</h3>`;
    case "divider":
      return html`<hr>`;
    case "section": {
      const fields = Array.isArray(block.fields) ? block.fields : [];
      const accessory = listButtons([block])[0];
      return html`<div class="section"><div class="text">${textOf(block.text, users)}</div>${
        fields.length > 0
          ? html`<div class="fields">${fields.map((field) => html`<div class="text">${textOf(field, users)}</div>`)}</div>`
          : ""
      }${accessory ? renderButton(accessory.blockId, accessory.button, target) : ""}</div>`;
    }
    case "context": {
      const elements = Array.isArray(block.elements) ? block.elements : [];
      return html`<div class="context">${elements.map((element) =>
        (element as { type?: unknown }).type === "image"
          ? html`<span>[image: ${String((element as { alt_text?: unknown }).alt_text ?? "")}]</span>`
          : html`<span class="text">${textOf(element, users)}</span>`,
      )}</div>`;
    }
    case "actions": {
      const buttons = listButtons([block]);
      const others = (Array.isArray(block.elements) ? block.elements : []).length - buttons.length;
      return html`<div class="actions">${buttons.map(({ blockId, button }) => renderButton(blockId, button, target))}${
        others > 0
          ? html`<span class="unsupported">[${others} element(s) the stand-in does not show]</span>`
          : ""
      }</div>`;
    }
    default:
      return html`<p class="unsupported">[a ${block.type} block: the stand-in does not show this type]</p>`;
  }
}

function renderButton(blockId: string, button: ButtonElement, target: ButtonTarget | undefined) {
  const label = button.text?.text ?? "";
  const style = button.style === "primary" || button.style === "danger" ? button.style : "default";
  if (!target?.as) {
    return html`<button type="button" class="${style}" disabled title="choose who you are first">${label}</button>`;
  }
  return html`<form method="post" action="/press" class="button">
<input type="hidden" name="channel" value="${target.channel}">
<input type="hidden" name="ts" value="${target.ts}">
<input type="hidden" name="block_id" value="${blockId}">
<input type="hidden" name="action_id" value="${button.action_id ?? ""}">
<input type="hidden" name="as" value="${target.as}">
<button type="submit" class="${style}">${label}</button>${button.confirm ? html` <span class="note">(asks to confirm)</span>` : ""}
</form>`;
}

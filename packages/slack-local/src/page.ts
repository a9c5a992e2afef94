/**
 * The stand-in's page: the workspace's conversations, their messages with working buttons, the
 * ephemeral messages and modals of the person you act as, and the last deliveries to the app.
 * No script; only the stylesheet its CSP hash allows; everything escaped by hono's `html`.
 */
import { createHash } from "node:crypto";
import { html, raw } from "hono/html";
import type { HtmlEscapedString } from "hono/utils/html";
import type { ButtonElement, Delivery } from "./interactions.ts";
import { readSlackText, renderBlocks, textOf } from "./render-blocks.ts";
import type { Block, Store, StoredView } from "./store.ts";
import { APP, dmChannelId, type SlackChannel, type SlackUser } from "./workspace.ts";

type Html = HtmlEscapedString | Promise<HtmlEscapedString>;

const STYLESHEET = `
body{font:15px/1.45 system-ui,sans-serif;margin:0;background:#f8f8f8;color:#1d1c1d}
header{background:#3f0e40;color:#fff;padding:.6rem 1rem;display:flex;gap:1rem;align-items:center;flex-wrap:wrap}
header h1{font-size:1.1rem;margin:0}
header form{margin:0}
nav{width:14rem;float:left;padding:1rem}
nav a{display:block;color:#1d1c1d;padding:.15rem .4rem;border-radius:4px;text-decoration:none}
nav a.current{background:#1164a3;color:#fff}
main{margin-left:16rem;padding:1rem;max-width:48rem}
.message{background:#fff;border-radius:8px;padding:.7rem 1rem;margin:0 0 .8rem;box-shadow:0 1px 2px #0002}
.meta{color:#616061;font-size:.85rem}
.ephemeral{border-left:4px solid #1264a3}
.text{white-space:pre-wrap;overflow-wrap:anywhere}
.fields{display:grid;grid-template-columns:1fr 1fr;gap:.3rem 1rem;margin:.4rem 0}
.context{color:#616061;font-size:.85rem;display:flex;gap:.6rem;flex-wrap:wrap}
.actions{display:flex;gap:.5rem;flex-wrap:wrap;margin:.4rem 0}
form.button{display:inline}
button{font:inherit;padding:.3rem .9rem;border-radius:4px;border:1px solid #bbb;background:#fff;cursor:pointer}
button.primary{background:#007a5a;border-color:#007a5a;color:#fff}
button.danger{background:#e01e5a;border-color:#e01e5a;color:#fff}
.unsupported,.note{color:#8a6d00;font-size:.85rem}
table{border-collapse:collapse;font-size:.85rem}
a.deny{margin-left:1rem}
td{border-top:1px solid #ddd;padding:.2rem .5rem;vertical-align:top;overflow-wrap:anywhere}
.modal{border:2px solid #1264a3}
.input{margin:.6rem 0}
.input .label{display:block;font-weight:600}
.input input[type=text],.input input[type=number],.input textarea,.input select{font:inherit;width:100%;box-sizing:border-box}
.check{display:block}
.error{color:#e01e5a;font-size:.85rem}
`.trim();

/** The CSP source that allows exactly the stylesheet above. */
export const PAGE_STYLE_HASH_SOURCE = `'sha256-${createHash("sha256").update(STYLESHEET).digest("base64")}'`;

export interface PageModel {
  users: readonly SlackUser[];
  channels: readonly SlackChannel[];
  store: Store;
  /** The conversation shown. */
  channel: string | undefined;
  /** The person the page acts as (U…), if chosen. */
  as: string | undefined;
  deliveries: readonly Delivery[];
  interactivityUrl: string | undefined;
}

/** The conversations to list: the channels, then the DMs that have messages. */
export function listConversations(model: Pick<PageModel, "users" | "channels" | "store">) {
  const dms = model.users
    .map((user) => ({ id: dmChannelId(user.id), label: `@${user.name} (DM)` }))
    .filter(({ id }) =>
      [...model.store.messages, ...model.store.ephemerals].some((m) => m.channel === id),
    );
  return [...model.channels.map((c) => ({ id: c.id, label: `#${c.name}` })), ...dms];
}

export function renderPage(model: PageModel): Html {
  const { users, store, channel, as } = model;
  const conversations = listConversations(model);
  const shown = conversations.find((c) => c.id === channel);
  const messages = store.messages.filter((m) => m.channel === shown?.id);
  const ephemerals = store.ephemerals.filter((m) => m.channel === shown?.id && m.user === as);
  const views = store.views.filter((v) => v.user === as && !v.closed);
  const link = (id: string) =>
    `/?channel=${encodeURIComponent(id)}${as ? `&as=${encodeURIComponent(as)}` : ""}`;
  const name = (id: string) =>
    id === APP.botUserId ? APP.botName : (users.find((u) => u.id === id)?.name ?? id);

  return layout(
    "Slack stand-in",
    html`<header><h1>Slack stand-in · signoff local</h1>
<form method="get" action="/">
<input type="hidden" name="channel" value="${shown?.id ?? ""}">
<label>Act as <select name="as">
<option value="">choose a person…</option>
${users.map((u) => html`<option value="${u.id}"${u.id === as ? raw(" selected") : ""}>${u.realName} (${u.email})</option>`)}
</select></label> <button type="submit">Switch</button>
</form></header>
<nav>${conversations.map((c) => html`<a href="${link(c.id)}"${c.id === shown?.id ? raw(' class="current"') : ""}>${c.label}</a>`)}</nav>
<main>
${as ? "" : html`<p class="note">Choose whom you act as to press buttons and see their ephemeral messages.</p>`}
<h2>${shown?.label ?? "No conversation"}</h2>
${messages.length === 0 ? html`<p class="meta">No messages yet.</p>` : ""}
${messages.map(
  (m) => html`<article class="message" id="m${m.ts.replace(".", "-")}">
<div class="meta">${name(m.user)} (app) · ts ${m.ts}${m.edited ? html` · edited ${m.updates}×` : ""}</div>
${m.blocks.length > 0 ? renderBlocks(m.blocks, users, { channel: m.channel, ts: m.ts, as }) : html`<div class="text">${readSlackText(m.text, users)}</div>`}
</article>`,
)}
${ephemerals.map(
  (m) => html`<article class="message ephemeral">
<div class="meta">Only visible to you · ts ${m.ts}</div>
${m.blocks.length > 0 ? renderBlocks(m.blocks, users, undefined) : html`<div class="text">${readSlackText(m.text, users)}</div>`}
</article>`,
)}
${views.map((v) => renderModal(v, users, shown?.id))}
<h2>Deliveries to the app</h2>
<p class="meta">Interactivity URL: ${model.interactivityUrl ?? "none set, so buttons cannot deliver"}</p>
<table>${model.deliveries
      .slice()
      .reverse()
      .map(
        (d) =>
          html`<tr><td>${String((d.payload.actions as { action_id?: string }[] | undefined)?.[0]?.action_id ?? "")} by ${String((d.payload.user as { name?: string } | undefined)?.name ?? "")}</td><td>HTTP ${d.status} in ${d.elapsedMs} ms</td><td>${d.body.slice(0, 300)}</td></tr>`,
      )}</table>
</main>`,
  );
}

/**
 * An open modal as a form: its inputs as HTML inputs with the limits Slack's client enforces,
 * the app's errors under them, and its submit button (or Close, for a modal without one).
 */
function renderModal(stored: StoredView, users: readonly SlackUser[], channel: string | undefined) {
  const { view } = stored;
  const submit = (view.submit as { text?: unknown } | undefined)?.text;
  const close = (view.close as { text?: unknown } | undefined)?.text;
  const blocks = Array.isArray(view.blocks) ? (view.blocks as Block[]) : [];
  const hidden = html`<input type="hidden" name="as" value="${stored.user}">
<input type="hidden" name="view_id" value="${stored.id}">
<input type="hidden" name="channel" value="${channel ?? ""}">`;
  return html`<article class="message modal" id="view-${stored.id}">
<div class="meta">Modal (${stored.id})</div>
<h3>${textOf(view.title, users)}</h3>
<form method="post" action="/submit-view">
${hidden}
${blocks.map((block) =>
  block.type === "input"
    ? renderInput(block, stored.errors[block.block_id ?? ""], users)
    : renderBlocks([block], users, undefined),
)}
${submit === undefined ? "" : html`<button type="submit" class="primary">${String(submit)}</button>`}
</form>
<form method="post" action="/close-view" class="button">
${hidden}
<button type="submit">${String(close ?? "Close")}</button>
</form>
</article>`;
}

function renderInput(block: Block, error: string | undefined, users: readonly SlackUser[]) {
  const element = (block.element ?? {}) as Record<string, unknown>;
  const label = textOf(block.label, users);
  const hint = block.hint === undefined ? undefined : textOf(block.hint, users);
  const name = `v.${block.block_id ?? ""}`;
  const id = `in-${block.block_id ?? ""}`;
  const required = block.optional === true ? "" : raw(" required");
  const options = Array.isArray(element.options)
    ? (element.options as { text?: { text?: unknown }; value?: unknown }[])
    : [];
  const number = (key: string) =>
    typeof element[key] === "number" || typeof element[key] === "string"
      ? String(element[key])
      : undefined;
  let input: Html;
  switch (element.type) {
    case "plain_text_input": {
      const max = number("max_length");
      const min = number("min_length");
      const limits = html`${max ? html` maxlength="${max}"` : ""}${min ? html` minlength="${min}"` : ""}`;
      input =
        element.multiline === true
          ? html`<textarea id="${id}" name="${name}" rows="3"${limits}${required}></textarea>`
          : html`<input type="text" id="${id}" name="${name}"${limits}${required}>`;
      break;
    }
    case "number_input": {
      const min = number("min_value");
      const max = number("max_value");
      input = html`<input type="number" id="${id}" name="${name}" step="${element.is_decimal_allowed === true ? "any" : "1"}"${min ? html` min="${min}"` : ""}${max ? html` max="${max}"` : ""}${required}>`;
      break;
    }
    case "static_select":
      input = html`<select id="${id}" name="${name}"${required}><option value="">Choose…</option>${options.map(
        (o) =>
          html`<option value="${String(o.value ?? "")}">${String(o.text?.text ?? "")}</option>`,
      )}</select>`;
      break;
    case "checkboxes":
      input = html`${options.map(
        (o) =>
          html`<label class="check"><input type="checkbox" name="${name}" value="${String(o.value ?? "")}"${options.length === 1 ? required : ""}> ${String(o.text?.text ?? "")}</label>`,
      )}`;
      break;
    default:
      input = html`<span class="unsupported">[a ${String(element.type)}: the stand-in cannot show this input]</span>`;
  }
  return html`<div class="input"><label class="label" for="${id}">${label}${block.optional === true ? html` <span class="meta">(optional)</span>` : ""}</label>
${input}
${hint === undefined ? "" : html`<div class="meta">${hint}</div>`}
${error === undefined ? "" : html`<div class="error" role="alert">${error}</div>`}
</div>`;
}

/** Slack's confirm dialog for a button that has a `confirm` object. */
export function renderConfirmPage(options: {
  users: readonly SlackUser[];
  button: ButtonElement;
  fields: Record<string, string>;
  back: string;
}): Html {
  const { confirm } = options.button;
  const read = (value: string | undefined, fallback: string) =>
    readSlackText(value ?? fallback, options.users);
  const style = confirm?.style === "danger" ? "danger" : "primary";
  return layout(
    "Confirm",
    html`<main>
<article class="message">
<h2>${read(confirm?.title?.text, "Are you sure?")}</h2>
<div class="text">${read(confirm?.text?.text, "")}</div>
<form method="post" action="/press" class="button">
${Object.entries(options.fields).map(([key, value]) => html`<input type="hidden" name="${key}" value="${value}">`)}
<input type="hidden" name="confirmed" value="1">
<button type="submit" class="${style}">${read(confirm?.confirm?.text, "Yes")}</button>
</form>
<a class="deny" href="${options.back}">${read(confirm?.deny?.text, "Cancel")}</a>
</article></main>`,
  );
}

/** A short page for refusals (bad origin, unknown message). */
export function renderProblemPage(title: string, detail: string): Html {
  return layout(
    title,
    html`<main><h2>${title}</h2><p>${detail}</p><p><a href="/">Back</a></p></main>`,
  );
}

function layout(title: string, body: Html): Html {
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title}</title>
<style>${raw(STYLESHEET)}</style>
</head>
<body>${body}</body>
</html>`;
}

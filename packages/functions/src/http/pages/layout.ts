/**
 * The one page layout every page uses (links and the inbox). Pages carry no script at all; the only inline
 * code is this stylesheet, allowed by its hash in the Content-Security-Policy.
 */
import { createHash } from "node:crypto";
import { html, raw } from "hono/html";
import type { HtmlEscapedString } from "hono/utils/html";

export type Html = HtmlEscapedString | Promise<HtmlEscapedString>;

const STYLESHEET = `
body{font:16px/1.5 system-ui,-apple-system,"Segoe UI",sans-serif;margin:0;background:#f6f7f9;color:#1d2330}
main{max-width:40rem;margin:2rem auto;padding:1.5rem 2rem;background:#fff;border-radius:10px;box-shadow:0 1px 3px #0002}
h1{font-size:1.35rem;margin:0 0 1rem}
dl{display:grid;grid-template-columns:max-content 1fr;gap:.35rem 1rem;margin:0 0 1rem}
dt{font-weight:600;color:#4a5468}dd{margin:0;overflow-wrap:anywhere}
pre{white-space:pre-wrap;overflow-wrap:anywhere;margin:0;font-size:.9rem}
table{border-collapse:collapse;width:100%;margin:0 0 1rem}td,th{text-align:left;padding:.3rem .5rem;border-bottom:1px solid #e3e6eb}
textarea{width:100%;box-sizing:border-box;min-height:5rem;font:inherit;padding:.5rem}
.actions{display:flex;gap:1rem;margin-top:1rem}
button{font:inherit;font-weight:600;padding:.6rem 1.4rem;border-radius:6px;border:2px solid transparent;cursor:pointer}
.approve{background:#1f7a3f;color:#fff}.reject{background:#b3261e;color:#fff}
.preferred{border-color:#1d2330}
.note{color:#4a5468;font-size:.9rem}
.status{font-weight:700}
.flash{padding:.6rem 1rem;border-radius:6px;background:#e8f3ec}.flash.problem{background:#fbeaea}
article{border-top:1px solid #e3e6eb;margin-top:1.5rem;padding-top:1rem}
h2{font-size:1.15rem;margin:0 0 .75rem}
.bar{display:flex;justify-content:space-between;align-items:center;gap:1rem}
.plain{background:none;border:0;padding:0;color:#1d4ed8;font-weight:400;text-decoration:underline}
fieldset{border:1px solid #e3e6eb;border-radius:6px;margin:0 0 1rem;padding:.5rem 1rem}
.field{margin:.5rem 0}.field label{display:block;font-weight:600}
input[type=text],input[type=number],select{font:inherit;padding:.35rem .5rem;width:100%;box-sizing:border-box}
.problem-text{color:#b3261e;margin:.25rem 0}
`.trim();

/** The CSP source expression that allows exactly the stylesheet above. */
export const STYLE_HASH_SOURCE = `'sha256-${createHash("sha256").update(STYLESHEET).digest("base64")}'`;

/** Wraps a page body in the document shell. `title` is escaped; `body` must already be safe. */
export function renderLayout(title: string, body: Html): Html {
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<meta name="robots" content="noindex, nofollow">
<title>${title} · signoff</title>
<style>${raw(STYLESHEET)}</style>
</head>
<body><main>${body}</main></body>
</html>`;
}

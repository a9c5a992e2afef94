/**
 * The dev issuer's `/login` page: one button per person, each a form that posts a freshly minted
 * token to signoff's `/inbox/session`, so signing in needs no script. Everything is escaped by
 * `html`; the page carries no script and only the stylesheet its CSP hash allows.
 */
import { createHash } from "node:crypto";
import { html, raw } from "hono/html";
import type { HtmlEscapedString } from "hono/utils/html";

/** One button on the page. */
export interface LoginEntry {
  email: string;
  admin: boolean;
  /** The token the button posts. */
  token: string;
}

const STYLESHEET = `
body{font:16px/1.5 system-ui,sans-serif;margin:0;background:#f6f7f9;color:#1d2330}
main{max-width:36rem;margin:2rem auto;padding:1.5rem 2rem;background:#fff;border-radius:10px;box-shadow:0 1px 3px #0002}
h1{font-size:1.35rem;margin:0 0 1rem}
form{margin:0 0 .75rem}
button{font:inherit;font-weight:600;padding:.5rem 1.2rem;border-radius:6px;border:0;background:#1d4ed8;color:#fff;cursor:pointer}
input{font:inherit;padding:.4rem}
.note{color:#4a5468;font-size:.9rem}
`.trim();

/** The CSP source that allows exactly the stylesheet above. */
export const LOGIN_STYLE_HASH_SOURCE = `'sha256-${createHash("sha256").update(STYLESHEET).digest("base64")}'`;

/**
 * Renders the page. `sessionUrl` is signoff's `/inbox/session`, or undefined while the API is
 * not up (the page then says so instead of offering buttons that post nowhere).
 */
export function renderLoginPage(
  entries: readonly LoginEntry[],
  sessionUrl: string | undefined,
): HtmlEscapedString | Promise<HtmlEscapedString> {
  const buttons =
    sessionUrl === undefined
      ? html`<p>signoff's API is not running yet, so there is nothing to sign in to.</p>`
      : entries.map(
          (entry) => html`<form method="post" action="${sessionUrl}">
<input type="hidden" name="token" value="${entry.token}">
<button type="submit">Sign in as ${entry.email}</button>${entry.admin ? html` <span class="note">(admin)</span>` : html``}
</form>`,
        );
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="strict-origin">
<title>Sign in · signoff dev issuer</title>
<style>${raw(STYLESHEET)}</style>
</head>
<body><main>
<h1>Sign in to signoff</h1>
<p class="note">This is the local stack's development issuer: anyone can sign in as anyone. Its tokens are for this laptop only.</p>
${buttons}
<form method="get" action="/login">
<label for="email">Someone else:</label>
<input id="email" name="email" type="email" required placeholder="name@example.com">
<button type="submit">Add</button>
</form>
</main></body>
</html>`;
}

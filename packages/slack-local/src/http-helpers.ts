import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Context } from "hono";
import { PAGE_STYLE_HASH_SOURCE } from "./page.ts";

/** The only address the stand-in listens on. */
export const LOOPBACK = "127.0.0.1";

/** The page's headers: no script at all, only its own stylesheet, no framing, no caching. */
export function secureHeaders(c: Context): void {
  c.header(
    "Content-Security-Policy",
    `default-src 'none'; style-src ${PAGE_STYLE_HASH_SOURCE}; form-action 'self'; base-uri 'none'; frame-ancestors 'none'`,
  );
  c.header("Cache-Control", "no-store");
  c.header("Referrer-Policy", "no-referrer");
  c.header("X-Content-Type-Options", "nosniff");
  c.header("X-Frame-Options", "DENY");
}

/**
 * A POST from this origin's own page. Its Origin says so; but under the page's `no-referrer`
 * policy Chromium sends `Origin: null` for its own form posts, and then Sec-Fetch-Site (sent to
 * loopback, a trustworthy origin) must say `same-origin`.
 */
export function isSameOrigin(c: Context, url: string): boolean {
  const origin = c.req.header("origin");
  const allowed = [url, url.replace(LOOPBACK, "localhost")];
  if (origin !== undefined && origin !== "null") return allowed.includes(origin);
  return c.req.header("sec-fetch-site") === "same-origin";
}

export function listenPlain(server: Server, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, LOOPBACK, () => {
      server.off("error", reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

export function closePlain(server: Server): Promise<void> {
  return new Promise((resolve, reject) => {
    server.closeAllConnections();
    server.close((error) => (error ? reject(error) : resolve()));
  });
}

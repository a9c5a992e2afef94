/**
 * The link pages over real HTTP, as a browser or a mail scanner reaches them. Every response is
 * handed to `record`, so a test can later search everything it was shown.
 */
import { expect } from "vitest";

/** One response from a link page. */
export interface PageResponse {
  url: string;
  method: string;
  status: number;
  headers: Record<string, string>;
  html: string;
  /** The confirmation form's nonce, when the page has a form. */
  nonce: string | undefined;
}

export interface OpenPageOptions {
  method?: "GET" | "HEAD";
  userAgent?: string;
}

export interface PageClient {
  /** GET (or HEAD) a link's page. */
  openPage(url: string, options?: OpenPageOptions): Promise<PageResponse>;
  /** POST the confirmation form the way the page's buttons do. */
  submit(
    url: string,
    nonce: string,
    decision: "approve" | "reject",
    comment?: string,
  ): Promise<PageResponse>;
  /** Opens the link's confirmation page and presses a button on it, as a person does. */
  decide(url: string, decision: "approve" | "reject", comment?: string): Promise<PageResponse>;
}

/** Creates a client whose every response goes to `record`. */
export function createPageClient(record: (page: PageResponse) => void): PageClient {
  async function send(url: string, init: RequestInit & { method: string }) {
    const response = await fetch(url, { ...init, redirect: "manual" });
    const html = await response.text();
    const page: PageResponse = {
      url,
      method: init.method,
      status: response.status,
      headers: Object.fromEntries(response.headers.entries()),
      html,
      nonce: /name="nonce" value="([^"]+)"/.exec(html)?.[1],
    };
    record(page);
    return page;
  }

  const client: PageClient = {
    openPage(url, options = {}) {
      const method = options.method ?? "GET";
      const headers: Record<string, string> = { Accept: "text/html" };
      if (options.userAgent) headers["User-Agent"] = options.userAgent;
      return send(url, { method, headers });
    },
    submit(url, nonce, decision, comment) {
      const form = new URLSearchParams({ nonce, decision });
      if (comment !== undefined) form.set("comment", comment);
      return send(url, {
        method: "POST",
        headers: { "Content-Type": "application/x-www-form-urlencoded" },
        body: form.toString(),
      });
    },
    async decide(url, decision, comment) {
      const page = await client.openPage(url);
      if (page.status !== 200 || page.nonce === undefined) {
        throw new Error(
          `expected a confirmation page at ${url}, got ${page.status}: ${headingOf(page)}`,
        );
      }
      return client.submit(url, page.nonce, decision, comment);
    },
  };
  return client;
}

/** Asserts the headers every link page must carry, whatever its status. */
export function expectSecurePage(page: PageResponse): void {
  const where = `${page.method} ${page.status}`;
  expect(page.headers["content-type"], where).toMatch(/^text\/html/);
  expect(page.headers["content-security-policy"], where).toContain("default-src 'none'");
  expect(page.headers["content-security-policy"], where).toContain("frame-ancestors 'none'");
  expect(page.headers["cache-control"], where).toBe("no-store");
  expect(page.headers["referrer-policy"], where).toBe("no-referrer");
}

/** The page's main heading, as text. */
export function headingOf(page: PageResponse): string {
  return /<h1>([\s\S]*?)<\/h1>/.exec(page.html)?.[1]?.replace(/<[^>]+>/g, "") ?? "";
}

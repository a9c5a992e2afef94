/**
 * Rendering what signoff served in a real Chromium (playwright-core, the system browser, as the
 * browser test launches it) and watching for script running: a dialog, or an element that only
 * injected markup could have created. A captured response is replayed to the browser at its own
 * URL with its own headers, so the page renders exactly as served; it can also be replayed
 * without its Content-Security-Policy, to show that escaping alone keeps the payloads inert.
 */
import type { BrowserContext, Page } from "playwright-core";
import { launchChromium } from "../../support/chromium.ts";

/**
 * Elements none of signoff's pages or emails contain, which injected markup would add: script,
 * images and frames (onerror/onload vectors), event-handler attributes and javascript: links.
 */
export const INJECTED_ELEMENTS =
  "script, img, svg, iframe, object, embed, math, [onerror], [onload], [onclick], [onfocus], a[href^='javascript:' i]";

/** A response to render: its URL, status, headers and body. */
export interface CapturedResponse {
  url: string;
  status: number;
  headers: Record<string, string>;
  html: string;
}

/** What one render showed. */
export interface Rendered {
  /** The body's text, as a person would read it. */
  text: string;
  injectedElements: number;
}

export interface BrowserRenderer {
  /** Every dialog any page raised (must stay empty). */
  dialogs: string[];
  /** The context, for journeys that navigate and click for real. */
  context: BrowserContext;
  /** Starts watching a page for dialogs. */
  watch(page: Page): void;
  /** Renders a captured response at its URL, optionally without its CSP header. */
  render(response: CapturedResponse, options?: { withoutCsp?: boolean }): Promise<Rendered>;
  /** Reads what a page the test navigated shows now. */
  inspect(page: Page): Promise<Rendered>;
  close(): Promise<void>;
}

/** Launches Chromium; fails with instructions when it is not installed. */
export async function launchRenderer(): Promise<BrowserRenderer> {
  const { browser, context } = await launchChromium();
  const dialogs: string[] = [];
  const watch = (page: Page) => {
    page.on("dialog", (dialog) => {
      dialogs.push(`${dialog.type()} on ${page.url().slice(0, 60)}`);
      void dialog.dismiss();
    });
  };
  context.on("page", watch);

  const inspect = async (page: Page): Promise<Rendered> => ({
    text: (await page.locator("body").textContent()) ?? "",
    injectedElements: await page.locator(INJECTED_ELEMENTS).count(),
  });

  return {
    dialogs,
    context,
    watch,
    inspect,
    async render(response, options = {}) {
      const page = await context.newPage();
      try {
        const headers = { ...response.headers };
        if (options.withoutCsp) delete headers["content-security-policy"];
        delete headers["content-length"];
        delete headers["content-encoding"];
        await page.route("**/*", (route) =>
          route.request().url() === response.url
            ? route.fulfill({ status: response.status, headers, body: response.html })
            : route.abort(),
        );
        await page.goto(response.url);
        // Give any injected handler (onload, onerror of a failed image) its moment to run.
        await page.waitForLoadState("load");
        await page.waitForTimeout(50);
        return await inspect(page);
      } finally {
        await page.close();
      }
    },
    async close() {
      await context.close();
      await browser.close();
    },
  };
}

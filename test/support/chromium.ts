/**
 * The system Chromium for browser tests, driven by playwright-core (no browser is downloaded).
 * A missing browser fails the test with what to install, rather than skipping it.
 */
import { existsSync } from "node:fs";
import { type Browser, type BrowserContext, chromium, type Page } from "playwright-core";

/** Where Debian's `chromium` package (installed by .ci/run) puts the browser. */
export const CHROMIUM = "/usr/bin/chromium";

// Without the background-networking flags Chromium's own connections (updates, sync, field
// trials) are refused on a closed network and it can stall; QUIC is of no use on loopback.
const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

/** How long one browser step (a click, a navigation) may take. */
export const STEP_TIMEOUT_MS = 10_000;

export interface LaunchedChromium {
  browser: Browser;
  /** A fresh context whose steps time out after STEP_TIMEOUT_MS. */
  context: BrowserContext;
}

/** Launches headless Chromium with one context; throws with instructions when it is missing. */
export async function launchChromium(): Promise<LaunchedChromium> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `Chromium is missing at ${CHROMIUM}: install Debian's chromium package ` +
        "(sudo apt-get install chromium), as .ci/run does, to run the browser tests.",
    );
  }
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
  });
  const context = await browser.newContext();
  context.setDefaultTimeout(STEP_TIMEOUT_MS);
  return { browser, context };
}

/**
 * What went wrong on `page` as it is used: console errors, and dialogs (dismissed), which no page
 * of signoff or its stand-ins should ever open. A test expects the list to stay empty.
 */
export function recordPageProblems(page: Page): string[] {
  const problems: string[] = [];
  page.on("console", (message) => {
    if (message.type() === "error") problems.push(message.text());
  });
  page.on("dialog", (dialog) => {
    problems.push(`dialog: ${dialog.message()}`);
    void dialog.dismiss();
  });
  return problems;
}

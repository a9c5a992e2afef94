/** Options of `pollUntil`. */
export interface PollOptions {
  /** Give up after this long; default 10 s. */
  timeoutMs?: number;
  /** Wait between tries; default 50 ms. */
  intervalMs?: number;
}

/**
 * Calls `probe` until it returns something other than undefined, and returns that. Throws after
 * `timeoutMs`, saying what was awaited, so a hung end-to-end test fails with a reason.
 */
export async function pollUntil<T>(
  description: string,
  probe: () => Promise<T | undefined>,
  options: PollOptions = {},
): Promise<T> {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const intervalMs = options.intervalMs ?? 50;
  const giveUpAt = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() >= giveUpAt) throw new Error(`timed out after ${timeoutMs} ms: ${description}`);
    await sleep(intervalMs);
  }
}

/** Resolves after `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

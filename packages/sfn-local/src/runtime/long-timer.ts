/** Node's setTimeout fires at once (with a warning) for any delay above 2^31-1 ms. */
export const MAX_TIMEOUT_MS = 2_147_483_647;

/** A cancellable timer. */
export interface LongTimer {
  clear(): void;
}

/**
 * Like setTimeout, but for any delay: delays beyond Node's limit (about 24.8 days) are split into
 * chunks, so a Step Functions timeout of 99999999 seconds waits instead of firing immediately.
 */
export function setLongTimeout(callback: () => void, delayMs: number): LongTimer {
  let remaining = Math.max(0, delayMs);
  let handle: ReturnType<typeof setTimeout> | undefined;
  const step = () => {
    const chunk = Math.min(remaining, MAX_TIMEOUT_MS);
    remaining -= chunk;
    handle = setTimeout(() => (remaining > 0 ? step() : callback()), chunk);
  };
  step();
  return { clear: () => clearTimeout(handle) };
}

/**
 * Small statistics and pacing helpers the reliability tests share: percentiles of latencies and
 * a bounded pool, so a scenario can keep N requests in flight without opening thousands at once.
 */
import { performance } from "node:perf_hooks";

/** The value at quantile `q` (0..1) of `samples`, nearest-rank; NaN when there are none. */
export function quantile(samples: readonly number[], q: number): number {
  if (samples.length === 0) return Number.NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[rank]!;
}

/** Milliseconds rounded to one decimal, for a figure's value. */
export function roundMs(ms: number): number {
  return Math.round(ms * 10) / 10;
}

/** Runs `run` over `items` with at most `concurrency` in flight; results keep the items' order. */
export async function mapPool<T, R>(
  items: readonly T[],
  concurrency: number,
  run: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await run(items[index]!, index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
  return results;
}

/** Runs `work` and returns its result with how long it took, in milliseconds. */
export async function timed<R>(work: () => Promise<R>): Promise<{ value: R; ms: number }> {
  const start = performance.now();
  const value = await work();
  return { value, ms: performance.now() - start };
}

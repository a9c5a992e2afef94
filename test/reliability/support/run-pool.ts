/**
 * Runs many requests with a bounded number in flight: enough to keep the API busy on a shared
 * 2-core machine without turning the test into a load test (that suite is elsewhere).
 */

/** Calls `work` for every item, at most `concurrency` at a time, and waits for all. */
export async function runPool<T>(
  items: readonly T[],
  concurrency: number,
  work: (item: T, index: number) => Promise<void>,
): Promise<void> {
  let nextIndex = 0;
  const worker = async () => {
    while (nextIndex < items.length) {
      const index = nextIndex++;
      await work(items[index] as T, index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
}

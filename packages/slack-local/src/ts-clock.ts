/** Slack message timestamps (`1700000000.000100`): unique, increasing, taken from a clock. */
export function createTsClock(clock: () => Date): () => string {
  let last = 0n;
  return () => {
    let micros = BigInt(clock().getTime()) * 1000n;
    if (micros <= last) micros = last + 1n;
    last = micros;
    const text = micros.toString().padStart(16, "0");
    return `${text.slice(0, -6)}.${text.slice(-6)}`;
  };
}

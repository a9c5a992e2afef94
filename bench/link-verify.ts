/**
 * Figure 1: link verifications per second on one core — `verifyLink` on valid links, awaited one
 * after another (no concurrency, so one core), for a fixed time after a warm-up.
 */
import { performance } from "node:perf_hooks";
import { createLinkSigner, type SecretKey } from "@signoff/core";

export interface LinkVerifyResult {
  perSecond: number;
  verified: number;
  seconds: number;
}

const DISTINCT_LINKS = 1_000;
const WARM_UP_MS = 500;
const MEASURE_MS = 2_000;
const MAX_VERIFICATIONS = 5_000_000;

export async function benchLinkVerify(keys: readonly SecretKey[]): Promise<LinkVerifyResult> {
  const signer = createLinkSigner({ keys });
  const now = new Date();
  const exp = Math.ceil(now.getTime() / 1000) + 3600;
  const links: string[] = [];
  for (let i = 0; i < DISTINCT_LINKS; i++) {
    const act = i % 2 === 0 ? "approve" : "reject";
    links.push(
      await signer.signLink({ aid: `a${i}`, sub: `p${i}@example.com`, act, exp }, { now }),
    );
  }

  const run = async (durationMs: number) => {
    let verified = 0;
    const start = performance.now();
    const end = start + durationMs;
    while (verified < MAX_VERIFICATIONS) {
      // Check the clock every 256 calls so the timer is not what we measure.
      for (let i = 0; i < 256; i++) {
        const result = await signer.verifyLink(links[verified % DISTINCT_LINKS]!, { now });
        if (!result.ok) throw new Error(`a valid link failed to verify: ${result.reason}`);
        verified += 1;
      }
      if (performance.now() >= end) break;
    }
    return { verified, seconds: (performance.now() - start) / 1000 };
  };

  await run(WARM_UP_MS);
  const { verified, seconds } = await run(MEASURE_MS);
  return { perSecond: verified / seconds, verified, seconds };
}

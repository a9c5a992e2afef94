import { createHash, randomUUID } from "node:crypto";

const HASH_ALGORITHMS: Readonly<Record<string, string>> = {
  MD5: "md5",
  "SHA-1": "sha1",
  "SHA-256": "sha256",
  "SHA-384": "sha384",
  "SHA-512": "sha512",
};

function fail(message: string): never {
  throw new Error(message);
}

// A small seeded generator (mulberry32) so that `$random(seed)` repeats, as AWS documents.
function seededRandom(seed: number): number {
  let t = (Math.trunc(seed) + 0x6d2b79f5) | 0;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}

/**
 * The functions Step Functions adds to JSONata, and `$eval`, which it removes ("use $parse
 * instead"). Passed as bindings, so they take precedence over JSONata's built-ins.
 */
export const STEP_FUNCTIONS_JSONATA_FUNCTIONS: Readonly<Record<string, unknown>> = {
  partition(array: unknown, size: unknown): unknown[][] {
    if (!Array.isArray(array)) fail("$partition: the first argument must be an array");
    if (typeof size !== "number" || !Number.isInteger(size) || size < 1) {
      fail("$partition: the chunk size must be a positive integer");
    }
    const chunks: unknown[][] = [];
    for (let i = 0; i < array.length; i += size) chunks.push(array.slice(i, i + size));
    return chunks;
  },
  range(start: unknown, end: unknown, step: unknown): number[] {
    if (typeof start !== "number" || typeof end !== "number" || typeof step !== "number") {
      fail("$range: start, end and step must be numbers");
    }
    if (step === 0) fail("$range: step must not be 0");
    const values: number[] = [];
    for (let value = start; step > 0 ? value <= end : value >= end; value += step) {
      values.push(value);
      if (values.length > 1000) fail("$range: more than 1000 values");
    }
    return values;
  },
  hash(data: unknown, algorithm: unknown): string {
    if (typeof data !== "string") fail("$hash: the data must be a string");
    const name = typeof algorithm === "string" ? HASH_ALGORITHMS[algorithm] : undefined;
    if (!name)
      fail(`$hash: the algorithm must be one of ${Object.keys(HASH_ALGORITHMS).join(", ")}`);
    return createHash(name).update(data).digest("hex");
  },
  random(seed?: unknown): number {
    if (seed === undefined) return Math.random();
    if (typeof seed !== "number") fail("$random: the seed must be a number");
    return seededRandom(seed);
  },
  uuid(): string {
    return randomUUID();
  },
  parse(text: unknown): unknown {
    if (typeof text !== "string") fail("$parse: the argument must be a string");
    try {
      return JSON.parse(text);
    } catch {
      return fail("$parse: the argument is not JSON");
    }
  },
  eval(): never {
    return fail("$eval is not supported by Step Functions; use $parse");
  },
};

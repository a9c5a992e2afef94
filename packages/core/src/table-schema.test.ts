import { describe, expect, it } from "vitest";
import { deriveApprovalId } from "./approval-id.ts";
import {
  DEFAULT_DUE_SHARDS,
  dueKeyOf,
  dueKeys,
  dueShardOf,
  LEGACY_DUE_KEY,
  MAX_DUE_SHARDS,
} from "./table-schema.ts";

describe("due-index shards", () => {
  it("puts an approval in the same shard every time, from its id alone", () => {
    expect(dueShardOf("b55arqemwm4bcamdmfaryflqnp", 32)).toBe(
      dueShardOf("b55arqemwm4bcamdmfaryflqnp", 32),
    );
    expect(dueKeyOf("b55arqemwm4bcamdmfaryflqnp", 32)).toBe(
      `DUE#${dueShardOf("b55arqemwm4bcamdmfaryflqnp", 32)}`,
    );
  });

  it("spreads approval ids evenly: no shard gets 20% more than its share of 32,000", () => {
    const counts = new Array<number>(DEFAULT_DUE_SHARDS).fill(0);
    for (let i = 0; i < 32_000; i++) {
      const id = deriveApprovalId(`token-${i}`);
      counts[dueShardOf(id, DEFAULT_DUE_SHARDS)]! += 1;
    }
    const share = 32_000 / DEFAULT_DUE_SHARDS;
    expect(Math.max(...counts)).toBeLessThan(share * 1.2);
    expect(Math.min(...counts)).toBeGreaterThan(share * 0.8);
  });

  it("lists every shard the sweeper reads, the unsharded partition last", () => {
    expect(dueKeys(3)).toEqual(["DUE#0", "DUE#1", "DUE#2", LEGACY_DUE_KEY]);
  });

  it("refuses a shard count that is not a whole number from 1 to MAX_DUE_SHARDS", () => {
    for (const shards of [0, -1, 1.5, MAX_DUE_SHARDS + 1, Number.NaN]) {
      expect(() => dueKeys(shards)).toThrow(RangeError);
      expect(() => dueShardOf("x", shards)).toThrow(RangeError);
    }
  });
});

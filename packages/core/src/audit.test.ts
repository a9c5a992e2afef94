import { describe, expect, it } from "vitest";
import type { AuditEvent } from "./approval.ts";
import { canonicalJson, chainAuditEvent, GENESIS_HASH, verifyAuditChain } from "./audit.ts";

function trail(): AuditEvent[] {
  const first = chainAuditEvent(undefined, "a1", {
    type: "requested",
    at: "2026-01-01T00:00:00.000Z",
    actor: "signoff",
  });
  const second = chainAuditEvent(first, "a1", {
    type: "decided",
    at: "2026-01-01T00:01:00.000Z",
    actor: "ann@example.com",
    data: { decision: "approve", comment: "ok" },
  });
  return [first, second];
}

describe("audit chain", () => {
  it("links the first event to the genesis hash and each later event to its predecessor", () => {
    const [first, second] = trail();
    expect(first?.prevHash).toBe(GENESIS_HASH);
    expect(first?.seq).toBe(1);
    expect(second?.prevHash).toBe(first?.hash);
    expect(second?.seq).toBe(2);
    expect(verifyAuditChain(trail())).toEqual({ ok: true, count: 2 });
  });

  it("detects an edited event", () => {
    const events = trail();
    events[1] = { ...events[1]!, data: { decision: "reject" } };
    expect(verifyAuditChain(events)).toEqual({ ok: false, brokenAt: 2 });
  });

  it("detects a dropped or reordered event", () => {
    const events = trail();
    expect(verifyAuditChain([events[1]!])).toEqual({ ok: false, brokenAt: 1 });
    expect(verifyAuditChain([events[1]!, events[0]!])).toEqual({ ok: false, brokenAt: 1 });
  });

  it("hashes objects the same whatever their key order", () => {
    expect(canonicalJson({ b: 1, a: { d: [1, { z: 1, y: 2 }], c: 2 } })).toBe(
      '{"a":{"c":2,"d":[1,{"y":2,"z":1}]},"b":1}',
    );
  });
});

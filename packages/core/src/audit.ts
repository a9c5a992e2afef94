/**
 * The tamper-evident audit trail: each event's hash covers the previous hash and the event's
 * canonical JSON, so editing, dropping or reordering any event breaks every hash after it.
 */
import { createHash } from "node:crypto";
import type { AuditEvent, AuditEventInput, AuditHead } from "./approval.ts";

/** The hash that the first event of every trail chains to. */
export const GENESIS_HASH = "0".repeat(64);

export type AuditChainVerification = { ok: true; count: number } | { ok: false; brokenAt: number };

/** JSON with object keys sorted at every depth, so equal values always hash equally. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value !== null && typeof value === "object") {
    const sorted: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) {
      const child = (value as Record<string, unknown>)[key];
      if (child !== undefined) sorted[key] = sortKeys(child);
    }
    return sorted;
  }
  return value;
}

function hashEvent(prevHash: string, body: Omit<AuditEvent, "hash" | "prevHash">): string {
  return createHash("sha256").update(prevHash).update(canonicalJson(body)).digest("hex");
}

/** Builds the next event of an approval's trail; `previous` is the current last event, if any. */
export function chainAuditEvent(
  previous: Pick<AuditEvent, "seq" | "hash"> | undefined,
  approvalId: string,
  input: AuditEventInput,
): AuditEvent {
  const prevHash = previous?.hash ?? GENESIS_HASH;
  const body = { ...input, approvalId, seq: (previous?.seq ?? 0) + 1 };
  return { ...body, prevHash, hash: hashEvent(prevHash, body) };
}

/**
 * Chains `inputs` onto `head` (undefined: an empty chain), oldest first, and returns the events
 * with the head that follows them. The new tail is the old one (or nothing, when `tailStored`
 * says its events are all written as event items) followed by the new events.
 */
export function extendAuditHead(
  head: AuditHead | undefined,
  approvalId: string,
  inputs: readonly AuditEventInput[],
  tailStored = false,
): { events: AuditEvent[]; head: AuditHead } {
  const events: AuditEvent[] = [];
  let previous: Pick<AuditEvent, "seq" | "hash"> | undefined =
    head && head.seq > 0 ? { seq: head.seq, hash: head.hash } : undefined;
  for (const input of inputs) {
    const event = chainAuditEvent(previous, approvalId, input);
    events.push(event);
    previous = event;
  }
  const last = events.at(-1);
  const tail = [...(tailStored || head === undefined ? [] : head.tail), ...events];
  return {
    events,
    head: last
      ? { seq: last.seq, hash: last.hash, tail }
      : { seq: head?.seq ?? 0, hash: head?.hash ?? GENESIS_HASH, tail },
  };
}

/**
 * The trail up to `head`: the stored event items merged with the head's tail (an event may be in
 * both; they are equal), oldest first. Items above the head are not part of it yet. Without a
 * head (a trail from before heads), the items are the trail.
 */
export function mergeAuditTrail(
  items: readonly AuditEvent[],
  head: AuditHead | undefined,
): AuditEvent[] {
  if (head === undefined) return [...items];
  const bySeq = new Map<number, AuditEvent>();
  for (const event of items) if (event.seq <= head.seq) bySeq.set(event.seq, event);
  for (const event of head.tail) bySeq.set(event.seq, event);
  return [...bySeq.values()].sort((a, b) => a.seq - b.seq);
}

/** Checks a whole trail, oldest first: sequence numbers, links and hashes. */
export function verifyAuditChain(events: readonly AuditEvent[]): AuditChainVerification {
  let prevHash = GENESIS_HASH;
  for (const [index, event] of events.entries()) {
    const { hash, prevHash: claimedPrev, ...body } = event;
    if (event.seq !== index + 1 || claimedPrev !== prevHash || hashEvent(prevHash, body) !== hash) {
      return { ok: false, brokenAt: index + 1 };
    }
    prevHash = hash;
  }
  return { ok: true, count: events.length };
}

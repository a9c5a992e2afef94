/**
 * The single-table layout every deployable shares: the local stack creates the table from it,
 * infra/ provisions it, the DynamoDB adapter reads and writes by it.
 *
 * Items of one approval share a partition: `pk = "A#<approvalId>"`, with
 * `sk = "APPROVAL"` for the approval itself and `sk = "EVT#<seq>"` for its audit events.
 *
 * The due-items index is sparse: only items whose next action is due at some time carry
 * `dueKey` and `dueAt` (epoch milliseconds). It is sharded so no one partition takes every
 * pending approval's writes: `dueKey = "DUE#<n>"`, n = a hash of the approval id modulo the
 * shard count (`SIGNOFF_DUE_SHARDS`, default DEFAULT_DUE_SHARDS; the same for every function).
 * The sweeper queries each shard, `dueKey = "DUE#<n>" AND dueAt <= now`, and so reads only what
 * is due, never the whole table. The index projects keys only (a few dozen bytes per entry, and
 * only a change of `dueKey` or `dueAt` writes to it); the sweeper then reads the approvals it acts
 * on from the table, consistently. Raising the shard count needs nothing more (an item keeps its
 * old shard until its next due write, and every old shard is still read); lowering it strands
 * items in the shards above the new count, so keep reading the old count (SIGNOFF_DUE_SHARDS at
 * the old value) until they have moved, or rewrite their `dueKey`. Items from before sharding
 * (`dueKey = "DUE"`) are read as one more shard, LEGACY_DUE_KEY.
 *
 * The execution index is sparse too: only approvals whose request carried `executionArn` are in
 * it. When an execution ends, the cancel function queries `executionArn = <arn>` and finds its
 * approvals without a Scan. It projects only the approval's id and status (what the lookup
 * filters on), so the frequent updates of other fields never write to it.
 *
 * Listings (`GET /v1/approvals`, the inbox) read listing entries: small items in the approval's
 * partition, `sk = "L#<dimension>"`, one per way of finding it: `all#<n>` (everyone's, sharded by
 * the approval id; its sort key stays `L#all`), `approver#<email>` for each approver, `tag#<tag>`
 * for each tag and `execution#<arn>`. Each carries `listKey = <dimension>` (the `list` index:
 * newest first by `listSort = <createdAt>#<id>`) and `listStatusKey = <dimension>|<status>` (the
 * `list-status` index: the same, one status only). A listing of everyone's approvals reads every
 * `all#<n>` shard (and the unsharded `all` of older entries) at once and merges them newest first.
 * Entries are written with the approval and rewritten when its status or approvers change; the
 * approval item stays the truth, and a listing re-reads every approval it returns.
 */
export const TableSchema = {
  partitionKey: "pk",
  sortKey: "sk",
  dueIndex: {
    name: "due",
    partitionKey: "dueKey",
    sortKey: "dueAt",
    /** Keys only: the table's `pk`/`sk` and the index's own; the sweeper reads the rest. */
    projection: "KEYS_ONLY",
  },
  executionIndex: {
    name: "execution",
    partitionKey: "executionArn",
    projectedAttributes: ["id", "status"],
  },
  listIndex: {
    name: "list",
    partitionKey: "listKey",
    sortKey: "listSort",
    projectedAttributes: ["id"],
  },
  listStatusIndex: {
    name: "list-status",
    partitionKey: "listStatusKey",
    sortKey: "listSort",
    projectedAttributes: ["id"],
  },
} as const;

/** How many due-index shards there are unless SIGNOFF_DUE_SHARDS says otherwise. */
export const DEFAULT_DUE_SHARDS = 32;
/** The most due-index shards: a sweeper run queries each of them once a minute. */
export const MAX_DUE_SHARDS = 1_000;
/** The one `dueKey` of the unsharded layout; the sweeper still reads it, as one more shard. */
export const LEGACY_DUE_KEY = "DUE";
/** Every sharded `dueKey` starts with this. */
export const DUE_KEY_PREFIX = "DUE#";

/** The due-index shard of an approval: FNV-1a of its id, modulo `shards`. */
export function dueShardOf(approvalId: string, shards: number): number {
  assertDueShards(shards);
  let hash = 0x811c9dc5;
  for (let i = 0; i < approvalId.length; i++) {
    hash ^= approvalId.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0) % shards;
}

/** The `dueKey` an approval's item carries while something is due: `DUE#<n>`. */
export function dueKeyOf(approvalId: string, shards: number): string {
  return `${DUE_KEY_PREFIX}${dueShardOf(approvalId, shards)}`;
}

/** Every `dueKey` a sweeper reads: `DUE#0` … `DUE#<shards-1>`, then the legacy `DUE`. */
export function dueKeys(shards: number): string[] {
  assertDueShards(shards);
  return [...Array.from({ length: shards }, (_, n) => `${DUE_KEY_PREFIX}${n}`), LEGACY_DUE_KEY];
}

function assertDueShards(shards: number): void {
  if (!Number.isInteger(shards) || shards < 1 || shards > MAX_DUE_SHARDS) {
    throw new RangeError(`the due shard count must be a whole number from 1 to ${MAX_DUE_SHARDS}`);
  }
}

/** Attribute types as DynamoDB wants them in a table definition (S = string, N = number). */
export const TableAttributeTypes = {
  pk: "S",
  sk: "S",
  dueKey: "S",
  dueAt: "N",
  executionArn: "S",
  listKey: "S",
  listStatusKey: "S",
  listSort: "S",
} as const;

/** The names of every global secondary index, for checks that a table has them all. */
export const TABLE_INDEX_NAMES: readonly string[] = [
  TableSchema.dueIndex.name,
  TableSchema.executionIndex.name,
  TableSchema.listIndex.name,
  TableSchema.listStatusIndex.name,
];

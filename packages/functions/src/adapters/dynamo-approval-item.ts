/**
 * How approvals and audit events become DynamoDB items (table-schema.ts) and back.
 *
 * `Approval.dueAt` is stored under the due index's sort key, and `dueKey` is present exactly
 * when `dueAt` is, so the sparse index always agrees with the approval.
 */
import {
  type Approval,
  type AuditEvent,
  DEFAULT_DUE_SHARDS,
  DUE_KEY_PREFIX,
  dueKeyOf,
  LEGACY_DUE_KEY,
  TableSchema,
} from "@signoff/core";
import { ApprovalStoreError } from "./errors.ts";

const { partitionKey: PK, sortKey: SK } = TableSchema;
const { partitionKey: DUE_KEY, sortKey: DUE_AT } = TableSchema.dueIndex;

// Index keys double as approval fields; these lines stop compiling if they drift apart.
const dueAtField: keyof Approval = DUE_AT;
const executionArnField: keyof Approval = TableSchema.executionIndex.partitionKey;

/** The sort key of the approval item itself. */
export const APPROVAL_SORT_KEY = "APPROVAL";
/** Every audit event's sort key starts with this. */
export const EVENT_SORT_PREFIX = "EVT#";
/** `VIEW#<approver>`: when that approver's last recorded view was (see `claimView`). */
export const VIEW_SORT_PREFIX = "VIEW#";

/** Attribute names the store uses in expressions. */
export const ItemAttribute = {
  pk: PK,
  sk: SK,
  dueKey: DUE_KEY,
  dueAt: dueAtField,
  executionArn: executionArnField,
} as const;

export type Item = Record<string, unknown>;

/** `pk` of every item belonging to one approval. */
export function approvalPartition(approvalId: string): string {
  return `A#${approvalId}`;
}

/** The primary key of an approval item. */
export function approvalKey(approvalId: string): Item {
  return { [PK]: approvalPartition(approvalId), [SK]: APPROVAL_SORT_KEY };
}

/** `EVT#0000000042`: zero-padded so events sort by sequence number. */
export function eventSortKey(seq: number): string {
  return `${EVENT_SORT_PREFIX}${String(seq).padStart(10, "0")}`;
}

/**
 * The approval as an item, with the index attributes derived from `dueAt` (in the approval's
 * due-index shard of `dueShards`).
 */
export function toApprovalItem(approval: Approval, dueShards = DEFAULT_DUE_SHARDS): Item {
  const { [DUE_AT]: dueAt, ...rest } = withoutUndefined(approval);
  return {
    ...rest,
    ...approvalKey(approval.id),
    ...(dueAt === undefined
      ? {}
      : { [DUE_KEY]: dueKeyOf(approval.id, dueShards), [DUE_AT]: dueAt }),
  };
}

/**
 * The approval stored in an item; key and index attributes are dropped. Items written before
 * approvals carried a version read as version 0 (their first versioned write sets 1).
 */
export function fromApprovalItem(item: Item): Approval {
  const { [PK]: _pk, [SK]: _sk, [DUE_KEY]: _dueKey, ...approval } = item;
  return { version: 0, ...approval } as unknown as Approval;
}

/** An audit event as an item under its approval's partition. */
export function toEventItem(event: AuditEvent): Item {
  return {
    ...withoutUndefined(event),
    [PK]: approvalPartition(event.approvalId),
    [SK]: eventSortKey(event.seq),
  };
}

/** The audit event stored in an item. */
export function fromEventItem(item: Item): AuditEvent {
  const { [PK]: _pk, [SK]: _sk, ...event } = item;
  return event as unknown as AuditEvent;
}

/**
 * Drops `undefined` the way JSON does (object keys vanish, array slots become null): DynamoDB
 * cannot store it, and the injected client may not be configured with `removeUndefinedValues`.
 */
export function withoutUndefined<T>(value: T): T {
  if (Array.isArray(value)) {
    return value.map((entry) => (entry === undefined ? null : withoutUndefined(entry))) as T;
  }
  if (isPlainObject(value)) {
    const result: Record<string, unknown> = {};
    for (const [key, entry] of Object.entries(value)) {
      if (entry !== undefined) result[key] = withoutUndefined(entry);
    }
    return result as T;
  }
  return value;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== "object") return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/**
 * An opaque cursor for the next `listDue` page, base64url JSON: the index's LastEvaluatedKey, or
 * only `{ dueKey }` to start that shard from its beginning.
 */
export function encodeCursor(lastEvaluatedKey: Item): string {
  return Buffer.from(JSON.stringify(lastEvaluatedKey)).toString("base64url");
}

/** True for a `dueKey` this layout writes or once wrote: `DUE#<n>` or the legacy `DUE`. */
export function isDueKey(value: unknown): value is string {
  return (
    value === LEGACY_DUE_KEY ||
    (typeof value === "string" && new RegExp(`^${DUE_KEY_PREFIX}(0|[1-9]\\d{0,3})$`).test(value))
  );
}

/** Reads a cursor made by `encodeCursor`; anything else is a bug in the caller. */
export function decodeCursor(cursor: string): Item {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
  } catch (cause) {
    throw new ApprovalStoreError("invalid-cursor", "The listDue cursor is not valid", { cause });
  }
  const keys = [PK, SK, DUE_KEY, DUE_AT] as const;
  const valid =
    isPlainObject(parsed) &&
    Object.keys(parsed).every((key) => (keys as readonly string[]).includes(key)) &&
    isDueKey(parsed[DUE_KEY]) &&
    ((typeof parsed[PK] === "string" &&
      typeof parsed[SK] === "string" &&
      typeof parsed[DUE_AT] === "number") ||
      Object.keys(parsed).length === 1);
  if (!valid) throw new ApprovalStoreError("invalid-cursor", "The listDue cursor is not valid");
  return parsed as Item;
}

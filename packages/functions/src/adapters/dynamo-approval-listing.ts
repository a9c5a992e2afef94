/**
 * Listings over DynamoDB: the listing entries (table-schema.ts) an approval is found by, and the
 * query that pages through them newest first. No Scan: every listing reads one partition of the
 * `list` or `list-status` index, then the approvals themselves, consistently.
 *
 * Entries are an index, not state: the approval item decides. Entries are written before the
 * approval (so a stored approval is never unlisted) and rewritten after its status or approvers
 * change; a rewrite that fails leaves an entry naming the old status, which a listing notices
 * when it reads the approval, skips, and repairs.
 */
import { setTimeout as sleep } from "node:timers/promises";
import {
  BatchGetCommand,
  BatchWriteCommand,
  type DynamoDBDocumentClient,
  QueryCommand,
} from "@aws-sdk/lib-dynamodb";
import type { Approval, ApprovalListPage, ApprovalQuery } from "@signoff/core";
import { TableSchema } from "@signoff/core";
import {
  approvalKey,
  approvalPartition,
  fromApprovalItem,
  type Item,
} from "./dynamo-approval-item.ts";
import { ApprovalStoreError } from "./errors.ts";

const { partitionKey: PK, sortKey: SK, listIndex, listStatusIndex } = TableSchema;
const LIST_KEY = listIndex.partitionKey;
const LIST_STATUS_KEY = listStatusIndex.partitionKey;
const LIST_SORT = listIndex.sortKey;

/** Every listing entry's sort key starts with this. */
export const LISTING_SORT_PREFIX = "L#";
/** The most approvals one listing page may hold. */
export const MAX_LIST_LIMIT = 100;
/**
 * Index pages one listing reads at most before it answers, so filters that match little cannot
 * keep a request busy; a short page with a cursor tells the caller to go on.
 */
const MAX_ROUNDS = 5;
// BatchWriteItem takes 25 requests and BatchGetItem 100 keys at a time.
const WRITE_BATCH = 25;
const GET_BATCH = 100;
const MAX_UNPROCESSED_ROUNDS = 8;

/**
 * Everyone's approvals are spread over this many `all#<n>` partitions (n from the approval id), so
 * no one index partition takes every new approval's entry; a listing of everything reads them all
 * at once and merges them newest first. Changing it strands entries in shards no longer read.
 */
export const LIST_ALL_SHARDS = 16;
/** Where entries of everyone's approvals were written before they were sharded; still read. */
const LEGACY_ALL = "all";

/** `all#<n>`: the shard of everyone's listing that holds this approval's entry. */
export function allListingShard(approvalId: string): string {
  // FNV-1a: ids are hashes already, but tests and old data use any string.
  let hash = 0x811c9dc5;
  for (let i = 0; i < approvalId.length; i++) {
    hash = Math.imul(hash ^ approvalId.charCodeAt(i), 0x01000193) >>> 0;
  }
  return `${LEGACY_ALL}#${hash % LIST_ALL_SHARDS}`;
}

/** Every partition a listing of everything reads: the shards, then the legacy one. */
const ALL_LISTING_PARTITIONS = [
  ...Array.from({ length: LIST_ALL_SHARDS }, (_, n) => `${LEGACY_ALL}#${n}`),
  LEGACY_ALL,
];

/** The ways an approval can be found: everything, and each approver, tag and execution. */
export function listingDimensions(approval: Approval): string[] {
  return [
    allListingShard(approval.id),
    ...approval.approvers.map((email) => `approver#${email}`),
    ...(approval.tags ?? []).map((tag) => `tag#${tag}`),
    ...(approval.executionArn === undefined ? [] : [`execution#${approval.executionArn}`]),
  ];
}

/**
 * The partition a query reads: the approver's when it names one (so a listing scoped to someone
 * never even reads, or hands out cursors into, approvals not addressed to them), else the
 * execution's, the tag's, or (undefined) everyone's, which is sharded.
 */
export function queryDimension(query: ApprovalQuery): string | undefined {
  if (query.approver !== undefined) return `approver#${query.approver}`;
  if (query.executionArn !== undefined) return `execution#${query.executionArn}`;
  if (query.tag !== undefined) return `tag#${query.tag}`;
  return undefined;
}

/** The listing entries of an approval as it is now. */
export function toListingItems(approval: Approval): Item[] {
  const listSort = `${approval.createdAt}#${approval.id}`;
  return listingDimensions(approval).map((dimension) => ({
    [PK]: approvalPartition(approval.id),
    // The `all#<n>` entry keeps the sort key of the unsharded one, so rewriting it moves it.
    [SK]: `${LISTING_SORT_PREFIX}${dimension.startsWith(`${LEGACY_ALL}#`) ? LEGACY_ALL : dimension}`,
    id: approval.id,
    [LIST_KEY]: dimension,
    [LIST_STATUS_KEY]: `${dimension}|${approval.status}`,
    [LIST_SORT]: listSort,
  }));
}

/** Whether an approval read back still matches every filter of the query. */
function matches(approval: Approval, query: ApprovalQuery): boolean {
  return (
    (query.status === undefined || approval.status === query.status) &&
    (query.approver === undefined || approval.approvers.includes(query.approver)) &&
    (query.tag === undefined || (approval.tags ?? []).includes(query.tag)) &&
    (query.executionArn === undefined || approval.executionArn === query.executionArn)
  );
}

export interface DynamoListingOptions {
  client: DynamoDBDocumentClient;
  tableName: string;
}

/** Writing and reading listing entries for one table. */
export function createDynamoListing({ client, tableName }: DynamoListingOptions) {
  /** Puts items in batches, retrying what DynamoDB leaves unprocessed. */
  async function putAll(items: Item[]): Promise<void> {
    for (let start = 0; start < items.length; start += WRITE_BATCH) {
      let requests: NonNullable<
        ConstructorParameters<typeof BatchWriteCommand>[0]["RequestItems"]
      > = {
        [tableName]: items
          .slice(start, start + WRITE_BATCH)
          .map((item) => ({ PutRequest: { Item: item } })),
      };
      for (let round = 0; Object.keys(requests).length > 0; round++) {
        if (round === MAX_UNPROCESSED_ROUNDS) {
          throw new ApprovalStoreError("contention", "Could not write the listing entries");
        }
        const { UnprocessedItems } = await client.send(
          new BatchWriteCommand({ RequestItems: requests }),
        );
        requests = UnprocessedItems ?? {};
        if (Object.keys(requests).length > 0) await sleep(20 * 2 ** round);
      }
    }
  }

  /** The approvals with these ids that exist, read consistently, by id. */
  async function readApprovals(ids: string[]): Promise<Map<string, Approval>> {
    const found = new Map<string, Approval>();
    for (let start = 0; start < ids.length; start += GET_BATCH) {
      let keys: Item[] = ids.slice(start, start + GET_BATCH).map(approvalKey);
      for (let round = 0; keys.length > 0; round++) {
        if (round === MAX_UNPROCESSED_ROUNDS) {
          throw new ApprovalStoreError("contention", "Could not read the listed approvals");
        }
        const { Responses, UnprocessedKeys } = await client.send(
          new BatchGetCommand({
            RequestItems: { [tableName]: { Keys: keys, ConsistentRead: true } },
          }),
        );
        for (const item of Responses?.[tableName] ?? []) {
          const approval = fromApprovalItem(item);
          found.set(approval.id, approval);
        }
        keys = (UnprocessedKeys?.[tableName]?.Keys ?? []) as Item[];
        if (keys.length > 0) await sleep(20 * 2 ** round);
      }
    }
    return found;
  }

  return {
    /**
     * Writes (or rewrites) every listing entry of the approval as it is now, and `extra` items
     * (its audit tail's event items) in the same batch.
     */
    write(approval: Approval, extra: readonly Item[] = []): Promise<void> {
      return putAll([...toListingItems(approval), ...extra]);
    },

    /** Puts items in batches of 25 (no conditions), retrying what DynamoDB leaves unprocessed. */
    putItems: putAll,

    /** One page of approvals matching `query`, newest first. */
    async list(query: ApprovalQuery): Promise<ApprovalListPage> {
      const { limit } = query;
      if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIST_LIMIT) {
        throw new RangeError(`limit must be a whole number from 1 to ${MAX_LIST_LIMIT}`);
      }
      const dimension = queryDimension(query);
      const [index, keyName] =
        query.status === undefined
          ? [listIndex.name, LIST_KEY]
          : [listStatusIndex.name, LIST_STATUS_KEY];
      const partitionOf = (key: string) =>
        query.status === undefined ? key : `${key}|${query.status}`;
      const source =
        dimension === undefined
          ? mergedPartitions(ALL_LISTING_PARTITIONS.map(partitionOf))
          : onePartition(partitionOf(dimension));

      const approvals: Approval[] = [];
      const stale: Approval[] = [];
      for (let round = 0; round < MAX_ROUNDS && approvals.length < limit; round++) {
        // 1. The next entries, newest first.
        const ids = await source.next(limit - approvals.length);
        // 2. The approvals themselves: the index is eventually consistent, they are the truth.
        const read = await readApprovals(ids);
        for (const id of ids) {
          const approval = read.get(id);
          if (approval === undefined) continue; // entries written just before a failed create
          if (matches(approval, query)) approvals.push(approval);
          else if (query.status !== undefined && approval.status !== query.status) {
            stale.push(approval);
          }
        }
        if (source.done()) break;
      }
      // 3. Entries still naming an old status get the approval's current one.
      if (stale.length > 0) await putAll(stale.flatMap(toListingItems));
      const cursor = source.cursor();
      return { approvals, ...(cursor === undefined ? {} : { cursor }) };

      /** One page of entries from one index partition after `startKey`. */
      async function queryPartition(value: string, count: number, startKey: Item | undefined) {
        return client.send(
          new QueryCommand({
            TableName: tableName,
            IndexName: index,
            KeyConditionExpression: "#key = :value",
            ExpressionAttributeNames: { "#key": keyName },
            ExpressionAttributeValues: { ":value": value },
            ScanIndexForward: false,
            Limit: count,
            ExclusiveStartKey: startKey,
          }),
        );
      }

      /** The entries of one partition, where the cursor left it. */
      function onePartition(value: string): EntrySource {
        let startKey =
          query.cursor === undefined ? undefined : decodeListCursor(query.cursor, keyName, value);
        let finished = false;
        return {
          async next(count) {
            const page = await queryPartition(value, count, startKey);
            startKey = page.LastEvaluatedKey;
            finished = startKey === undefined;
            return (page.Items ?? []).map((item) => String(item.id));
          },
          done: () => finished,
          cursor: () => (startKey === undefined ? undefined : encodeListCursor(startKey)),
        };
      }

      /**
       * The entries of several partitions merged newest first: each is read for its next `count`
       * entries at once, and the newest `count` of them all are taken, so nothing newer than
       * an entry taken is ever left behind. The cursor holds where each partition stands.
       */
      function mergedPartitions(values: string[]): EntrySource {
        const state = decodeMergedCursor(query.cursor, values, keyName);
        const open = () => values.filter((value) => state[value] !== "done");
        return {
          async next(count) {
            const pages = await Promise.all(
              open().map(async (value) => {
                const at = state[value];
                const page = await queryPartition(value, count, at === "done" ? undefined : at);
                return { value, page, items: page.Items ?? [] };
              }),
            );
            const newest = pages
              .flatMap(({ value, items }) => items.map((item) => ({ value, item })))
              // Code-unit order, as the index sorts: newest first.
              .sort((a, b) => compareDescending(a.item[LIST_SORT], b.item[LIST_SORT]))
              .slice(0, count);
            for (const { value, page, items } of pages) {
              const taken = newest.filter((entry) => entry.value === value);
              if (taken.length === items.length) {
                state[value] = page.LastEvaluatedKey ?? "done";
              } else if (taken.length > 0) {
                state[value] = indexKeyOf(taken.at(-1)!.item, keyName);
              }
            }
            return newest.map(({ item }) => String(item.id));
          },
          done: () => open().length === 0,
          cursor: () => (open().length === 0 ? undefined : encodeListCursor(state)),
        };
      }
    },
  };
}

/** Where a listing reads its entries from, page after page. */
interface EntrySource {
  /** The ids of the next (at most) `count` entries, newest first. */
  next(count: number): Promise<string[]>;
  /** True when no entries are left. */
  done(): boolean;
  /** Where the next page starts, or undefined when nothing is left. */
  cursor(): string | undefined;
}

/** Per partition of a merged listing: where to go on from (absent: the start), or done. */
type MergedState = Record<string, Item | "done">;

function compareDescending(a: unknown, b: unknown): number {
  const [x, y] = [String(a), String(b)];
  return x < y ? 1 : x > y ? -1 : 0;
}

/** An entry's key in the index, as a LastEvaluatedKey would give it. */
function indexKeyOf(item: Item, keyName: string): Item {
  return { [PK]: item[PK], [SK]: item[SK], [keyName]: item[keyName], [LIST_SORT]: item[LIST_SORT] };
}

/**
 * Reads a merged listing's cursor back, only for the partitions it was made for: anything else
 * is refused rather than used as start keys.
 */
function decodeMergedCursor(
  cursor: string | undefined,
  values: readonly string[],
  keyName: string,
): MergedState {
  if (cursor === undefined) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
  } catch {
    parsed = undefined;
  }
  const valid =
    typeof parsed === "object" &&
    parsed !== null &&
    !Array.isArray(parsed) &&
    Object.keys(parsed).length > 0 &&
    Object.entries(parsed).every(
      ([value, at]) => values.includes(value) && (at === "done" || isEntryKey(at, keyName, value)),
    );
  if (!valid) {
    throw new ApprovalStoreError("invalid-cursor", "The cursor does not belong to this listing");
  }
  return parsed as MergedState;
}

/** Whether `key` is a start key of the index partition `keyName = keyValue`. */
function isEntryKey(key: unknown, keyName: string, keyValue: string): boolean {
  const names = [PK, SK, keyName, LIST_SORT];
  return (
    typeof key === "object" &&
    key !== null &&
    !Array.isArray(key) &&
    Object.keys(key).length === names.length &&
    names.every((name) => typeof (key as Item)[name] === "string") &&
    (key as Item)[keyName] === keyValue &&
    String((key as Item)[SK]).startsWith(LISTING_SORT_PREFIX)
  );
}

/** The index's LastEvaluatedKey, base64url JSON. */
function encodeListCursor(key: Item): string {
  return Buffer.from(JSON.stringify(key)).toString("base64url");
}

/**
 * Reads a cursor back, only for the index partition it came from: a cursor from another listing
 * (or made up) is refused rather than used as a start key.
 */
function decodeListCursor(cursor: string, keyName: string, keyValue: string): Item {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
  } catch {
    parsed = undefined;
  }
  const valid = isEntryKey(parsed, keyName, keyValue);
  if (!valid) {
    throw new ApprovalStoreError("invalid-cursor", "The cursor does not belong to this listing");
  }
  return parsed as Item;
}

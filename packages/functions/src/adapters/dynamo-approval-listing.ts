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

/** The ways an approval can be found: everything, and each approver, tag and execution. */
export function listingDimensions(approval: Approval): string[] {
  return [
    "all",
    ...approval.approvers.map((email) => `approver#${email}`),
    ...(approval.tags ?? []).map((tag) => `tag#${tag}`),
    ...(approval.executionArn === undefined ? [] : [`execution#${approval.executionArn}`]),
  ];
}

/**
 * The partition a query reads: the approver's when it names one (so a listing scoped to someone
 * never even reads, or hands out cursors into, approvals not addressed to them), else the
 * execution's, the tag's, or everyone's.
 */
export function queryDimension(query: ApprovalQuery): string {
  if (query.approver !== undefined) return `approver#${query.approver}`;
  if (query.executionArn !== undefined) return `execution#${query.executionArn}`;
  if (query.tag !== undefined) return `tag#${query.tag}`;
  return "all";
}

/** The listing entries of an approval as it is now. */
export function toListingItems(approval: Approval): Item[] {
  const listSort = `${approval.createdAt}#${approval.id}`;
  return listingDimensions(approval).map((dimension) => ({
    [PK]: approvalPartition(approval.id),
    [SK]: `${LISTING_SORT_PREFIX}${dimension}`,
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
    /** Writes (or rewrites) every listing entry of the approval as it is now. */
    write(approval: Approval): Promise<void> {
      return putAll(toListingItems(approval));
    },

    /** One page of approvals matching `query`, newest first. */
    async list(query: ApprovalQuery): Promise<ApprovalListPage> {
      const { limit } = query;
      if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIST_LIMIT) {
        throw new RangeError(`limit must be a whole number from 1 to ${MAX_LIST_LIMIT}`);
      }
      const dimension = queryDimension(query);
      const [index, keyName, keyValue] =
        query.status === undefined
          ? [listIndex.name, LIST_KEY, dimension]
          : [listStatusIndex.name, LIST_STATUS_KEY, `${dimension}|${query.status}`];
      let startKey =
        query.cursor === undefined ? undefined : decodeListCursor(query.cursor, keyName, keyValue);

      const approvals: Approval[] = [];
      const stale: Approval[] = [];
      for (let round = 0; round < MAX_ROUNDS && approvals.length < limit; round++) {
        // 1. The next entries of this one index partition, newest first.
        const page = await client.send(
          new QueryCommand({
            TableName: tableName,
            IndexName: index,
            KeyConditionExpression: "#key = :value",
            ExpressionAttributeNames: { "#key": keyName },
            ExpressionAttributeValues: { ":value": keyValue },
            ScanIndexForward: false,
            Limit: limit - approvals.length,
            ExclusiveStartKey: startKey,
          }),
        );
        // 2. The approvals themselves: the index is eventually consistent, they are the truth.
        const ids = (page.Items ?? []).map((item) => String(item.id));
        const read = await readApprovals(ids);
        for (const id of ids) {
          const approval = read.get(id);
          if (approval === undefined) continue; // entries written just before a failed create
          if (matches(approval, query)) approvals.push(approval);
          else if (query.status !== undefined && approval.status !== query.status) {
            stale.push(approval);
          }
        }
        startKey = page.LastEvaluatedKey;
        if (startKey === undefined) break;
      }
      // 3. Entries still naming an old status get the approval's current one.
      if (stale.length > 0) await putAll(stale.flatMap(toListingItems));
      return {
        approvals,
        ...(startKey === undefined ? {} : { cursor: encodeListCursor(startKey) }),
      };
    },
  };
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
  const names = [PK, SK, keyName, LIST_SORT];
  const valid =
    typeof parsed === "object" &&
    parsed !== null &&
    !Array.isArray(parsed) &&
    Object.keys(parsed).length === names.length &&
    names.every((name) => typeof (parsed as Item)[name] === "string") &&
    (parsed as Item)[keyName] === keyValue &&
    String((parsed as Item)[SK]).startsWith(LISTING_SORT_PREFIX);
  if (!valid) {
    throw new ApprovalStoreError("invalid-cursor", "The cursor does not belong to this listing");
  }
  return parsed as Item;
}

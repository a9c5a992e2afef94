/**
 * The single-table layout every deployable shares: the local stack creates the table from it,
 * infra/ provisions it, the DynamoDB adapter reads and writes by it.
 *
 * Items of one approval share a partition: `pk = "A#<approvalId>"`, with
 * `sk = "APPROVAL"` for the approval itself and `sk = "EVT#<seq>"` for its audit events.
 *
 * The due-items index is sparse: only items whose next action is due at some time carry
 * `dueKey` and `dueAt` (epoch milliseconds). The sweeper queries `dueKey = "DUE" AND dueAt <= now`
 * and so reads only what is due, never the whole table.
 *
 * The execution index is sparse too: only approvals whose request carried `executionArn` are in
 * it. When an execution ends, the cancel function queries `executionArn = <arn>` and finds its
 * approvals without a Scan. It projects only the approval's id and status (what the lookup
 * filters on), so the frequent updates of other fields never write to it.
 *
 * Listings (`GET /v1/approvals`, the inbox) read listing entries: small items in the approval's
 * partition, `sk = "L#<dimension>"`, one per way of finding it: `all`, `approver#<email>` for each
 * approver, `tag#<tag>` for each tag and `execution#<arn>`. Each carries `listKey = <dimension>`
 * (the `list` index: newest first by `listSort = <createdAt>#<id>`) and
 * `listStatusKey = <dimension>|<status>` (the `list-status` index: the same, one status only).
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

/** The value of `dueKey` on every item that is waiting for the sweeper. */
export const DUE_KEY_VALUE = "DUE";

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

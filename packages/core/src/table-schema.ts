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
 */
export const TableSchema = {
  partitionKey: "pk",
  sortKey: "sk",
  dueIndex: {
    name: "due",
    partitionKey: "dueKey",
    sortKey: "dueAt",
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
} as const;

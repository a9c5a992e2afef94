// DynamoDB single table for approvals and their audit events, with the sparse due-items and
// execution indexes and the two listing indexes.
import { TableAttributeTypes, TableSchema } from "../packages/core/src/table-schema.ts";

const { partitionKey, sortKey, dueIndex, executionIndex, listIndex, listStatusIndex } = TableSchema;
const FIELD_TYPES = { S: "string", N: "number" } as const;

// DynamoDB takes definitions only for attributes that some index uses; every other attribute is
// schemaless, so the fields are exactly the key attributes the shared schema lists.
const fields = Object.fromEntries(
  Object.entries(TableAttributeTypes).map(([name, type]) => [name, FIELD_TYPES[type]]),
);

export const table = new sst.aws.Dynamo("Table", {
  fields,
  primaryIndex: { hashKey: partitionKey, rangeKey: sortKey },
  globalIndexes: {
    // Sharded (`DUE#<n>`) and keys only: the sweeper reads each shard's due keys, then the
    // approvals themselves, as the local stack's table does.
    [dueIndex.name]: {
      hashKey: dueIndex.partitionKey,
      rangeKey: dueIndex.sortKey,
      projection: "keys-only",
    },
    // The cancel function finds an execution's approvals here, then reads each from the table.
    [executionIndex.name]: {
      hashKey: executionIndex.partitionKey,
      projection: [...executionIndex.projectedAttributes],
    },
    // GET /v1/approvals and the inbox page through the listing entries, newest first.
    [listIndex.name]: {
      hashKey: listIndex.partitionKey,
      rangeKey: listIndex.sortKey,
      projection: [...listIndex.projectedAttributes],
    },
    [listStatusIndex.name]: {
      hashKey: listStatusIndex.partitionKey,
      rangeKey: listStatusIndex.sortKey,
      projection: [...listStatusIndex.projectedAttributes],
    },
  },
  deletionProtection: $app.stage === "production",
});

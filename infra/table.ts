// DynamoDB single table for approvals and their audit events, with the sparse due-items index.
import { TableAttributeTypes, TableSchema } from "../packages/core/src/table-schema.ts";

const { partitionKey, sortKey, dueIndex } = TableSchema;
const FIELD_TYPES = { S: "string", N: "number" } as const;

// DynamoDB takes definitions only for attributes that some index uses; every other attribute is
// schemaless, so the fields are exactly the four key attributes.
const fields = Object.fromEntries(
  [partitionKey, sortKey, dueIndex.partitionKey, dueIndex.sortKey].map((name) => [
    name,
    FIELD_TYPES[TableAttributeTypes[name]],
  ]),
);

export const table = new sst.aws.Dynamo("Table", {
  fields,
  primaryIndex: { hashKey: partitionKey, rangeKey: sortKey },
  globalIndexes: {
    // The sweeper reads whole due items from the index, as the local stack's table does.
    [dueIndex.name]: {
      hashKey: dueIndex.partitionKey,
      rangeKey: dueIndex.sortKey,
      projection: "all",
    },
  },
  deletionProtection: $app.stage === "production",
});

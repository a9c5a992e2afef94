/**
 * The CreateTable request for signoff's single table, built from the shared schema so the local
 * stack and tests create exactly what the adapter reads and writes.
 */
import type { CreateTableCommandInput } from "@aws-sdk/client-dynamodb";
import { TableAttributeTypes, TableSchema } from "@signoff/core";

/**
 * On-demand table with `pk`/`sk`, the sparse `due` index (keys only: the sweeper reads the items
 * it acts on from the table) and the sparse `execution` index (id and status only).
 */
export function createTableInput(tableName: string): CreateTableCommandInput {
  const { partitionKey, sortKey, dueIndex, executionIndex, listIndex, listStatusIndex } =
    TableSchema;
  return {
    TableName: tableName,
    BillingMode: "PAY_PER_REQUEST",
    AttributeDefinitions: Object.entries(TableAttributeTypes).map(
      ([AttributeName, AttributeType]) => ({ AttributeName, AttributeType }),
    ),
    KeySchema: [
      { AttributeName: partitionKey, KeyType: "HASH" },
      { AttributeName: sortKey, KeyType: "RANGE" },
    ],
    GlobalSecondaryIndexes: [
      {
        IndexName: dueIndex.name,
        KeySchema: [
          { AttributeName: dueIndex.partitionKey, KeyType: "HASH" },
          { AttributeName: dueIndex.sortKey, KeyType: "RANGE" },
        ],
        Projection: { ProjectionType: dueIndex.projection },
      },
      {
        IndexName: executionIndex.name,
        KeySchema: [{ AttributeName: executionIndex.partitionKey, KeyType: "HASH" }],
        Projection: {
          ProjectionType: "INCLUDE",
          NonKeyAttributes: [...executionIndex.projectedAttributes],
        },
      },
      ...[listIndex, listStatusIndex].map((index) => ({
        IndexName: index.name,
        KeySchema: [
          { AttributeName: index.partitionKey, KeyType: "HASH" as const },
          { AttributeName: index.sortKey, KeyType: "RANGE" as const },
        ],
        Projection: {
          ProjectionType: "INCLUDE" as const,
          NonKeyAttributes: [...index.projectedAttributes],
        },
      })),
    ],
  };
}

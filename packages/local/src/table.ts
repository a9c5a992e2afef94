import {
  CreateTableCommand,
  DescribeTableCommand,
  type DynamoDBClient,
  ResourceInUseException,
  type TableDescription,
} from "@aws-sdk/client-dynamodb";
import { TABLE_INDEX_NAMES } from "@signoff/core";
import { createTableInput } from "@signoff/functions";
import { LocalStackError } from "./errors.ts";

/**
 * Creates the single table (and its sparse indexes) from the shared schema and waits until it is
 * ACTIVE. A table that already exists (a `--persist` directory) is kept, after checking it has
 * every index, since an older layout would fail later in confusing ways (a directory from before
 * the execution index existed has only the due index).
 */
export async function ensureTable(client: DynamoDBClient, tableName: string): Promise<void> {
  try {
    await client.send(new CreateTableCommand(createTableInput(tableName)));
  } catch (error) {
    if (!(error instanceof ResourceInUseException)) throw error;
  }
  const table = await waitUntilActive(client, tableName);
  const present = new Set(table.GlobalSecondaryIndexes?.map((index) => index.IndexName));
  const missing = TABLE_INDEX_NAMES.filter((name) => !present.has(name));
  if (missing.length > 0) {
    const quoted = missing.map((name) => `"${name}"`);
    const names =
      quoted.length === 1 ? quoted[0] : `${quoted.slice(0, -1).join(", ")} and ${quoted.at(-1)}`;
    throw new LocalStackError(
      "TABLE_MISMATCH",
      `Table ${tableName} exists without the ${names} ${missing.length === 1 ? "index" : "indexes"}; delete the --persist directory or use another`,
      { service: "DynamoDB" },
    );
  }
}

// The SDK's waiter polls every 20 s at least; dynalite flips to ACTIVE within milliseconds.
async function waitUntilActive(
  client: DynamoDBClient,
  tableName: string,
  timeoutMs = 10_000,
): Promise<TableDescription> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { Table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
    if (Table?.TableStatus === "ACTIVE") return Table;
    if (Date.now() > deadline) {
      throw new LocalStackError(
        "START_FAILED",
        `Table ${tableName} is still ${Table?.TableStatus} after ${timeoutMs} ms; if a stack was killed while creating it, delete the --persist directory`,
        { service: "DynamoDB" },
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

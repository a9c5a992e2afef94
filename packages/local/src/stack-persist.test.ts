import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  CreateTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
} from "@aws-sdk/client-dynamodb";
import { TableSchema } from "@signoff/core";
import { createTableInput } from "@signoff/functions";
import { afterAll, describe, expect, it } from "vitest";
import { LocalStackError } from "./errors.ts";
import { startStack } from "./stack.ts";
import type { Stack } from "./stack-types.ts";
import { FREE_PORTS, withStackEnv } from "./test-helpers.ts";

const key = { pk: { S: "A#persist-test" }, sk: { S: "APPROVAL" } };

function start(persistDir?: string): Promise<Stack> {
  return startStack({
    ports: FREE_PORTS,
    ...(persistDir ? { persistDir } : {}),
  });
}

async function withClient<T>(stack: Stack, fn: (client: DynamoDBClient) => Promise<T>): Promise<T> {
  return withStackEnv(stack.env, async () => {
    const client = new DynamoDBClient({});
    try {
      return await fn(client);
    } finally {
      client.destroy();
    }
  });
}

describe("startStack with persistDir", () => {
  const dirs: string[] = [];
  afterAll(async () => {
    await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
  });

  it("keeps DynamoDB data across a restart with the same directory", async () => {
    const dir = await mkdtemp(join(tmpdir(), "signoff-persist-"));
    dirs.push(dir);

    const first = await start(join(dir, "data"));
    try {
      await withClient(first, (client) =>
        client.send(
          new PutItemCommand({ TableName: first.tableName, Item: { ...key, note: { S: "kept" } } }),
        ),
      );
    } finally {
      await first.stop();
    }

    // The table already exists in the directory; starting again must accept it.
    const second = await start(join(dir, "data"));
    try {
      const { Item } = await withClient(second, (client) =>
        client.send(new GetItemCommand({ TableName: second.tableName, Key: key })),
      );
      expect(Item?.note).toEqual({ S: "kept" });
    } finally {
      await second.stop();
    }
  });

  it("refuses a kept table that lacks the indexes, naming them and saying what to do", async () => {
    const dir = await mkdtemp(join(tmpdir(), "signoff-persist-"));
    dirs.push(dir);
    const first = await start(dir);
    try {
      await withClient(first, async (client) => {
        await client.send(
          new CreateTableCommand({
            TableName: "legacy",
            BillingMode: "PAY_PER_REQUEST",
            AttributeDefinitions: [{ AttributeName: "pk", AttributeType: "S" }],
            KeySchema: [{ AttributeName: "pk", KeyType: "HASH" }],
          }),
        );
        // Stopping before dynalite marks the table ACTIVE would leave it CREATING for good.
        for (;;) {
          const { Table } = await client.send(new DescribeTableCommand({ TableName: "legacy" }));
          if (Table?.TableStatus === "ACTIVE") break;
          await new Promise((resolve) => setTimeout(resolve, 10));
        }
      });
    } finally {
      await first.stop();
    }

    const error = await startStack({
      ports: FREE_PORTS,
      persistDir: dir,
      tableName: "legacy",
    }).then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(LocalStackError);
    expect((error as LocalStackError).message).toBe(
      'Table legacy exists without the "due", "execution", "list" and "list-status" indexes; delete the --persist directory or use another',
    );
  });

  it("refuses a kept table from before the listing indexes, naming only those", async () => {
    const dir = await mkdtemp(join(tmpdir(), "signoff-persist-"));
    dirs.push(dir);
    const first = await start(dir);
    try {
      await withClient(first, async (client) => {
        // The table as createTableInput made it before the listing indexes existed.
        const current = createTableInput("older");
        const { listIndex, listStatusIndex } = TableSchema;
        const listing = [listIndex, listStatusIndex];
        const listingKeys: string[] = listing.flatMap((index) => [
          index.partitionKey,
          index.sortKey,
        ]);
        await client.send(
          new CreateTableCommand({
            ...current,
            AttributeDefinitions: current.AttributeDefinitions!.filter(
              (definition) => !listingKeys.includes(definition.AttributeName!),
            ),
            GlobalSecondaryIndexes: current.GlobalSecondaryIndexes!.filter(
              (index) => !listing.some((listed) => listed.name === index.IndexName),
            ),
          }),
        );
        for (;;) {
          const { Table } = await client.send(new DescribeTableCommand({ TableName: "older" }));
          if (Table?.TableStatus === "ACTIVE") break;
          await new Promise((resolve) => setTimeout(resolve, 10));
        }
      });
    } finally {
      await first.stop();
    }

    const error = await startStack({ ports: FREE_PORTS, persistDir: dir, tableName: "older" }).then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(LocalStackError);
    expect((error as LocalStackError).message).toBe(
      'Table older exists without the "list" and "list-status" indexes; delete the --persist directory or use another',
    );
  });

  it("starts empty again when no directory is given", async () => {
    const first = await start();
    try {
      await withClient(first, (client) =>
        client.send(new PutItemCommand({ TableName: first.tableName, Item: key })),
      );
    } finally {
      await first.stop();
    }
    const second = await start();
    try {
      const { Item } = await withClient(second, (client) =>
        client.send(new GetItemCommand({ TableName: second.tableName, Key: key })),
      );
      expect(Item).toBeUndefined();
    } finally {
      await second.stop();
    }
  });
});

/**
 * `npm run capacity`'s meter (bench/capacity-meter.ts) against dynalite: what DynamoDB charges
 * each partition of the table and of its indexes, from item sizes, for writes and reads made
 * through a metered document client.
 */
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import {
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
} from "@aws-sdk/lib-dynamodb";
import { createTableInput } from "@signoff/functions";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { meterDynamo } from "../bench/capacity-meter.ts";
import {
  type DynamoEmulator,
  startDynamo,
  TEST_AWS,
} from "../packages/functions/src/test-support/emulators.ts";

let dynamo: DynamoEmulator;
let tableName: string;

beforeAll(async () => {
  dynamo = await startDynamo();
  tableName = await dynamo.createTable();
});

afterAll(async () => {
  await dynamo?.stop();
});

describe("the capacity meter", () => {
  it("charges a write by its size in the table, and in each index only what it projects", async () => {
    // Its own client: the meter stays on it, not on the emulator's shared one.
    const client = new DynamoDBClient({ ...TEST_AWS, endpoint: dynamo.endpoint });
    const documents = DynamoDBDocumentClient.from(client);
    const meter = meterDynamo(documents, dynamo.client, createTableInput(tableName));
    try {
      // 1. A 2.5 KB approval item, due: 3 WCU in the table, 1 in the keys-only due index.
      const item = {
        pk: "A#m1",
        sk: "APPROVAL",
        dueKey: "DUE#7",
        dueAt: 1_000,
        padding: "x".repeat(2_500),
      };
      await documents.send(new PutCommand({ TableName: tableName, Item: item }));
      expect(meter.take()).toEqual([
        { target: "table", partition: "A#m1", wcu: 3, rcu: 0 },
        { target: "due", partition: "DUE#7", wcu: 1, rcu: 0 },
      ]);

      // 2. Moving dueAt moves the index entry: a delete and a put there.
      await documents.send(
        new UpdateCommand({
          TableName: tableName,
          Key: { pk: "A#m1", sk: "APPROVAL" },
          UpdateExpression: "SET dueAt = :at",
          ExpressionAttributeValues: { ":at": 2_000 },
        }),
      );
      expect(meter.take().filter((u) => u.target === "due")).toEqual([
        { target: "due", partition: "DUE#7", wcu: 1, rcu: 0 },
        { target: "due", partition: "DUE#7", wcu: 1, rcu: 0 },
      ]);

      // 3. A field the index does not project costs it nothing.
      await documents.send(
        new UpdateCommand({
          TableName: tableName,
          Key: { pk: "A#m1", sk: "APPROVAL" },
          UpdateExpression: "SET padding = :pad",
          ExpressionAttributeValues: { ":pad": "y".repeat(5_000) },
        }),
      );
      expect(meter.take()).toEqual([{ target: "table", partition: "A#m1", wcu: 5, rcu: 0 }]);

      // 4. Reads: a consistent 5 KB item is 2 RCU; an index query half a unit per 4 KB.
      await documents.send(
        new GetCommand({
          TableName: tableName,
          Key: { pk: "A#m1", sk: "APPROVAL" },
          ConsistentRead: true,
        }),
      );
      await documents.send(
        new QueryCommand({
          TableName: tableName,
          IndexName: "due",
          KeyConditionExpression: "#k = :k AND #at <= :now",
          ExpressionAttributeNames: { "#k": "dueKey", "#at": "dueAt" },
          ExpressionAttributeValues: { ":k": "DUE#7", ":now": 5_000 },
        }),
      );
      expect(meter.take()).toEqual([
        { target: "table", partition: "A#m1", wcu: 0, rcu: 2 },
        { target: "due", partition: "DUE#7", wcu: 0, rcu: 0.5 },
      ]);
    } finally {
      client.destroy();
    }
  });
});

/**
 * Reading a whole Query: every page, following `LastEvaluatedKey`, for the small per-approval
 * (or per-execution) item sets the store reads in full.
 */
import {
  type DynamoDBDocumentClient,
  QueryCommand,
  type QueryCommandInput,
} from "@aws-sdk/lib-dynamodb";
import type { Item } from "./dynamo-approval-item.ts";

/** Every item `input` matches, in the Query's order, one page after another. */
export async function queryAllItems(
  client: DynamoDBDocumentClient,
  input: Omit<QueryCommandInput, "ExclusiveStartKey">,
): Promise<Item[]> {
  const items: Item[] = [];
  let startKey: Item | undefined;
  do {
    const page = await client.send(new QueryCommand({ ...input, ExclusiveStartKey: startKey }));
    items.push(...(page.Items ?? []));
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  return items;
}

/**
 * The webhook outbox over DynamoDB: one item per queued message in its approval's partition,
 * `sk = "WH#<seq>"` (the audit event's sequence number), carrying `dueKey`/`dueAt` while PENDING
 * so the sweeper finds it in the same sharded due index as approvals. Items are put only if
 * absent, so queueing the same event again (a tail written out twice) changes nothing.
 */
import { type DynamoDBDocumentClient, PutCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import {
  dueKeyOf,
  TableSchema,
  type WebhookDelivery,
  type WebhookDeliveryKey,
  type WebhookOutbox,
} from "@signoff/core";
import { approvalPartition, type Item, withoutUndefined } from "./dynamo-approval-item.ts";
import { isConditionFailed } from "./dynamo-expression.ts";
import { queryAllItems } from "./dynamo-query.ts";

const { partitionKey: PK, sortKey: SK } = TableSchema;
const { partitionKey: DUE_KEY, sortKey: DUE_AT } = TableSchema.dueIndex;

/** Every outbox item's sort key starts with this. */
export const WEBHOOK_SORT_PREFIX = "WH#";

/** `WH#0000000042`, zero-padded as event sort keys are. */
export function webhookSortKey(seq: number): string {
  return `${WEBHOOK_SORT_PREFIX}${String(seq).padStart(10, "0")}`;
}

function webhookKey(key: WebhookDeliveryKey): Item {
  return { [PK]: approvalPartition(key.approvalId), [SK]: webhookSortKey(key.seq) };
}

/** True for an outbox item's sort key (the due index holds approvals and outbox items). */
export function isWebhookItem(item: Item): boolean {
  return typeof item[SK] === "string" && (item[SK] as string).startsWith(WEBHOOK_SORT_PREFIX);
}

/** The delivery as an item, in its approval's due shard. */
export function toWebhookItem(delivery: WebhookDelivery, dueShards: number): Item {
  const { dueAt, ...rest } = withoutUndefined(delivery);
  return {
    ...rest,
    ...webhookKey(delivery),
    ...(dueAt === undefined
      ? {}
      : { [DUE_KEY]: dueKeyOf(delivery.approvalId, dueShards), [DUE_AT]: dueAt }),
  };
}

export function fromWebhookItem(item: Item): WebhookDelivery {
  const { [PK]: _pk, [SK]: _sk, [DUE_KEY]: _dueKey, ...delivery } = item;
  return delivery as unknown as WebhookDelivery;
}

export interface DynamoWebhookOutbox extends WebhookOutbox {
  /** Puts each delivery's item unless it exists; side by side, one conditional PutItem each. */
  queue(deliveries: readonly WebhookDelivery[]): Promise<void>;
}

/** The outbox over `tableName`, in the due index's `dueShards` shards. */
export function createDynamoWebhookOutbox(options: {
  client: DynamoDBDocumentClient;
  tableName: string;
  dueShards: number;
}): DynamoWebhookOutbox {
  const { client, tableName, dueShards } = options;

  async function update(
    key: WebhookDeliveryKey,
    input: Omit<ConstructorParameters<typeof UpdateCommand>[0], "TableName" | "Key">,
  ): Promise<WebhookDelivery | undefined> {
    try {
      const { Attributes: item } = await client.send(
        new UpdateCommand({
          ...input,
          TableName: tableName,
          Key: webhookKey(key),
          ReturnValues: "ALL_NEW",
        }),
      );
      return item ? fromWebhookItem(item) : undefined;
    } catch (error) {
      if (isConditionFailed(error)) return undefined;
      throw error;
    }
  }

  return {
    async queue(deliveries) {
      await Promise.all(
        deliveries.map(async (delivery) => {
          try {
            await client.send(
              new PutCommand({
                TableName: tableName,
                Item: toWebhookItem(delivery, dueShards),
                ConditionExpression: "attribute_not_exists(#pk)",
                ExpressionAttributeNames: { "#pk": PK },
              }),
            );
          } catch (error) {
            // Queued before: that item, and how far its delivery got, stays as it is.
            if (!isConditionFailed(error)) throw error;
          }
        }),
      );
    },

    claimWebhook(key, attempt, retryAt) {
      return update(key, {
        UpdateExpression: "SET #attempts = :attempt, #dueKey = :dueKey, #dueAt = :retryAt",
        ConditionExpression: "#state = :pending AND #attempts = :previous",
        ExpressionAttributeNames: {
          "#attempts": "attempts",
          "#state": "state",
          "#dueKey": DUE_KEY,
          "#dueAt": DUE_AT,
        },
        ExpressionAttributeValues: {
          ":attempt": attempt,
          ":previous": attempt - 1,
          ":pending": "PENDING",
          ":dueKey": dueKeyOf(key.approvalId, dueShards),
          ":retryAt": retryAt,
        },
      });
    },

    async finishWebhook(key, attempt, result) {
      const ending = result.state !== "PENDING";
      const set = ["#delivered = :delivered", "#state = :state"];
      if (result.error !== undefined) set.push("#lastError = :error");
      const updated = await update(key, {
        UpdateExpression: `SET ${set.join(", ")}${ending ? " REMOVE #dueKey, #dueAt" : ""}`,
        ConditionExpression: "#state = :pending AND #attempts = :attempt",
        ExpressionAttributeNames: {
          "#delivered": "delivered",
          "#state": "state",
          "#attempts": "attempts",
          ...(result.error !== undefined && { "#lastError": "lastError" }),
          ...(ending && { "#dueKey": DUE_KEY, "#dueAt": DUE_AT }),
        },
        ExpressionAttributeValues: {
          ":delivered": result.delivered,
          ":state": result.state,
          ":pending": "PENDING",
          ":attempt": attempt,
          ...(result.error !== undefined && { ":error": result.error.slice(0, 1_000) }),
        },
      });
      return updated !== undefined;
    },

    async listWebhooks(approvalId) {
      const items = await queryAllItems(client, {
        TableName: tableName,
        KeyConditionExpression: "#pk = :pk AND begins_with(#sk, :prefix)",
        ExpressionAttributeNames: { "#pk": PK, "#sk": SK },
        ExpressionAttributeValues: {
          ":pk": approvalPartition(approvalId),
          ":prefix": WEBHOOK_SORT_PREFIX,
        },
        ConsistentRead: true,
      });
      return items.map(fromWebhookItem);
    },

    async requeueWebhook(key, dueAt) {
      const updated = await update(key, {
        UpdateExpression:
          "SET #state = :pending, #attempts = :zero, #dueKey = :dueKey, #dueAt = :dueAt, #replays = if_not_exists(#replays, :zero) + :one",
        ConditionExpression: "#state = :gaveUp",
        ExpressionAttributeNames: {
          "#state": "state",
          "#attempts": "attempts",
          "#dueKey": DUE_KEY,
          "#dueAt": DUE_AT,
          "#replays": "replays",
        },
        ExpressionAttributeValues: {
          ":pending": "PENDING",
          ":gaveUp": "GAVE_UP",
          ":zero": 0,
          ":one": 1,
          ":dueKey": dueKeyOf(key.approvalId, dueShards),
          ":dueAt": dueAt,
        },
      });
      return updated !== undefined;
    },
  };
}

/**
 * Hands due-index shards to other sweeper invocations through an SQS FIFO queue: one message
 * per shard, grouped by shard, so Lambda runs the shards side by side while never two invocations
 * on one shard at once, however often a busy shard is handed on.
 */
import { randomUUID } from "node:crypto";
import { SendMessageBatchCommand, type SQSClient } from "@aws-sdk/client-sqs";
import { ShardQueueError } from "./errors.ts";

/** What one message says: sweep this shard. */
export interface ShardMessage {
  shard: string;
}

export interface ShardQueue {
  /** Sends one message per shard; throws ShardQueueError naming any SQS did not take. */
  handOff(shards: readonly string[]): Promise<void>;
}

// SendMessageBatch takes at most 10 messages.
const BATCH = 10;

/** The queue at `queueUrl` (a FIFO queue; infra/queues.ts). */
export function createSqsShardQueue(options: { client: SQSClient; queueUrl: string }): ShardQueue {
  const { client, queueUrl } = options;
  return {
    async handOff(shards) {
      const failed: string[] = [];
      for (let i = 0; i < shards.length; i += BATCH) {
        const batch = shards.slice(i, i + BATCH);
        const result = await client.send(
          new SendMessageBatchCommand({
            QueueUrl: queueUrl,
            Entries: batch.map((shard, n) => ({
              Id: String(n),
              MessageBody: JSON.stringify({ shard } satisfies ShardMessage),
              // One group per shard: its messages are handled one after another.
              MessageGroupId: shard,
              // Every hand-off is new work; the group, not deduplication, keeps shards apart.
              MessageDeduplicationId: randomUUID(),
            })),
          }),
        );
        for (const entry of result.Failed ?? []) failed.push(batch[Number(entry.Id)] ?? "?");
      }
      if (failed.length > 0) {
        throw new ShardQueueError(`SQS did not take the hand-off of ${failed.join(", ")}`, failed);
      }
    },
  };
}

/** The shards named by an SQS event's records; a record that names none is skipped. */
export function readShardMessages(records: readonly { body: string }[]): string[] {
  const shards: string[] = [];
  for (const record of records) {
    try {
      const message = JSON.parse(record.body) as Partial<ShardMessage>;
      if (typeof message.shard === "string") shards.push(message.shard);
    } catch {
      // Not one of ours; nothing to sweep.
    }
  }
  return shards;
}

/**
 * The ApprovalStore port over DynamoDB (lib-dynamodb). Every state change is one conditional
 * write: no transactions, and no ReturnValuesOnConditionCheckFailure (dynalite has neither), so
 * after a lost condition a consistent read tells the caller what it lost to.
 */
import { setTimeout as sleep } from "node:timers/promises";
import {
  BatchGetCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
  type UpdateCommandInput,
} from "@aws-sdk/lib-dynamodb";
import {
  type AppendAlso,
  type Approval,
  type ApprovalStore,
  type AuditAppend,
  type AuditEvent,
  type AuditEventInput,
  type AuditHead,
  type CallbackFinish,
  type CommitDecisionResult,
  chainAuditEvent,
  DEFAULT_DUE_SHARDS,
  type DecisionCommit,
  type DuePage,
  dueKeyOf,
  dueKeys,
  extendAuditHead,
  MAX_EMAIL_PROBLEMS,
  mergeAuditTrail,
  planWebhookDeliveries,
  type ScheduleClaim,
  type Settlement,
  type SettleResult,
  TableSchema,
  type WebhookDelivery,
} from "@signoff/core";
import {
  approvalKey,
  approvalPartition,
  decodeCursor,
  EVENT_SORT_PREFIX,
  encodeCursor,
  fromApprovalItem,
  fromEventItem,
  type Item,
  toApprovalItem,
  toEventItem,
  VIEW_SORT_PREFIX,
  withoutUndefined,
} from "./dynamo-approval-item.ts";
import { createDynamoListing } from "./dynamo-approval-listing.ts";
import {
  type ExpressionAttribute,
  expressionNames,
  isConditionFailed,
} from "./dynamo-expression.ts";
import { queryAllItems } from "./dynamo-query.ts";
import {
  createDynamoWebhookOutbox,
  fromWebhookItem,
  isWebhookItem,
} from "./dynamo-webhook-outbox.ts";
import { ApprovalStoreError } from "./errors.ts";

export interface DynamoApprovalStoreOptions {
  client: DynamoDBDocumentClient;
  tableName: string;
  /** How often appendEvent re-reads and retries after losing a race for the next sequence number. */
  maxAppendAttempts?: number;
  /** The due index's shard count (SIGNOFF_DUE_SHARDS); DEFAULT_DUE_SHARDS unless given. */
  dueShards?: number;
  /** When webhook messages are queued (their first `dueAt`); the system clock unless given. */
  clock?: () => Date;
}

// BatchGetItem takes up to 100 keys; DynamoDB may leave some unprocessed under load.
const BATCH_GET_LIMIT = 100;
const MAX_BATCH_GET_ROUNDS = 8;
// Conditions only fail for reasons a re-read explains; a few rounds covers a racing writer.
const MAX_EXPLAIN_ATTEMPTS = 3;
const DEFAULT_APPEND_ATTEMPTS = 25;
// Operators read callbackError; keep it an item field, not a dump.
const MAX_CALLBACK_ERROR_LENGTH = 1_000;
/**
 * A plain append (appendEvents) that finds at least this many events in the tail first writes
 * them as event items and drops them, so the approval item stays small. The decide path never
 * flushes first: its batch after the callback writes the tail, and the write that finishes the
 * callback drops it.
 */
export const AUDIT_TAIL_FLUSH_AT = 8;

/** Appends Slack messages to the approval's list (see `AppendAlso`). */
const slackMessagesSet =
  "#slackMessages = list_append(if_not_exists(#slackMessages, :noSlackMessages), :slackMessages)";

/** Creates the DynamoDB-backed ApprovalStore. */
export function createDynamoApprovalStore(options: DynamoApprovalStoreOptions): ApprovalStore {
  const { client, tableName } = options;
  const maxAppendAttempts = options.maxAppendAttempts ?? DEFAULT_APPEND_ATTEMPTS;
  const dueShards = options.dueShards ?? DEFAULT_DUE_SHARDS;
  const shardKeys = dueKeys(dueShards);
  const dueKeyFor = (id: string) => dueKeyOf(id, dueShards);
  const listing = createDynamoListing({ client, tableName });
  const clock = options.clock ?? (() => new Date());
  const outbox = createDynamoWebhookOutbox({ client, tableName, dueShards });

  /** Queues the webhook messages of `events` (webhooks.ts); nothing when it names no URLs. */
  async function queueWebhooks(approval: Approval, events: readonly AuditEvent[]): Promise<void> {
    const deliveries = planWebhookDeliveries(approval, events, clock());
    if (deliveries.length > 0) await outbox.queue(deliveries);
  }

  /**
   * Rewrites the listing entries after the approval's status or approvers changed. The change
   * itself is already stored, so a failure here must not undo it in the caller's eyes: a listing
   * that meets the stale entry repairs it.
   */
  async function relist(approval: Approval): Promise<boolean> {
    const tail = approval.audit?.tail ?? [];
    try {
      // The webhook messages of the tail are queued beside the batch that writes it out, so a
      // later write may drop the tail only once they are queued too.
      await Promise.all([
        listing.write(approval, tail.map(toEventItem)),
        queueWebhooks(approval, tail),
      ]);
      return true;
    } catch {
      // Left to the listing's repair (see dynamo-approval-listing.ts); the tail stays on the item.
      return false;
    }
  }

  /**
   * What a write that chains `append.events` onto the approval's audit head adds to its update:
   * `SET #audit = :audit`, conditioned on the head the caller saw. An approval stored before
   * heads existed chains onto its last event item (one Query), only if it still has no head.
   */
  async function auditClause(id: string, append: AuditAppend) {
    let seen = append.head;
    let tailStored = append.tailStored ?? false;
    if (seen === undefined) {
      const last = await lastEvent(id);
      seen = last ? { seq: last.seq, hash: last.hash, tail: [] } : undefined;
      tailStored = false;
    }
    const { events, head } = extendAuditHead(seen, id, append.events, tailStored);
    return {
      events,
      head,
      set: "#audit = :audit",
      condition:
        append.head === undefined ? "attribute_not_exists(#audit)" : "#audit.#auditSeq = :auditSeq",
      names: {
        ...expressionNames("audit"),
        ...(append.head === undefined ? {} : { "#auditSeq": "seq" }),
      },
      values: {
        ":audit": withoutUndefined(head),
        ...(append.head === undefined ? {} : { ":auditSeq": append.head.seq }),
      } as Item,
    };
  }

  /**
   * Appends events with one conditional write of the approval item (after writing out a tail
   * grown to AUDIT_TAIL_FLUSH_AT); re-reads when another head write won. Undefined when no
   * approval has this id.
   */
  async function appendToHead(
    approvalId: string,
    inputs: readonly AuditEventInput[],
    seen: Approval | undefined,
    also: AppendAlso = {},
  ): Promise<{ approval: Approval; events: AuditEvent[] } | undefined> {
    const slackMessages = also.slackMessages ?? [];
    const alsoSet = slackMessages.length > 0 ? [slackMessagesSet] : [];
    let current = seen ?? (await get(approvalId));
    for (let attempt = 1; attempt <= maxAppendAttempts; attempt++) {
      if (current === undefined) return undefined;
      const head: AuditHead | undefined = current.audit;
      let tailStored = false;
      if (head !== undefined && head.tail.length >= AUDIT_TAIL_FLUSH_AT) {
        await Promise.all([
          listing.putItems(head.tail.map(toEventItem)),
          queueWebhooks(current, head.tail),
        ]);
        tailStored = true;
      }
      const clause = await auditClause(approvalId, {
        head,
        events: [...inputs],
        tailStored,
      });
      const approval = await update(approvalId, {
        UpdateExpression: `SET ${[clause.set, ...alsoSet].join(", ")}`,
        ConditionExpression: `attribute_exists(#pk) AND ${clause.condition}`,
        ExpressionAttributeNames: {
          ...expressionNames("pk", ...(alsoSet.length > 0 ? (["slackMessages"] as const) : [])),
          ...clause.names,
        },
        ExpressionAttributeValues: {
          ...clause.values,
          ...(alsoSet.length > 0 && {
            ":slackMessages": slackMessages.map(withoutUndefined),
            ":noSlackMessages": [],
          }),
        },
      });
      if (approval) return { approval, events: clause.events };
      await sleep(Math.random() * 10 * Math.min(attempt, 5));
      current = await get(approvalId);
    }
    throw new ApprovalStoreError("contention", "Could not append the audit event", {
      approvalId,
    });
  }

  async function get(id: string): Promise<Approval | undefined> {
    const { Item: item } = await client.send(
      new GetCommand({ TableName: tableName, Key: approvalKey(id), ConsistentRead: true }),
    );
    return item ? fromApprovalItem(item) : undefined;
  }

  /** One conditional UpdateItem; the new approval when the condition held, undefined when not. */
  async function update(
    id: string,
    input: Omit<UpdateCommandInput, "TableName" | "Key" | "ReturnValues">,
  ): Promise<Approval | undefined> {
    try {
      const { Attributes: item } = await client.send(
        new UpdateCommand({
          ...input,
          TableName: tableName,
          Key: approvalKey(id),
          ReturnValues: "ALL_NEW",
        }),
      );
      if (!item) {
        throw new ApprovalStoreError("inconsistent", "Update returned no item", { approvalId: id });
      }
      return fromApprovalItem(item);
    } catch (error) {
      if (isConditionFailed(error)) return undefined;
      throw error;
    }
  }

  /**
   * One conditional UpdateItem whose caller needs only to know whether it held: nothing comes
   * back (no ALL_NEW item to send, parse and convert).
   */
  async function updateOnly(
    id: string,
    input: Omit<UpdateCommandInput, "TableName" | "Key" | "ReturnValues">,
  ): Promise<boolean> {
    try {
      await client.send(
        new UpdateCommand({ ...input, TableName: tableName, Key: approvalKey(id) }),
      );
      return true;
    } catch (error) {
      if (isConditionFailed(error)) return false;
      throw error;
    }
  }

  /** The key condition of an approval's audit events: its partition, `EVT#` sort keys. */
  function eventsOf(approvalId: string) {
    return {
      TableName: tableName,
      KeyConditionExpression: "#pk = :pk AND begins_with(#sk, :prefix)",
      ExpressionAttributeNames: expressionNames("pk", "sk"),
      ExpressionAttributeValues: {
        ":pk": approvalPartition(approvalId),
        ":prefix": EVENT_SORT_PREFIX,
      },
    };
  }

  async function lastEvent(approvalId: string): Promise<AuditEvent | undefined> {
    const { Items: items } = await client.send(
      new QueryCommand({
        ...eventsOf(approvalId),
        ScanIndexForward: false,
        Limit: 1,
        ConsistentRead: true,
      }),
    );
    const item = items?.[0];
    return item ? fromEventItem(item) : undefined;
  }

  /**
   * One conditional write ending the callback attempt, with `audit`'s events chained on. False
   * when the attempt is no longer the latest claim (or done); `auditMoved` (the approval read
   * back) when only the audit head changed since the caller saw it.
   */
  async function finishCallbackOnce(
    id: string,
    attempt: number,
    finish: CallbackFinish,
    append: AuditAppend | undefined,
  ): Promise<boolean | { auditMoved: Approval }> {
    const set = ["#callback = :callback"];
    const values: Item = {
      ":callback": finish.callback,
      ":attempt": attempt,
      ":pending": "PENDING",
    };
    const used: ExpressionAttribute[] = ["callback", "callbackAttempts", "dueKey", "dueAt"];
    if (finish.outcome) {
      set.push(
        "#outcome = :outcome",
        "#status = :status",
        "#version = if_not_exists(#version, :zero) + :one",
      );
      Object.assign(values, {
        ":outcome": withoutUndefined(finish.outcome),
        ":status": finish.outcome.status,
        ":zero": 0,
        ":one": 1,
      });
      used.push("outcome", "status", "version");
    }
    if (finish.error !== undefined) {
      set.push("#callbackError = :error");
      values[":error"] = finish.error.slice(0, MAX_CALLBACK_ERROR_LENGTH);
      used.push("callbackError");
    }
    const audit = append && (await auditClause(id, append));
    if (audit) set.push(audit.set);
    const finishing = {
      UpdateExpression: `SET ${set.join(", ")} REMOVE #dueKey, #dueAt`,
      ConditionExpression: `#callbackAttempts = :attempt AND #callback = :pending${audit ? ` AND ${audit.condition}` : ""}`,
      ExpressionAttributeNames: { ...expressionNames(...used), ...audit?.names },
      ExpressionAttributeValues: { ...values, ...audit?.values },
    };
    if (finish.outcome) {
      // Listings follow an outcome this write replaced (EXPIRED or CANCELLED from a closed task),
      // so that write reads the approval back; the settled status itself was listed by the
      // sender, beside its SendTask* call, so the usual finish needs nothing back.
      const approval = await update(id, finishing);
      if (approval) {
        await relist(approval);
        return true;
      }
    } else if (await updateOnly(id, finishing)) {
      return true;
    }
    if (audit === undefined) return false;
    const stored = await get(id);
    return stored?.callback === "PENDING" && stored.callbackAttempts === attempt
      ? { auditMoved: stored }
      : false;
  }

  /**
   * One page of a due shard: the keys-only index says which approvals are due, and one
   * consistent BatchGetItem reads them, oldest due first. An approval whose stored `dueAt` has
   * moved past `now` since the index was written (it is eventually consistent) is left out.
   */
  async function listDueShard(
    dueKey: string,
    now: number,
    limit: number,
    startKey: Item | undefined,
  ): Promise<{
    approvals: Approval[];
    webhooks: WebhookDelivery[];
    read: number;
    lastKey?: Item;
  }> {
    // The key condition, not a filter, bounds the read: only items due by "now" are touched.
    const page = await client.send(
      new QueryCommand({
        TableName: tableName,
        IndexName: TableSchema.dueIndex.name,
        KeyConditionExpression: "#dueKey = :due AND #dueAt <= :now",
        ExpressionAttributeNames: expressionNames("dueKey", "dueAt"),
        ExpressionAttributeValues: { ":due": dueKey, ":now": now },
        Limit: limit,
        ExclusiveStartKey: startKey,
      }),
    );
    const keys = (page.Items ?? []).map((item) => ({
      [TableSchema.partitionKey]: item[TableSchema.partitionKey],
      [TableSchema.sortKey]: item[TableSchema.sortKey],
    }));
    const items = await batchGet(keys);
    // Webhook outbox items share the index (dynamo-webhook-outbox.ts).
    const webhooks = items
      .filter(isWebhookItem)
      .map(fromWebhookItem)
      .filter((delivery) => delivery.dueAt !== undefined && delivery.dueAt <= now);
    const approvals = items
      .filter((item) => !isWebhookItem(item))
      .map(fromApprovalItem)
      .filter((approval) => approval.dueAt !== undefined && approval.dueAt <= now)
      .sort((a, b) => a.dueAt! - b.dueAt!);
    return {
      approvals,
      webhooks,
      read: page.ScannedCount ?? page.Items?.length ?? 0,
      ...(page.LastEvaluatedKey && { lastKey: page.LastEvaluatedKey }),
    };
  }

  /** The items at `keys`, read consistently, 100 per BatchGetItem, retrying unprocessed keys. */
  async function batchGet(keys: Item[]): Promise<Item[]> {
    const items: Item[] = [];
    for (let i = 0; i < keys.length; i += BATCH_GET_LIMIT) {
      let pending = keys.slice(i, i + BATCH_GET_LIMIT);
      for (let round = 1; pending.length > 0; round++) {
        if (round > MAX_BATCH_GET_ROUNDS) {
          throw new ApprovalStoreError("contention", "BatchGetItem kept keys unprocessed");
        }
        if (round > 1) await sleep(Math.random() * 10 * round);
        const result = await client.send(
          new BatchGetCommand({
            RequestItems: { [tableName]: { Keys: pending, ConsistentRead: true } },
          }),
        );
        items.push(...(result.Responses?.[tableName] ?? []));
        pending = (result.UnprocessedKeys?.[tableName]?.Keys ?? []) as Item[];
      }
    }
    return items;
  }

  return {
    async create(approval) {
      // Entries first: a stored approval is then always listed (entries without an approval are
      // skipped by listings, and the retried request that creates it finds them in place).
      await listing.write(approval);
      try {
        await client.send(
          new PutCommand({
            TableName: tableName,
            Item: toApprovalItem(approval, dueShards),
            ConditionExpression: "attribute_not_exists(#pk)",
            ExpressionAttributeNames: expressionNames("pk"),
          }),
        );
        return { ok: true, approval: withoutUndefined(approval) };
      } catch (error) {
        if (!isConditionFailed(error)) throw error;
      }
      // Approvals are never deleted, so a failed attribute_not_exists means one is stored.
      const stored = await get(approval.id);
      if (!stored) {
        throw new ApprovalStoreError("inconsistent", "Approval exists but cannot be read", {
          approvalId: approval.id,
        });
      }
      // A retried request: the stored approval may have moved on since its entries were written.
      await relist(stored);
      return { ok: false, reason: "exists", approval: stored };
    },

    get,

    async countRequestAttempt(id) {
      // Approvals stored before attempts were counted had one attempt already.
      return update(id, {
        UpdateExpression: "SET #requestAttempts = if_not_exists(#requestAttempts, :one) + :one",
        ConditionExpression: "attribute_exists(#pk)",
        ExpressionAttributeNames: expressionNames("requestAttempts", "pk"),
        ExpressionAttributeValues: { ":one": 1 },
      });
    },

    async commitDecision(id, commit: DecisionCommit): Promise<CommitDecisionResult> {
      const { decision, settlement } = commit;
      const set = ["#decisions.#approver = :decision", "#version = :nextVersion"];
      const values: Item = {
        ":decision": withoutUndefined(decision),
        ":nextVersion": commit.version + 1,
        ":version": commit.version,
        ":pending": "PENDING",
      };
      const used: ExpressionAttribute[] = ["decisions", "version", "status"];
      let remove = "";
      if (settlement !== undefined) {
        remove = settlementExpression(settlement, set, values, used, dueKeyFor(id));
      } else if (commit.dueAt !== undefined) {
        // Earlier than the schedule: the sweeper queues this decision's webhook message.
        set.push("#dueKey = :dueKey", "#dueAt = :dueAt");
        used.push("dueKey", "dueAt");
        Object.assign(values, { ":dueKey": dueKeyFor(id), ":dueAt": commit.dueAt });
      }
      // The decision's audit events move the chain head in this same write: no Query, no Put.
      const audit = commit.audit && (await auditClause(id, commit.audit));
      if (audit) set.push(audit.set);
      const approval = await update(id, {
        UpdateExpression: `SET ${set.join(", ")}${remove}`,
        // Version 0 is also an approval stored before versions existed.
        ConditionExpression: `${commit.version === 0 ? "(attribute_not_exists(#version) OR #version = :version)" : "#version = :version"} AND #status = :pending AND attribute_not_exists(#decisions.#approver)${audit ? ` AND ${audit.condition}` : ""}`,
        ExpressionAttributeNames: {
          ...expressionNames(...used),
          // Emails are not valid in expressions, so the approver key goes in as a name.
          "#approver": decision.approver,
          ...audit?.names,
        },
        ExpressionAttributeValues: { ...values, ...audit?.values },
      });
      if (approval) return { ok: true, approval };
      const stored = await get(id);
      return stored
        ? { ok: false, reason: "conflict", approval: stored }
        : { ok: false, reason: "not-found" };
    },

    async settle(id, settlement: Settlement, append?: AuditAppend): Promise<SettleResult> {
      let chain = append;
      const rounds = chain ? maxAppendAttempts : MAX_EXPLAIN_ATTEMPTS;
      for (let attempt = 1; attempt <= rounds; attempt++) {
        const set = ["#version = if_not_exists(#version, :zero) + :one"];
        const values: Item = { ":pending": "PENDING", ":zero": 0, ":one": 1 };
        const used: ExpressionAttribute[] = ["version", "status"];
        const remove = settlementExpression(settlement, set, values, used, dueKeyFor(id));
        // The outcome's audit events move the chain head in this same write (as a decision's do).
        const audit = chain && (await auditClause(id, chain));
        if (audit) set.push(audit.set);
        const approval = await update(id, {
          UpdateExpression: `SET ${set.join(", ")}${remove}`,
          ConditionExpression: `#status = :pending${audit ? ` AND ${audit.condition}` : ""}`,
          ExpressionAttributeNames: { ...expressionNames(...used), ...audit?.names },
          ExpressionAttributeValues: { ...values, ...audit?.values },
        });
        if (approval) return { ok: true, approval };

        const stored = await get(id);
        if (!stored) return { ok: false, reason: "not-found" };
        if (stored.status !== "PENDING") {
          return { ok: false, reason: "not-pending", approval: stored };
        }
        // Still pending: the audit head moved (an event appended meanwhile); chain onto it.
        if (chain) chain = { head: stored.audit, events: chain.events };
      }
      throw new ApprovalStoreError("contention", "Could not settle the approval", {
        approvalId: id,
      });
    },

    async claimCallback(id, attempt, retryAt) {
      assertAttempt(attempt);
      return update(id, {
        UpdateExpression: "SET #callbackAttempts = :attempt, #dueKey = :dueKey, #dueAt = :retryAt",
        ConditionExpression: "#callback = :pending AND #callbackAttempts = :previous",
        ExpressionAttributeNames: expressionNames(
          "callbackAttempts",
          "dueKey",
          "dueAt",
          "callback",
        ),
        ExpressionAttributeValues: {
          ":attempt": attempt,
          ":previous": attempt - 1,
          ":dueKey": dueKeyFor(id),
          ":retryAt": retryAt,
          ":pending": "PENDING",
        },
      });
    },

    async failCallback(id, attempt, error) {
      assertAttempt(attempt);
      return updateOnly(id, {
        UpdateExpression: "SET #callbackError = :error",
        ConditionExpression: "#callbackAttempts = :attempt AND #callback = :pending",
        ExpressionAttributeNames: expressionNames("callbackError", "callbackAttempts", "callback"),
        ExpressionAttributeValues: {
          ":error": error.slice(0, MAX_CALLBACK_ERROR_LENGTH),
          ":attempt": attempt,
          ":pending": "PENDING",
        },
      });
    },

    async finishCallback(id, attempt, finish: CallbackFinish) {
      assertAttempt(attempt);
      let audit = finish.audit;
      for (let round = 1; round <= maxAppendAttempts; round++) {
        const finished = await finishCallbackOnce(id, attempt, finish, audit);
        if (typeof finished === "boolean" || audit === undefined) return finished === true;
        // Only the audit head moved (an event appended meanwhile): chain onto the new one.
        audit = { head: finished.auditMoved.audit, events: audit.events };
        await sleep(Math.random() * 10 * Math.min(round, 5));
      }
      throw new ApprovalStoreError("contention", "Could not finish the callback", {
        approvalId: id,
      });
    },

    async advanceSchedule(id, claim: ScheduleClaim) {
      const set = ["#dueKey = :dueKey", "#dueAt = :dueAt"];
      const conditions = ["#status = :pending", "#dueAt = :seenDueAt"];
      const used: ExpressionAttribute[] = ["dueKey", "dueAt", "status"];
      const values: Item = {
        ":dueKey": dueKeyFor(id),
        ":dueAt": claim.dueAt,
        ":pending": "PENDING",
        ":seenDueAt": claim.seenDueAt,
      };
      if (claim.reminder) {
        set.push("#reminderStep = :toStep");
        conditions.push(
          claim.reminder.from === 0
            ? "attribute_not_exists(#reminderStep)"
            : "#reminderStep = :fromStep",
        );
        used.push("reminderStep");
        values[":toStep"] = claim.reminder.to;
        if (claim.reminder.from !== 0) values[":fromStep"] = claim.reminder.from;
      }
      if (claim.escalation) {
        // The approvers are what the policy reads: a decision evaluated without them must retry.
        set.push(
          "#escalatedAt = :escalatedAt",
          "#approvers = list_append(#approvers, :add)",
          "#version = if_not_exists(#version, :zero) + :one",
        );
        conditions.push("attribute_not_exists(#escalatedAt)");
        used.push("escalatedAt", "approvers", "version");
        values[":escalatedAt"] = claim.escalation.at;
        values[":add"] = claim.escalation.add;
        values[":zero"] = 0;
        values[":one"] = 1;
      }
      if (claim.heartbeat) {
        set.push("#heartbeatAt = :heartbeatAt");
        conditions.push(
          claim.heartbeat.from === undefined
            ? "attribute_not_exists(#heartbeatAt)"
            : "#heartbeatAt = :heartbeatFrom",
        );
        used.push("heartbeatAt");
        values[":heartbeatAt"] = claim.heartbeat.at;
        if (claim.heartbeat.from !== undefined) values[":heartbeatFrom"] = claim.heartbeat.from;
      }
      const approval = await update(id, {
        UpdateExpression: `SET ${set.join(", ")}`,
        ConditionExpression: conditions.join(" AND "),
        ExpressionAttributeNames: expressionNames(...used),
        ExpressionAttributeValues: values,
      });
      // Escalated approvers are found by their own listings from now on.
      if (approval && claim.escalation) await relist(approval);
      return approval;
    },

    claimResend(id, at, notAfter) {
      return update(id, {
        UpdateExpression: "SET #lastResentAt = :at",
        ConditionExpression:
          "#status = :pending AND (attribute_not_exists(#lastResentAt) OR #lastResentAt <= :notAfter)",
        ExpressionAttributeNames: expressionNames("lastResentAt", "status"),
        ExpressionAttributeValues: { ":at": at, ":notAfter": notAfter, ":pending": "PENDING" },
      });
    },

    async claimView(approvalId, approver, at, windowMs) {
      try {
        await client.send(
          new PutCommand({
            TableName: tableName,
            Item: {
              [TableSchema.partitionKey]: approvalPartition(approvalId),
              [TableSchema.sortKey]: `${VIEW_SORT_PREFIX}${approver}`,
              viewedAt: at,
            },
            ConditionExpression: "attribute_not_exists(#pk) OR #viewedAt <= :before",
            ExpressionAttributeNames: { ...expressionNames("pk"), "#viewedAt": "viewedAt" },
            ExpressionAttributeValues: { ":before": at - windowMs },
          }),
        );
        return true;
      } catch (error) {
        if (isConditionFailed(error)) return false;
        throw error;
      }
    },

    async recordEmailProblems(id, problems) {
      const eventId = problems[0]?.eventId;
      if (eventId === undefined || problems.some((problem) => problem.eventId !== eventId)) {
        throw new RangeError("recordEmailProblems takes one event's problems, at least one");
      }
      // Problems are only ever appended, so a list still as long as we read it is the list we
      // checked for this event: the write is conditioned on that length.
      for (let attempt = 1; attempt <= MAX_EXPLAIN_ATTEMPTS; attempt++) {
        const current = await get(id);
        if (!current) return { ok: false, reason: "not-found" };
        const stored = current.emailProblems ?? [];
        if (stored.some((problem) => problem.eventId === eventId)) {
          return { ok: false, reason: "duplicate", approval: current };
        }
        if (stored.length + problems.length > MAX_EMAIL_PROBLEMS) {
          return { ok: false, reason: "full", approval: current };
        }
        const first = stored.length === 0;
        const approval = await update(id, {
          UpdateExpression:
            "SET #emailProblems = list_append(if_not_exists(#emailProblems, :none), :problems)",
          ConditionExpression: first
            ? "attribute_exists(#pk) AND (attribute_not_exists(#emailProblems) OR size(#emailProblems) = :count)"
            : "size(#emailProblems) = :count",
          ExpressionAttributeNames: expressionNames(
            "emailProblems",
            ...(first ? ["pk" as const] : []),
          ),
          ExpressionAttributeValues: {
            ":none": [],
            ":problems": withoutUndefined(problems),
            ":count": stored.length,
          },
        });
        if (approval) return { ok: true, approval };
      }
      throw new ApprovalStoreError("contention", "Could not record the email problems", {
        approvalId: id,
      });
    },

    async appendEvent(approvalId: string, input: AuditEventInput): Promise<AuditEvent> {
      const appended = await appendToHead(approvalId, [input], undefined);
      if (appended) return appended.events[0]!;
      // No approval (yet) to carry a head: the trail is its event items alone.
      // 1. read the current tail, 2. chain onto it, 3. put only if that sequence number is free.
      // A concurrent appender that took the number makes us start over from its event.
      for (let attempt = 1; attempt <= maxAppendAttempts; attempt++) {
        const event = chainAuditEvent(await lastEvent(approvalId), approvalId, input);
        try {
          await client.send(
            new PutCommand({
              TableName: tableName,
              Item: toEventItem(event),
              ConditionExpression: "attribute_not_exists(#sk)",
              ExpressionAttributeNames: expressionNames("sk"),
            }),
          );
          return event;
        } catch (error) {
          if (!isConditionFailed(error)) throw error;
        }
        await sleep(Math.random() * 10 * Math.min(attempt, 5));
      }
      throw new ApprovalStoreError("contention", "Could not append the audit event", {
        approvalId,
      });
    },

    async appendEvents(approvalId, inputs, seen, also) {
      const appended = await appendToHead(approvalId, inputs, seen, also);
      if (appended === undefined) {
        throw new ApprovalStoreError("not-found", "No approval to append audit events to", {
          approvalId,
        });
      }
      return appended.approval;
    },

    async listEvents(approvalId) {
      // The head first: every event up to it is then in its tail or already an event item.
      const head = (await get(approvalId))?.audit;
      const items = await queryAllItems(client, { ...eventsOf(approvalId), ConsistentRead: true });
      return mergeAuditTrail(items.map(fromEventItem), head);
    },

    async listDue(now, limit, cursor, shard): Promise<DuePage> {
      if (!Number.isInteger(limit) || limit < 1) {
        throw new RangeError("limit must be a positive integer");
      }
      if (shard !== undefined && !shardKeys.includes(shard)) {
        throw new RangeError(`${shard} is not one of this table's due shards`);
      }
      const start = cursor === undefined ? undefined : decodeCursor(cursor);
      const startShard = start?.[TableSchema.dueIndex.partitionKey] as string | undefined;
      let index = shardKeys.indexOf(shard ?? startShard ?? shardKeys[0]!);
      if (index < 0 || (shard !== undefined && startShard !== undefined && startShard !== shard)) {
        throw new ApprovalStoreError("invalid-cursor", "The listDue cursor is not valid");
      }
      // A cursor naming only a shard starts that shard from its beginning.
      let startKey = start && Object.keys(start).length > 1 ? start : undefined;
      const approvals: Approval[] = [];
      const webhooks: WebhookDelivery[] = [];
      let read = 0;
      const withWebhooks = (page: DuePage): DuePage =>
        webhooks.length > 0 ? { ...page, webhooks } : page;
      for (;;) {
        const page = await listDueShard(
          shardKeys[index]!,
          now,
          Math.max(1, limit - approvals.length - webhooks.length),
          startKey,
        );
        approvals.push(...page.approvals);
        webhooks.push(...page.webhooks);
        read += page.read;
        if (page.lastKey) {
          return withWebhooks({ approvals, read, cursor: encodeCursor(page.lastKey) });
        }
        // Without a shard, the shards are walked in turn, as one list.
        if (shard !== undefined || index + 1 >= shardKeys.length) {
          return withWebhooks({ approvals, read });
        }
        index += 1;
        startKey = undefined;
        if (approvals.length + webhooks.length >= limit) {
          const next = { [TableSchema.dueIndex.partitionKey]: shardKeys[index] };
          return withWebhooks({ approvals, read, cursor: encodeCursor(next) });
        }
      }
    },

    dueShards: async () => shardKeys,

    async listPendingForExecution(executionArn) {
      // The sparse index holds only approvals that named an execution, projected down to id and
      // status; an execution has a handful at most (one per approval Task it ran).
      const items = await queryAllItems(client, {
        TableName: tableName,
        IndexName: TableSchema.executionIndex.name,
        KeyConditionExpression: "#executionArn = :executionArn",
        FilterExpression: "#status = :pending",
        ExpressionAttributeNames: expressionNames("executionArn", "status"),
        ExpressionAttributeValues: { ":executionArn": executionArn, ":pending": "PENDING" },
      });
      const ids = items.flatMap((item) => (typeof item.id === "string" ? [item.id] : []));
      // Index reads are eventually consistent: read each approval itself before acting on it.
      const approvals = await Promise.all(ids.map((id) => get(id)));
      return approvals.filter(
        (approval): approval is Approval =>
          approval?.status === "PENDING" && approval.executionArn === executionArn,
      );
    },
    listApprovals: (query) => listing.list(query),

    refreshListing: relist,
  };
}

/**
 * Adds what settling writes to an update: the outcome, and either the callback's first attempt
 * claimed (PENDING, attempt 1, due at its retry time) or no callback and nothing due. Returns the
 * REMOVE clause, if any. The caller's condition must require PENDING.
 */
function settlementExpression(
  settlement: Settlement,
  set: string[],
  values: Item,
  used: ExpressionAttribute[],
  dueKey: string,
): string {
  const { outcome, firstAttempt } = settlement;
  set.push("#status = :status", "#outcome = :outcome", "#callback = :callback");
  used.push("outcome", "callback", "dueKey", "dueAt");
  Object.assign(values, { ":status": outcome.status, ":outcome": withoutUndefined(outcome) });
  if (firstAttempt === undefined) {
    values[":callback"] = "NONE";
    return " REMOVE #dueKey, #dueAt";
  }
  set.push("#callbackAttempts = :firstAttempt", "#dueKey = :dueKey", "#dueAt = :retryAt");
  used.push("callbackAttempts");
  Object.assign(values, {
    ":callback": "PENDING",
    ":firstAttempt": 1,
    ":dueKey": dueKey,
    ":retryAt": firstAttempt.retryAt,
  });
  return "";
}

function assertAttempt(attempt: number): void {
  if (!Number.isInteger(attempt) || attempt < 1) {
    throw new RangeError("attempt must be an integer >= 1");
  }
}

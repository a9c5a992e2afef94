/**
 * The ApprovalStore port over DynamoDB (lib-dynamodb). Every state change is one conditional
 * write: no transactions, and no ReturnValuesOnConditionCheckFailure (dynalite has neither), so
 * after a lost condition a consistent read tells the caller what it lost to.
 */
import { setTimeout as sleep } from "node:timers/promises";
import {
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
  type UpdateCommandInput,
} from "@aws-sdk/lib-dynamodb";
import {
  type Approval,
  type ApprovalStore,
  type AuditEvent,
  type AuditEventInput,
  type CallbackFinish,
  type CommitDecisionResult,
  chainAuditEvent,
  type DecisionCommit,
  DUE_KEY_VALUE,
  type DuePage,
  MAX_EMAIL_PROBLEMS,
  type ScheduleClaim,
  type Settlement,
  type SettleResult,
  TableSchema,
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
import { ApprovalStoreError } from "./errors.ts";

export interface DynamoApprovalStoreOptions {
  client: DynamoDBDocumentClient;
  tableName: string;
  /** How often appendEvent re-reads and retries after losing a race for the next sequence number. */
  maxAppendAttempts?: number;
}

// Conditions only fail for reasons a re-read explains; a few rounds covers a racing writer.
const MAX_EXPLAIN_ATTEMPTS = 3;
const DEFAULT_APPEND_ATTEMPTS = 25;
// Operators read callbackError; keep it an item field, not a dump.
const MAX_CALLBACK_ERROR_LENGTH = 1_000;

/** Creates the DynamoDB-backed ApprovalStore. */
export function createDynamoApprovalStore(options: DynamoApprovalStoreOptions): ApprovalStore {
  const { client, tableName } = options;
  const maxAppendAttempts = options.maxAppendAttempts ?? DEFAULT_APPEND_ATTEMPTS;
  const listing = createDynamoListing({ client, tableName });

  /**
   * Rewrites the listing entries after the approval's status or approvers changed. The change
   * itself is already stored, so a failure here must not undo it in the caller's eyes: a listing
   * that meets the stale entry repairs it.
   */
  async function relist(approval: Approval): Promise<void> {
    try {
      await listing.write(approval);
    } catch {
      // Left to the listing's repair; see dynamo-approval-listing.ts.
    }
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

  return {
    async create(approval) {
      // Entries first: a stored approval is then always listed (entries without an approval are
      // skipped by listings, and the retried request that creates it finds them in place).
      await listing.write(approval);
      try {
        await client.send(
          new PutCommand({
            TableName: tableName,
            Item: toApprovalItem(approval),
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
        remove = settlementExpression(settlement, set, values, used);
      }
      const approval = await update(id, {
        UpdateExpression: `SET ${set.join(", ")}${remove}`,
        // Version 0 is also an approval stored before versions existed.
        ConditionExpression: `${commit.version === 0 ? "(attribute_not_exists(#version) OR #version = :version)" : "#version = :version"} AND #status = :pending AND attribute_not_exists(#decisions.#approver)`,
        ExpressionAttributeNames: {
          ...expressionNames(...used),
          // Emails are not valid in expressions, so the approver key goes in as a name.
          "#approver": decision.approver,
        },
        ExpressionAttributeValues: values,
      });
      if (approval) return { ok: true, approval };
      const stored = await get(id);
      return stored
        ? { ok: false, reason: "conflict", approval: stored }
        : { ok: false, reason: "not-found" };
    },

    async settle(id, settlement: Settlement): Promise<SettleResult> {
      for (let attempt = 1; attempt <= MAX_EXPLAIN_ATTEMPTS; attempt++) {
        const set = ["#version = if_not_exists(#version, :zero) + :one"];
        const values: Item = { ":pending": "PENDING", ":zero": 0, ":one": 1 };
        const used: ExpressionAttribute[] = ["version", "status"];
        const remove = settlementExpression(settlement, set, values, used);
        const approval = await update(id, {
          UpdateExpression: `SET ${set.join(", ")}${remove}`,
          ConditionExpression: "#status = :pending",
          ExpressionAttributeNames: expressionNames(...used),
          ExpressionAttributeValues: values,
        });
        if (approval) return { ok: true, approval };

        const stored = await get(id);
        if (!stored) return { ok: false, reason: "not-found" };
        if (stored.status !== "PENDING") {
          return { ok: false, reason: "not-pending", approval: stored };
        }
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
          ":dueKey": DUE_KEY_VALUE,
          ":retryAt": retryAt,
          ":pending": "PENDING",
        },
      });
    },

    async failCallback(id, attempt, error) {
      assertAttempt(attempt);
      const approval = await update(id, {
        UpdateExpression: "SET #callbackError = :error",
        ConditionExpression: "#callbackAttempts = :attempt AND #callback = :pending",
        ExpressionAttributeNames: expressionNames("callbackError", "callbackAttempts", "callback"),
        ExpressionAttributeValues: {
          ":error": error.slice(0, MAX_CALLBACK_ERROR_LENGTH),
          ":attempt": attempt,
          ":pending": "PENDING",
        },
      });
      return approval !== undefined;
    },

    async finishCallback(id, attempt, finish: CallbackFinish) {
      assertAttempt(attempt);
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
      const approval = await update(id, {
        UpdateExpression: `SET ${set.join(", ")} REMOVE #dueKey, #dueAt`,
        ConditionExpression: "#callbackAttempts = :attempt AND #callback = :pending",
        ExpressionAttributeNames: expressionNames(...used),
        ExpressionAttributeValues: values,
      });
      // Listings follow the status this write ends with (an EXPIRED from a closed task, or the
      // settled one when a sweeper finished a callback whose first sender died before refreshing).
      if (approval) await relist(approval);
      return approval !== undefined;
    },

    async advanceSchedule(id, claim: ScheduleClaim) {
      const set = ["#dueKey = :dueKey", "#dueAt = :dueAt"];
      const conditions = ["#status = :pending", "#dueAt = :seenDueAt"];
      const used: ExpressionAttribute[] = ["dueKey", "dueAt", "status"];
      const values: Item = {
        ":dueKey": DUE_KEY_VALUE,
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

    async listEvents(approvalId) {
      const events: AuditEvent[] = [];
      let startKey: Item | undefined;
      do {
        const page = await client.send(
          new QueryCommand({
            ...eventsOf(approvalId),
            ConsistentRead: true,
            ExclusiveStartKey: startKey,
          }),
        );
        for (const item of page.Items ?? []) events.push(fromEventItem(item));
        startKey = page.LastEvaluatedKey;
      } while (startKey);
      return events;
    },

    async listDue(now, limit, cursor): Promise<DuePage> {
      if (!Number.isInteger(limit) || limit < 1) {
        throw new RangeError("limit must be a positive integer");
      }
      // The key condition, not a filter, bounds the read: only items due by "now" are touched.
      const page = await client.send(
        new QueryCommand({
          TableName: tableName,
          IndexName: TableSchema.dueIndex.name,
          KeyConditionExpression: "#dueKey = :due AND #dueAt <= :now",
          ExpressionAttributeNames: expressionNames("dueKey", "dueAt"),
          ExpressionAttributeValues: { ":due": DUE_KEY_VALUE, ":now": now },
          Limit: limit,
          ExclusiveStartKey: cursor === undefined ? undefined : decodeCursor(cursor),
        }),
      );
      return {
        approvals: (page.Items ?? []).map(fromApprovalItem),
        read: page.ScannedCount ?? page.Items?.length ?? 0,
        ...(page.LastEvaluatedKey ? { cursor: encodeCursor(page.LastEvaluatedKey) } : {}),
      };
    },

    async listPendingForExecution(executionArn) {
      // The sparse index holds only approvals that named an execution, projected down to id and
      // status; an execution has a handful at most (one per approval Task it ran).
      const ids: string[] = [];
      let startKey: Item | undefined;
      do {
        const page = await client.send(
          new QueryCommand({
            TableName: tableName,
            IndexName: TableSchema.executionIndex.name,
            KeyConditionExpression: "#executionArn = :executionArn",
            FilterExpression: "#status = :pending",
            ExpressionAttributeNames: expressionNames("executionArn", "status"),
            ExpressionAttributeValues: { ":executionArn": executionArn, ":pending": "PENDING" },
            ExclusiveStartKey: startKey,
          }),
        );
        for (const item of page.Items ?? []) {
          if (typeof item.id === "string") ids.push(item.id);
        }
        startKey = page.LastEvaluatedKey;
      } while (startKey);
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
    ":dueKey": DUE_KEY_VALUE,
    ":retryAt": firstAttempt.retryAt,
  });
  return "";
}

function assertAttempt(attempt: number): void {
  if (!Number.isInteger(attempt) || attempt < 1) {
    throw new RangeError("attempt must be an integer >= 1");
  }
}

/**
 * The bare-I/O floors: the same kinds and number of calls the real path made, in the same order,
 * sent straight through SDK clients with nothing between them — no parsing, validation, crypto,
 * rendering or domain logic. Items and emails are copies of what the real path wrote, so each
 * call carries the same payload size.
 */
import { SendEmailCommand } from "@aws-sdk/client-sesv2";
import { SendTaskSuccessCommand } from "@aws-sdk/client-sfn";
import {
  BatchWriteCommand,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
} from "@aws-sdk/lib-dynamodb";
import { type CountingClients, describeCalls } from "./counting-clients.ts";
import { median, quantile } from "./stats.ts";

export type Item = Record<string, unknown>;

/** A sent email, as the SES emulator stored it. */
export interface EmailTemplate {
  from: string;
  to: string;
  subject: string;
  html: string;
  text: string;
}

export interface FloorTemplates {
  tableName: string;
  /** The approval item the real path wrote (or read). */
  approval: Item;
  /** Audit event items the real path wrote, reused in turn. */
  events: Item[];
  /** Listing entries (`sk = L#…`) the real path wrote in one BatchWriteItem. */
  listing: Item[];
  email?: EmailTemplate;
  /** The output SendTaskSuccess carried. */
  taskOutput?: string;
  /**
   * The audit head (with its tail of events) the path's UpdateItems write onto the approval;
   * each floor UpdateItem writes it too, so it carries the same payload.
   */
  auditHead?: Item;
}

export interface FloorTarget {
  /** The approval partition to write, e.g. `A#floor-…`; must exist unless the floor puts it. */
  pk: string;
  /** True when the first PutItem is the approval itself (the request path's create). */
  putsApproval: boolean;
  taskToken?: string;
}

/**
 * Sends `calls` in order against `target`; throws on a call kind it does not know. A call marked
 * in `overlapped` is sent together with the one before it, as the path sent them.
 */
export async function replayFloor(
  clients: CountingClients,
  templates: FloorTemplates,
  target: FloorTarget,
  calls: readonly string[],
  overlapped: readonly boolean[] = [],
): Promise<void> {
  const { tableName } = templates;
  const key = { pk: target.pk, sk: "APPROVAL" };
  let puts = 0;
  let events = 0;
  let updates = 0;
  const groups: string[][] = [];
  for (const [index, call] of calls.entries()) {
    if (overlapped[index] && groups.length > 0) groups.at(-1)!.push(call);
    else groups.push([call]);
  }
  for (const group of groups) await Promise.all(group.map(send));

  async function send(call: string): Promise<void> {
    switch (call) {
      case "PutItem": {
        const first = puts++ === 0 && target.putsApproval;
        const template = first
          ? { ...templates.approval, ...key }
          : {
              ...templates.events[events % templates.events.length],
              pk: target.pk,
              sk: `EVT#floor${String(events++).padStart(6, "0")}`,
            };
        await clients.dynamo.send(
          new PutCommand({
            TableName: tableName,
            Item: template,
            ConditionExpression: "attribute_not_exists(#pk)",
            ExpressionAttributeNames: { "#pk": "pk" },
          }),
        );
        break;
      }
      case "Query":
        await clients.dynamo.send(
          new QueryCommand({
            TableName: tableName,
            KeyConditionExpression: "#pk = :pk AND begins_with(#sk, :prefix)",
            ExpressionAttributeNames: { "#pk": "pk", "#sk": "sk" },
            ExpressionAttributeValues: { ":pk": target.pk, ":prefix": "EVT#" },
            ScanIndexForward: false,
            Limit: 1,
            ConsistentRead: true,
          }),
        );
        break;
      case "BatchWriteItem":
        if (templates.listing.length === 0) throw new Error("the floor has no listing entries");
        await clients.dynamo.send(
          new BatchWriteCommand({
            RequestItems: {
              [tableName]: templates.listing.map((item) => ({
                PutRequest: { Item: { ...item, pk: target.pk } },
              })),
            },
          }),
        );
        break;
      case "GetItem":
        await clients.dynamo.send(
          new GetCommand({ TableName: tableName, Key: key, ConsistentRead: true }),
        );
        break;
      case "UpdateItem":
        await clients.dynamo.send(
          new UpdateCommand({
            TableName: tableName,
            Key: key,
            UpdateExpression: `SET #n = :n${templates.auditHead ? ", #audit = :audit" : ""}`,
            ConditionExpression: "attribute_exists(#pk)",
            ExpressionAttributeNames: {
              "#pk": "pk",
              "#n": "floorUpdates",
              ...(templates.auditHead && { "#audit": "audit" }),
            },
            ExpressionAttributeValues: {
              ":n": ++updates,
              ...(templates.auditHead && { ":audit": templates.auditHead }),
            },
            ReturnValues: "ALL_NEW",
          }),
        );
        break;
      case "SendEmail": {
        const email = templates.email;
        if (!email) throw new Error("the floor has no email to send");
        const charset = "UTF-8";
        await clients.ses.send(
          new SendEmailCommand({
            FromEmailAddress: email.from,
            Destination: { ToAddresses: [email.to] },
            Content: {
              Simple: {
                Subject: { Data: email.subject, Charset: charset },
                Body: {
                  Html: { Data: email.html, Charset: charset },
                  Text: { Data: email.text, Charset: charset },
                },
              },
            },
          }),
        );
        break;
      }
      case "SendTaskSuccess":
        if (!target.taskToken) throw new Error("the floor has no task token");
        await clients.sfn.send(
          new SendTaskSuccessCommand({
            taskToken: target.taskToken,
            output: templates.taskOutput ?? "{}",
          }),
        );
        break;
      default:
        throw new Error(`the floor cannot replay ${call}`);
    }
  }
}

export interface PathResult {
  pathMedian: number;
  pathP99: number;
  floorMedian: number;
  floorP99: number;
  ratio: number;
  samples: number;
  /** What the real path sent per sample, e.g. "3 PutItem + 2 Query + 2 SendEmail". */
  calls: string;
  /** How many calls that was. */
  callCount: number;
}

/** A path's timings against its floor's, sample for sample, as the bench table reports them. */
export function summarizePath(
  pathTimes: readonly number[],
  floorTimes: readonly number[],
  calls: readonly string[],
): PathResult {
  const pathMedian = median(pathTimes);
  const floorMedian = median(floorTimes);
  return {
    pathMedian,
    pathP99: quantile(pathTimes, 0.99),
    floorMedian,
    floorP99: quantile(floorTimes, 0.99),
    ratio: pathMedian / floorMedian,
    samples: pathTimes.length,
    calls: describeCalls(calls),
    callCount: calls.length,
  };
}

/**
 * Meters what the real adapters cost DynamoDB, per partition: an SDK middleware on the DynamoDB
 * client records, for every call, which partitions of the table and of each index it reads or
 * writes and how many capacity units, by DynamoDB's rules. dynalite reports no index capacity, so
 * units come from item sizes: a write costs 1 WCU per KB of the larger of the item before and
 * after, in the table and again in each index the item is projected into (2 writes when its index
 * key changes, none when nothing projected changed); a read 1 RCU per 4 KB, strongly consistent,
 * half that eventually consistent (every index read). The images before and after a write are
 * read with a second, unmetered client, so metered code must not write one item concurrently.
 */
import {
  type AttributeValue,
  type CreateTableCommandInput,
  type DynamoDBClient,
  GetItemCommand,
} from "@aws-sdk/client-dynamodb";

type Image = Record<string, AttributeValue>;

/** Where units went: the table or an index name, and the partition key value. */
export interface Usage {
  target: string;
  partition: string;
  wcu: number;
  rcu: number;
}

interface IndexDef {
  name: string;
  hash: string;
  range?: string;
  projection: "ALL" | "KEYS_ONLY" | "INCLUDE";
  include: string[];
}

export interface Meter {
  /** Usage recorded since the last `take`, which empties it. */
  take(): Usage[];
}

const TABLE = "table";

/** DynamoDB's size of one attribute value, in bytes. */
function valueSize(value: AttributeValue): number {
  if (value.S !== undefined) return Buffer.byteLength(value.S);
  if (value.N !== undefined) return numberSize(value.N);
  if (value.B !== undefined) return value.B.length;
  if (value.BOOL !== undefined || value.NULL !== undefined) return 1;
  if (value.SS) return value.SS.reduce((sum, s) => sum + Buffer.byteLength(s), 0);
  if (value.NS) return value.NS.reduce((sum, n) => sum + numberSize(n), 0);
  if (value.BS) return value.BS.reduce((sum, b) => sum + b.length, 0);
  if (value.L) return 3 + value.L.reduce((sum, v) => sum + 1 + valueSize(v), 0);
  if (value.M) return 3 + imageSize(value.M) + Object.keys(value.M).length;
  return 0;
}

function numberSize(n: string): number {
  const digits = n
    .replace(/^-/, "")
    .replace(/[.eE].*$/, "")
    .replace(/^0+/, "").length;
  return Math.ceil(Math.max(digits, 1) / 2) + 1;
}

/** DynamoDB's item size: each attribute's name and value. */
export function imageSize(image: Image): number {
  let size = 0;
  for (const [name, value] of Object.entries(image))
    size += Buffer.byteLength(name) + valueSize(value);
  return size;
}

const writeUnits = (bytes: number) => Math.max(1, Math.ceil(bytes / 1024));
const readUnits = (bytes: number, consistent: boolean) =>
  Math.max(1, Math.ceil(bytes / 4096)) * (consistent ? 1 : 0.5);

function keyValue(value: AttributeValue | undefined): string {
  return value?.S ?? value?.N ?? "?";
}

const ATTRIBUTE_TYPES = new Set(["S", "N", "B", "BOOL", "NULL", "M", "L", "SS", "NS", "BS"]);

/** A plain JavaScript value as an AttributeValue (some outputs reach middleware unmarshalled). */
function toAttribute(value: unknown): AttributeValue {
  if (typeof value === "string") return { S: value };
  if (typeof value === "number" || typeof value === "bigint") return { N: String(value) };
  if (typeof value === "boolean") return { BOOL: value };
  if (value === null || value === undefined) return { NULL: true };
  if (value instanceof Uint8Array) return { B: value };
  if (Array.isArray(value)) return { L: value.map(toAttribute) };
  if (value instanceof Set) {
    const items = [...value];
    return typeof items[0] === "number" ? { NS: items.map(String) } : { SS: items.map(String) };
  }
  return { M: toImage(value as Record<string, unknown>) };
}

/** An item as AttributeValues, whether it came marshalled or not. */
function toImage(item: Record<string, unknown>): Image {
  const image: Image = {};
  for (const [name, value] of Object.entries(item)) {
    const marshalled =
      value !== null &&
      typeof value === "object" &&
      !Array.isArray(value) &&
      Object.keys(value).length === 1 &&
      ATTRIBUTE_TYPES.has(Object.keys(value)[0]!);
    image[name] = marshalled ? (value as AttributeValue) : toAttribute(value);
  }
  return image;
}

/** The index entry an item makes, or undefined when it is not in the index. */
function indexEntry(image: Image | undefined, index: IndexDef, tableKeys: string[]) {
  if (!image || !(index.hash in image) || (index.range && !(index.range in image))) return;
  if (index.projection === "ALL") return image;
  const names = [...tableKeys, index.hash, ...(index.range ? [index.range] : [])];
  if (index.projection === "INCLUDE") names.push(...index.include);
  return Object.fromEntries(names.filter((n) => n in image).map((n) => [n, image[n]!]));
}

interface CallArgs {
  input: Record<string, unknown>;
}
interface MiddlewareTarget {
  middlewareStack: {
    add(
      middleware: (
        next: (args: CallArgs) => Promise<{ output: Record<string, unknown> }>,
        context: { commandName?: string },
      ) => (args: CallArgs) => Promise<{ output: Record<string, unknown> }>,
      options: { step: "build"; name: string },
    ): void;
  };
}

/**
 * Meters `client` (the document client's underlying client, or the document client: they share
 * one middleware stack) for the table `schema` describes; `raw` reads images, unmetered.
 */
export function meterDynamo(
  client: unknown,
  raw: DynamoDBClient,
  schema: CreateTableCommandInput,
): Meter {
  const tableKeys = (schema.KeySchema ?? []).map((k) => k.AttributeName!);
  const hashKey = schema.KeySchema?.find((k) => k.KeyType === "HASH")?.AttributeName ?? "pk";
  const indexes: IndexDef[] = (schema.GlobalSecondaryIndexes ?? []).map((index) => ({
    name: index.IndexName!,
    hash: index.KeySchema!.find((k) => k.KeyType === "HASH")!.AttributeName!,
    ...(index.KeySchema!.some((k) => k.KeyType === "RANGE") && {
      range: index.KeySchema!.find((k) => k.KeyType === "RANGE")!.AttributeName!,
    }),
    projection: index.Projection?.ProjectionType ?? "ALL",
    include: index.Projection?.NonKeyAttributes ?? [],
  }));
  let usage: Usage[] = [];
  const record = (target: string, partition: string, wcu: number, rcu: number) =>
    usage.push({ target, partition, wcu, rcu });

  const read = async (tableName: string, key: Image): Promise<Image | undefined> => {
    const { Item } = await raw.send(
      new GetItemCommand({ TableName: tableName, Key: key, ConsistentRead: true }),
    );
    return Item;
  };

  /** A write of one item from `before` to `after` (undefined: absent), in table and indexes. */
  const recordWrite = (before: Image | undefined, after: Image | undefined) => {
    const partition = keyValue((after ?? before)?.[hashKey]);
    record(TABLE, partition, writeUnits(Math.max(size(before), size(after))), 0);
    for (const index of indexes) {
      const old = indexEntry(before, index, tableKeys);
      const now = indexEntry(after, index, tableKeys);
      const keyOf = (entry: Image) =>
        `${keyValue(entry[index.hash])}\u0000${index.range ? keyValue(entry[index.range]) : ""}`;
      if (old && now && keyOf(old) === keyOf(now)) {
        if (JSON.stringify(sorted(old)) !== JSON.stringify(sorted(now))) {
          const bytes = Math.max(imageSize(old), imageSize(now));
          record(index.name, keyValue(now[index.hash]), writeUnits(bytes), 0);
        }
        continue;
      }
      if (old) record(index.name, keyValue(old[index.hash]), writeUnits(imageSize(old)), 0);
      if (now) record(index.name, keyValue(now[index.hash]), writeUnits(imageSize(now)), 0);
    }
  };

  (client as MiddlewareTarget).middlewareStack.add(
    (next, context) => async (args) => {
      const command = (context.commandName ?? "").replace(/Command$/, "");
      const input = args.input;
      const tableName = input.TableName as string;
      switch (command) {
        case "PutItem":
        case "UpdateItem":
        case "DeleteItem": {
          const item = input.Item as Image | undefined;
          const key =
            (input.Key as Image | undefined) ??
            Object.fromEntries(tableKeys.map((name) => [name, item![name]!]));
          const before = await read(tableName, key);
          try {
            const result = await next(args);
            recordWrite(before, await read(tableName, key));
            return result;
          } catch (error) {
            // A condition that fails still costs the write, in the table only.
            if ((error as Error).name === "ConditionalCheckFailedException") {
              record(TABLE, keyValue(key[hashKey]), writeUnits(size(before)), 0);
            }
            throw error;
          }
        }
        case "BatchWriteItem": {
          const requests = Object.entries(
            input.RequestItems as Record<
              string,
              { PutRequest?: { Item: Image }; DeleteRequest?: { Key: Image } }[]
            >,
          ).flatMap(([table, list]) =>
            list.map((request) => {
              const image = request.PutRequest?.Item ?? request.DeleteRequest!.Key;
              const key = Object.fromEntries(tableKeys.map((name) => [name, image[name]!]));
              return { table, key };
            }),
          );
          const before = await Promise.all(requests.map((r) => read(r.table, r.key)));
          const result = await next(args);
          const after = await Promise.all(requests.map((r) => read(r.table, r.key)));
          for (let i = 0; i < requests.length; i++) recordWrite(before[i], after[i]);
          return result;
        }
        case "GetItem": {
          const result = await next(args);
          const item = result.output.Item ? toImage(result.output.Item as Image) : undefined;
          const key = input.Key as Image;
          record(TABLE, keyValue(key[hashKey]), 0, readUnits(size(item), !!input.ConsistentRead));
          return result;
        }
        case "BatchGetItem": {
          const result = await next(args);
          const requested = input.RequestItems as Record<string, { ConsistentRead?: boolean }>;
          const responses = (result.output.Responses ?? {}) as Record<string, Image[]>;
          for (const [table, items] of Object.entries(responses)) {
            for (const item of items.map(toImage)) {
              const consistent = !!requested[table]?.ConsistentRead;
              record(TABLE, keyValue(item[hashKey]), 0, readUnits(imageSize(item), consistent));
            }
          }
          return result;
        }
        case "Query": {
          const result = await next(args);
          const indexName = input.IndexName as string | undefined;
          const index = indexes.find((i) => i.name === indexName);
          const partitionAttribute = index?.hash ?? hashKey;
          const items = ((result.output.Items ?? []) as Image[]).map(toImage);
          const bytes = items.reduce((sum, item) => sum + imageSize(item), 0);
          const consistent = !index && !!input.ConsistentRead;
          record(
            index?.name ?? TABLE,
            queryPartition(input, partitionAttribute),
            0,
            readUnits(bytes, consistent),
          );
          return result;
        }
        default:
          return next(args);
      }
    },
    { step: "build", name: "capacityMeter" },
  );
  return {
    take() {
      const taken = usage;
      usage = [];
      return taken;
    },
  };
}

function size(image: Image | undefined): number {
  return image ? imageSize(image) : 0;
}

function sorted(image: Image): [string, AttributeValue][] {
  return Object.entries(image).sort(([a], [b]) => (a < b ? -1 : 1));
}

/** The partition key value a Query's key condition names. */
function queryPartition(input: Record<string, unknown>, attribute: string): string {
  const names = (input.ExpressionAttributeNames ?? {}) as Record<string, string>;
  const values = (input.ExpressionAttributeValues ?? {}) as Image;
  const condition = String(input.KeyConditionExpression ?? "");
  for (const match of condition.matchAll(/(#?[\w]+)\s*=\s*(:[\w]+)/g)) {
    const name = match[1]!.startsWith("#") ? names[match[1]!] : match[1];
    if (name === attribute) return keyValue(values[match[2]!]);
  }
  return "?";
}

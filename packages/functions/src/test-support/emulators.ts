/**
 * Local emulators for adapter tests: dynalite (in memory) and aws-ses-v2-local, each on a free
 * 127.0.0.1 port, with real SDK clients pointed at them. Production code reads endpoints from
 * AWS_ENDPOINT_URL_*; tests pass `endpoint` explicitly so they never touch the environment.
 */
import type { Server } from "node:http";
import { createRequire } from "node:module";
import type { AddressInfo } from "node:net";
import { CreateTableCommand, DescribeTableCommand, DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { SESv2Client } from "@aws-sdk/client-sesv2";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { createTableInput } from "../adapters/create-table-input.ts";

const HOST = "127.0.0.1";

/** Region and dummy credentials: the emulators want a signed request, not a valid one. */
export const TEST_AWS = {
  region: "us-east-1",
  credentials: { accessKeyId: "local", secretAccessKey: "local" },
} as const;

// Both emulators are CommonJS without ESM-friendly exports; require avoids loader interop quirks.
const require = createRequire(import.meta.url);
const dynalite = require("dynalite") as (options: { createTableMs?: number }) => Server;
const { default: startSesServer } = require("aws-ses-v2-local") as {
  default: (config: { host: string; port: number }) => Promise<Server>;
};

export interface DynamoEmulator {
  endpoint: string;
  client: DynamoDBClient;
  documentClient: DynamoDBDocumentClient;
  /** Creates a fresh table (with the due index) and waits until it is ACTIVE. */
  createTable(name?: string): Promise<string>;
  stop(): Promise<void>;
}

/** Starts dynalite in memory on a free port. */
export async function startDynamo(): Promise<DynamoEmulator> {
  // AWS takes seconds to create a table; there is nothing to wait for here.
  const server = dynalite({ createTableMs: 0 });
  const port = await listen(server);
  const endpoint = `http://${HOST}:${port}`;
  const client = new DynamoDBClient({ ...TEST_AWS, endpoint });
  const documentClient = DynamoDBDocumentClient.from(client);
  let tables = 0;
  return {
    endpoint,
    client,
    documentClient,
    async createTable(name = `signoff-test-${++tables}`) {
      await client.send(new CreateTableCommand(createTableInput(name)));
      for (let tries = 0; tries < 500; tries++) {
        const { Table } = await client.send(new DescribeTableCommand({ TableName: name }));
        if (Table?.TableStatus === "ACTIVE") return name;
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      throw new Error(`Table ${name} did not become ACTIVE`);
    },
    async stop() {
      client.destroy();
      await close(server);
    },
  };
}

/** A message as aws-ses-v2-local keeps it (`GET /store`). */
export interface StoredEmail {
  messageId: string;
  from: string;
  destination: { to: string[]; cc: string[]; bcc: string[] };
  subject: string;
  body: { html?: string; text?: string };
  at: number;
}

export interface SesEmulator {
  endpoint: string;
  client: SESv2Client;
  /** Every message sent so far (the store is per process, shared by all SES servers in it). */
  readMail(): Promise<StoredEmail[]>;
  stop(): Promise<void>;
}

/** Starts aws-ses-v2-local on a free port (it binds `::` unless told otherwise). */
export async function startSesInbox(): Promise<SesEmulator> {
  const server = await startSesServer({ host: HOST, port: 0 });
  const { port } = server.address() as AddressInfo;
  const endpoint = `http://${HOST}:${port}`;
  const client = new SESv2Client({ ...TEST_AWS, endpoint });
  return {
    endpoint,
    client,
    async readMail() {
      const response = await fetch(`${endpoint}/store`);
      if (!response.ok) throw new Error(`SES store answered ${response.status}`);
      const { emails } = (await response.json()) as { emails: StoredEmail[] };
      return emails;
    },
    async stop() {
      client.destroy();
      await close(server);
    },
  };
}

function listen(server: Server): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, HOST, () => {
      server.off("error", reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

function close(server: Server): Promise<void> {
  // Keep-alive sockets from the SDK would otherwise hold close() open.
  server.closeAllConnections();
  return new Promise((resolve, reject) =>
    server.close((error) => (error ? reject(error) : resolve())),
  );
}

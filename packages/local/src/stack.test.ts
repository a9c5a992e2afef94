import { readdir } from "node:fs/promises";
import {
  DescribeTableCommand,
  DynamoDBClient,
  PutItemCommand,
  QueryCommand,
} from "@aws-sdk/client-dynamodb";
import { SESv2Client, SendEmailCommand } from "@aws-sdk/client-sesv2";
import { ListStateMachinesCommand, SFNClient } from "@aws-sdk/client-sfn";
import { dueKeyOf, TableSchema } from "@signoff/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CALLBACK_DEMO, createCallbackDemoFunction, runCallbackDemo } from "./callback-demo.ts";
import { WORKFLOWS_DIR } from "./paths.ts";
import { startStack } from "./stack.ts";
import type { Stack } from "./stack-types.ts";
import { FREE_PORTS, withStackEnv } from "./test-helpers.ts";

describe("startStack", () => {
  let stack: Stack;
  const tokensSeen: string[] = [];

  beforeAll(async () => {
    const demoFunction = createCallbackDemoFunction({ delayMs: 200 });
    stack = await startStack({
      ports: FREE_PORTS,
      functions: {
        [CALLBACK_DEMO]: (payload, context) => {
          tokensSeen.push((payload as { taskToken: string }).taskToken);
          return demoFunction(payload, context);
        },
      },
    });
  });

  afterAll(async () => {
    await stack?.stop();
  });

  it("binds every service to 127.0.0.1 and hands out the standard AWS variables", () => {
    for (const url of Object.values(stack.endpoints)) {
      expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/?$/);
    }
    expect(stack.endpoints.api).toBeUndefined();
    expect(stack.env).toEqual({
      AWS_ENDPOINT_URL_DYNAMODB: stack.endpoints.dynamodb,
      AWS_ENDPOINT_URL_SESV2: stack.endpoints.sesv2,
      AWS_ENDPOINT_URL_SFN: stack.endpoints.stepfunctions,
      AWS_REGION: "us-east-1",
      AWS_DEFAULT_REGION: "us-east-1",
      AWS_ACCESS_KEY_ID: "local",
      AWS_SECRET_ACCESS_KEY: "local",
    });
  });

  it("creates the table with the sparse due and execution indexes and the listing indexes, reachable by a client configured only by the environment", async () => {
    await withStackEnv(stack.env, async () => {
      const client = new DynamoDBClient({});
      try {
        const { Table } = await client.send(new DescribeTableCommand({ TableName: "signoff" }));
        expect(Table?.TableStatus).toBe("ACTIVE");
        expect(Table?.BillingModeSummary?.BillingMode).toBe("PAY_PER_REQUEST");
        expect(Table?.KeySchema).toEqual([
          { AttributeName: "pk", KeyType: "HASH" },
          { AttributeName: "sk", KeyType: "RANGE" },
        ]);
        expect(Table?.GlobalSecondaryIndexes).toMatchObject([
          {
            IndexName: "due",
            KeySchema: [
              { AttributeName: "dueKey", KeyType: "HASH" },
              { AttributeName: "dueAt", KeyType: "RANGE" },
            ],
            Projection: { ProjectionType: "KEYS_ONLY" },
          },
          {
            IndexName: "execution",
            KeySchema: [{ AttributeName: "executionArn", KeyType: "HASH" }],
            Projection: { ProjectionType: "INCLUDE", NonKeyAttributes: ["id", "status"] },
          },
          ...["list", "list-status"].map((IndexName) => ({
            IndexName,
            KeySchema: [
              {
                AttributeName: IndexName === "list" ? "listKey" : "listStatusKey",
                KeyType: "HASH",
              },
              { AttributeName: "listSort", KeyType: "RANGE" },
            ],
            Projection: { ProjectionType: "INCLUDE", NonKeyAttributes: ["id"] },
          })),
        ]);

        // Only items carrying dueKey show up in the index, and only those due by `now`, each in
        // its approval's shard.
        const now = Date.now();
        const shard = dueKeyOf("stack-test", 32);
        const put = (sk: string, dueAt?: number) =>
          client.send(
            new PutItemCommand({
              TableName: stack.tableName,
              Item: {
                pk: { S: "A#stack-test" },
                sk: { S: sk },
                ...(dueAt === undefined
                  ? {}
                  : { dueKey: { S: shard }, dueAt: { N: String(dueAt) } }),
              },
            }),
          );
        await put("APPROVAL", now - 1_000);
        await put("EVT#1");
        await put("LATER", now + 60_000);
        const due = await client.send(
          new QueryCommand({
            TableName: stack.tableName,
            IndexName: TableSchema.dueIndex.name,
            KeyConditionExpression: "dueKey = :due AND dueAt <= :now",
            ExpressionAttributeValues: { ":due": { S: shard }, ":now": { N: String(now) } },
          }),
        );
        expect(due.Items?.map((item) => item.sk?.S)).toEqual(["APPROVAL"]);
      } finally {
        client.destroy();
      }
    });
  });

  it("delivers mail sent through SES v2 to the inbox, whose store lists it as JSON", async () => {
    const subject = `Stack test ${Date.now()}`;
    await withStackEnv(stack.env, async () => {
      const client = new SESv2Client({});
      try {
        const sent = await client.send(
          new SendEmailCommand({
            FromEmailAddress: "signoff@example.com",
            Destination: { ToAddresses: ["approver@example.com"] },
            Content: {
              Simple: {
                Subject: { Data: subject },
                Body: {
                  Text: { Data: "Please approve." },
                  Html: { Data: "<p>Please approve.</p>" },
                },
              },
            },
          }),
        );
        expect(sent.MessageId).toBeTruthy();
      } finally {
        client.destroy();
      }
    });

    const response = await fetch(`${stack.endpoints.inbox}store`);
    expect(response.status).toBe(200);
    const store = (await response.json()) as { emails: Array<Record<string, unknown>> };
    const mail = store.emails.find((email) => email.subject === subject);
    expect(mail).toMatchObject({
      from: "signoff@example.com",
      destination: { to: ["approver@example.com"] },
      subject,
      body: { text: "Please approve.", html: "<p>Please approve.</p>" },
    });
    expect(typeof mail?.messageId).toBe("string");
    expect(typeof mail?.at).toBe("number");

    const inbox = await fetch(stack.endpoints.inbox);
    expect(inbox.headers.get("content-type")).toMatch(/text\/html/);
  });

  it("registers every workflow in infra/workflows under its file name", async () => {
    const expected = (await readdir(WORKFLOWS_DIR))
      .filter((file) => file.endsWith(".asl.json"))
      .map((file) => file.slice(0, -".asl.json".length))
      .sort();
    expect(expected).toContain(CALLBACK_DEMO);
    expect(Object.keys(stack.stateMachines).sort()).toEqual(expected);

    await withStackEnv(stack.env, async () => {
      const client = new SFNClient({});
      try {
        const { stateMachines } = await client.send(new ListStateMachinesCommand({}));
        expect(
          Object.fromEntries(
            (stateMachines ?? []).map((machine) => [machine.name, machine.stateMachineArn]),
          ),
        ).toEqual(stack.stateMachines);
      } finally {
        client.destroy();
      }
    });
  });

  it("runs the callback demo to SUCCEEDED through SendTaskSuccess", async () => {
    const lines: string[] = [];
    const result = await withStackEnv(stack.env, () =>
      runCallbackDemo({
        stateMachineArn: stack.stateMachines[CALLBACK_DEMO]!,
        log: (line) => lines.push(line),
      }),
    );
    expect(result.status).toBe("SUCCEEDED");
    expect(result.output).toMatchObject({
      message: "Hello from the signoff local stack",
      completedBy: CALLBACK_DEMO,
    });
    // The demo waits for the callback (200 ms here) rather than finishing on its own.
    expect(result.elapsedMs).toBeGreaterThanOrEqual(200);
    expect(lines.at(-1)).toMatch(/^demo: SUCCEEDED in \d+\.\d s/);
    expect(tokensSeen).toHaveLength(1);
    expect(JSON.stringify({ lines, result })).not.toContain(tokensSeen[0]);
  });
});

/**
 * Figure 2: the request-approval handler (parse, encrypt the token, conditional put, audit
 * events, sign links, render and send one email per approver) against a floor making the same
 * DynamoDB and SES calls directly. Samples alternate handler and floor, so drift hits both alike.
 */
import { randomUUID } from "node:crypto";
import { QueryCommand } from "@aws-sdk/lib-dynamodb";
import { createRequestApprovalHandler } from "@signoff/functions";
import type { BenchStack } from "./bench-stack.ts";
import { type CountingClients, createCountingClients, describeCalls } from "./counting-clients.ts";
import {
  type EmailTemplate,
  type FloorTemplates,
  type Item,
  type PathResult,
  replayFloor,
  summarizePath,
} from "./floor.ts";
import { progress, timeMs } from "./stats.ts";

const APPROVERS = ["first.approver@example.com", "second.approver@example.com"];

function payload() {
  const id = randomUUID();
  return {
    taskToken: `bench-token-${id}-${"x".repeat(600)}`,
    executionArn: `arn:aws:states:us-east-1:000000000000:execution:approval-demo:${id}`,
    approvers: APPROVERS,
    subject: `Deploy checkout-service ${id.slice(0, 8)}`,
    details: { service: "checkout-service", version: "2.3.0", change: "CHG-1234" },
    requestedBy: "dev@example.com",
    timeoutSeconds: 3600,
  };
}

/** The handler's own writes for one approval, and the last email it sent, as floor templates. */
async function captureTemplates(bench: BenchStack, approvalId: string): Promise<FloorTemplates> {
  const { Items: items = [] } = await bench.clients.dynamo.send(
    new QueryCommand({
      TableName: bench.stack.tableName,
      KeyConditionExpression: "#pk = :pk",
      ExpressionAttributeNames: { "#pk": "pk" },
      ExpressionAttributeValues: { ":pk": `A#${approvalId}` },
    }),
  );
  const approval = items.find((item) => item.sk === "APPROVAL") as Item;
  const events = items.filter((item) => String(item.sk).startsWith("EVT#")) as Item[];
  const listing = items.filter((item) => String(item.sk).startsWith("L#")) as Item[];
  const response = await fetch(`${bench.stack.endpoints.inbox}store`);
  const { emails } = (await response.json()) as {
    emails: {
      from: string;
      destination: { to: string[] };
      subject: string;
      body: { html?: string; text?: string };
    }[];
  };
  const last = emails.at(-1)!;
  const email: EmailTemplate = {
    from: last.from,
    to: last.destination.to[0]!,
    subject: last.subject,
    html: last.body.html ?? "",
    text: last.body.text ?? "",
  };
  const auditHead = approval.audit as Item | undefined;
  return {
    tableName: bench.stack.tableName,
    approval,
    events,
    listing,
    email,
    ...(auditHead && { auditHead }),
  };
}

export async function benchRequestPath(
  bench: BenchStack,
  options: { warmUp: number; samples: number },
): Promise<PathResult> {
  const handler = createRequestApprovalHandler(bench.runtime);
  const floorClients: CountingClients = createCountingClients(bench.stack);
  try {
    // 1. One call to learn the calls the handler makes and what it writes.
    bench.clients.reset();
    const first = await handler(payload());
    const calls = [...bench.clients.calls];
    const overlapped = [...bench.clients.overlapped];
    const templates = await captureTemplates(bench, first.approvalId);

    const pathTimes: number[] = [];
    const floorTimes: number[] = [];
    const total = options.warmUp + options.samples;
    for (let i = 0; i < total; i++) {
      bench.clients.reset();
      const pathMs = await timeMs(() => handler(payload()));
      if (bench.clients.calls.join() !== calls.join()) {
        throw new Error(`the handler's calls changed: ${describeCalls(bench.clients.calls)}`);
      }
      floorClients.reset();
      const target = { pk: `A#floor-${randomUUID()}`, putsApproval: true };
      const floorMs = await timeMs(() =>
        replayFloor(floorClients, templates, target, calls, overlapped),
      );
      if (floorClients.calls.join() !== calls.join()) throw new Error("the floor's calls differ");
      if (i >= options.warmUp) {
        pathTimes.push(pathMs);
        floorTimes.push(floorMs);
      }
      if ((i + 1) % 100 === 0) progress(`request path: ${i + 1}/${total}`);
    }
    return summarizePath(pathTimes, floorTimes, calls);
  } finally {
    floorClients.destroy();
  }
}

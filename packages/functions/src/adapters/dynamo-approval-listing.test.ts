import { randomUUID } from "node:crypto";
import { BatchWriteCommand, type DynamoDBDocumentClient, GetCommand } from "@aws-sdk/lib-dynamodb";
import type { Approval, ApprovalQuery, ApprovalStore, Outcome } from "@signoff/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeApproval } from "../test-support/approval-fixture.ts";
import { type DynamoEmulator, startDynamo } from "../test-support/emulators.ts";
import { approvalPartition } from "./dynamo-approval-item.ts";
import {
  allListingShard,
  LIST_ALL_SHARDS,
  LISTING_SORT_PREFIX,
  toListingItems,
} from "./dynamo-approval-listing.ts";
import { createDynamoApprovalStore } from "./dynamo-approval-store.ts";
import { ApprovalStoreError } from "./errors.ts";

let dynamo: DynamoEmulator;
let store: ApprovalStore;
let tableName: string;
/** The DynamoDB commands the store sent, by name, in order. */
const sent: string[] = [];

beforeAll(async () => {
  dynamo = await startDynamo();
  tableName = await dynamo.createTable();
  // The real client, with each command's name noted on its way through.
  const real = dynamo.documentClient;
  const recording = {
    send: (command: { constructor: { name: string } }) => {
      sent.push(command.constructor.name);
      return real.send(command as Parameters<typeof real.send>[0]);
    },
  } as unknown as DynamoDBDocumentClient;
  store = createDynamoApprovalStore({ client: recording, tableName });
});

afterAll(async () => {
  await dynamo?.stop();
});

const approved: Outcome = { status: "APPROVED", reason: "quorum", at: "2026-02-01T10:00:00.000Z" };

/** A unique email, so each test's listings hold only its own approvals. */
function someone(name: string): string {
  return `${name}-${randomUUID().slice(0, 8)}@example.com`;
}

/** `count` approvals created a minute apart (oldest first), stored; overrides apply to all. */
async function createMany(count: number, overrides: Partial<Approval> = {}): Promise<Approval[]> {
  const approvals: Approval[] = [];
  for (let index = 0; index < count; index++) {
    const approval = makeApproval({
      createdAt: new Date(Date.UTC(2026, 1, 1, 9, index)).toISOString(),
      ...overrides,
    });
    await store.create(approval);
    approvals.push(approval);
  }
  return approvals;
}

/** Every page of a listing, following cursors, as lists of ids. */
async function allPages(query: Omit<ApprovalQuery, "cursor">): Promise<string[][]> {
  const pages: string[][] = [];
  let cursor: string | undefined;
  do {
    const page = await store.listApprovals({ ...query, ...(cursor ? { cursor } : {}) });
    pages.push(page.approvals.map((approval) => approval.id));
    cursor = page.cursor;
  } while (cursor);
  return pages;
}

const idsOf = (approvals: Approval[]) => approvals.map((approval) => approval.id);

describe("listApprovals", () => {
  it("pages through an approver's approvals newest first, each exactly once", async () => {
    const ann = someone("ann");
    const approvals = await createMany(7, { approvers: [ann] });
    const pages = await allPages({ approver: ann, limit: 3 });
    expect(pages.flat()).toEqual(idsOf(approvals).reverse());
    expect(pages.slice(0, 2).map((page) => page.length)).toEqual([3, 3]);
  });

  it("finds approvals by tag and by execution, and only those", async () => {
    const tag = `release-${randomUUID().slice(0, 8)}`;
    const executionArn = `arn:aws:states:us-east-1:123456789012:execution:demo:${randomUUID()}`;
    const tagged = await createMany(2, { tags: [tag, "other"] });
    const [ofExecution] = await createMany(1, { executionArn });
    await createMany(2, { tags: ["other"] });

    const byTag = await store.listApprovals({ tag, limit: 10 });
    expect(idsOf(byTag.approvals)).toEqual(idsOf(tagged).reverse());
    expect(byTag.cursor).toBeUndefined();
    const byExecution = await store.listApprovals({ executionArn, limit: 10 });
    expect(idsOf(byExecution.approvals)).toEqual([ofExecution!.id]);
  });

  it("filters by status from the status index, and follows settlement once refreshed", async () => {
    const bob = someone("bob");
    const [first, second, third] = await createMany(3, { approvers: [bob] });
    const settled = await store.settle(second!.id, { outcome: approved });
    await store.refreshListing(settled.ok ? settled.approval : second!);

    const pending = await store.listApprovals({ approver: bob, status: "PENDING", limit: 10 });
    expect(idsOf(pending.approvals)).toEqual([third!.id, first!.id]);
    const done = await store.listApprovals({ approver: bob, status: "APPROVED", limit: 10 });
    expect(idsOf(done.approvals)).toEqual([second!.id]);
    expect(done.approvals[0]).toMatchObject({ status: "APPROVED", outcome: approved });
  });

  it("reads only the status asked for, however many approvals have another", async () => {
    const cleo = someone("cleo");
    const settled = await createMany(12, { approvers: [cleo] });
    for (const approval of settled) {
      const result = await store.settle(approval.id, { outcome: approved });
      if (result.ok) await store.refreshListing(result.approval);
    }
    const [waiting] = await createMany(1, { approvers: [cleo] });

    sent.length = 0;
    const page = await store.listApprovals({ approver: cleo, status: "PENDING", limit: 5 });
    expect(idsOf(page.approvals)).toEqual([waiting!.id]);
    expect(page.cursor).toBeUndefined();
    // One index query and one batch read: no Scan, and no walk through the settled twelve.
    expect(sent).toEqual(["QueryCommand", "BatchGetCommand"]);
  });

  it("lists an approver added by escalation under their own name", async () => {
    const dana = someone("dana");
    const [approval] = await createMany(1);
    const escalated = await store.advanceSchedule(approval!.id, {
      seenDueAt: approval!.dueAt!,
      dueAt: approval!.dueAt! + 1,
      escalation: { at: "2026-02-01T09:30:00.000Z", add: [dana] },
    });
    expect(escalated?.approvers).toContain(dana);
    const page = await store.listApprovals({ approver: dana, status: "PENDING", limit: 10 });
    expect(idsOf(page.approvals)).toEqual([approval!.id]);
  });

  it("skips and repairs an entry left naming an old status", async () => {
    const eve = someone("eve");
    const [approval] = await createMany(1, { approvers: [eve] });
    // Settled, and the listing never refreshed (as if the process died just after): the entries
    // still say PENDING. Rewriting them as they were first written makes sure of it.
    await store.settle(approval!.id, { outcome: approved });
    await dynamo.documentClient.send(
      new BatchWriteCommand({
        RequestItems: {
          [tableName]: toListingItems(approval!).map((Item) => ({ PutRequest: { Item } })),
        },
      }),
    );
    const pending = await store.listApprovals({ approver: eve, status: "PENDING", limit: 10 });
    expect(pending.approvals).toEqual([]);

    const { Item: entry } = await dynamo.documentClient.send(
      new GetCommand({
        TableName: tableName,
        Key: { pk: approvalPartition(approval!.id), sk: `${LISTING_SORT_PREFIX}approver#${eve}` },
        ConsistentRead: true,
      }),
    );
    expect(entry?.listStatusKey).toBe(`approver#${eve}|APPROVED`);
    const done = await store.listApprovals({ approver: eve, status: "APPROVED", limit: 10 });
    expect(idsOf(done.approvals)).toEqual([approval!.id]);
  });

  it("keeps listing entries out of the approval, its events and the due index", async () => {
    const fay = someone("fay");
    const [approval] = await createMany(1, { approvers: [fay], tags: ["x"] });
    expect(await store.get(approval!.id)).toEqual(approval);
    expect(await store.listEvents(approval!.id)).toEqual([]);
    const due = await store.listDue(approval!.dueAt!, 100);
    expect(due.approvals.every((item) => "status" in item)).toBe(true);
  });

  it("refuses a cursor from another listing or made up", async () => {
    const gus = someone("gus");
    await createMany(3, { approvers: [gus] });
    const { cursor } = await store.listApprovals({ approver: gus, limit: 1 });
    expect(cursor).toBeDefined();
    const other = store.listApprovals({ approver: someone("hal"), limit: 1, cursor: cursor! });
    await expect(other).rejects.toBeInstanceOf(ApprovalStoreError);
    await expect(other).rejects.toMatchObject({ code: "invalid-cursor" });
    await expect(
      store.listApprovals({ approver: gus, limit: 1, cursor: "not-a-cursor" }),
    ).rejects.toMatchObject({ code: "invalid-cursor" });
  });

  it("spreads everyone's listing over its shards, and pages through them all newest first", async () => {
    // A table of its own: everyone's listing is every approval in the table.
    const ownTable = await dynamo.createTable();
    const own = createDynamoApprovalStore({ client: dynamo.documentClient, tableName: ownTable });
    const approvals: Approval[] = [];
    for (let index = 0; index < 40; index++) {
      const approval = makeApproval({
        createdAt: new Date(Date.UTC(2026, 1, 2, 9, index)).toISOString(),
      });
      await own.create(approval);
      approvals.push(approval);
    }
    const shards = new Set(approvals.map((approval) => allListingShard(approval.id)));
    expect(shards.size).toBeGreaterThan(LIST_ALL_SHARDS / 2);
    expect(toListingItems(approvals[0]!)[0]).toMatchObject({
      sk: `${LISTING_SORT_PREFIX}all`,
      listKey: allListingShard(approvals[0]!.id),
    });

    const pages: string[][] = [];
    let cursor: string | undefined;
    do {
      const page = await own.listApprovals({ limit: 7, ...(cursor ? { cursor } : {}) });
      pages.push(page.approvals.map((approval) => approval.id));
      cursor = page.cursor;
    } while (cursor);
    expect(pages.flat()).toEqual(idsOf(approvals).reverse());
    expect(pages.slice(0, 5).map((page) => page.length)).toEqual([7, 7, 7, 7, 7]);

    // By status too, and an entry still in the unsharded partition is found as before.
    const [settledOne] = approvals;
    const settled = await own.settle(settledOne!.id, { outcome: approved });
    await own.refreshListing(settled.ok ? settled.approval : settledOne!);
    const legacy = makeApproval({ createdAt: "2026-02-03T09:00:00.000Z" });
    await own.create(legacy);
    await dynamo.documentClient.send(
      new BatchWriteCommand({
        RequestItems: {
          [ownTable]: toListingItems(legacy).map((Item) => ({
            PutRequest: {
              Item:
                Item.sk === `${LISTING_SORT_PREFIX}all`
                  ? { ...Item, listKey: "all", listStatusKey: "all|PENDING" }
                  : Item,
            },
          })),
        },
      }),
    );
    const done = await own.listApprovals({ status: "APPROVED", limit: 10 });
    expect(idsOf(done.approvals)).toEqual([settledOne!.id]);
    const newest = await own.listApprovals({ status: "PENDING", limit: 2 });
    expect(idsOf(newest.approvals)).toEqual([legacy.id, approvals.at(-1)!.id]);
    await expect(
      own.listApprovals({ limit: 2, status: "APPROVED", cursor: newest.cursor! }),
    ).rejects.toMatchObject({ code: "invalid-cursor" });
  });

  it("refuses a limit outside 1 to 100", async () => {
    await expect(store.listApprovals({ limit: 0 })).rejects.toBeInstanceOf(RangeError);
    await expect(store.listApprovals({ limit: 101 })).rejects.toBeInstanceOf(RangeError);
  });
});

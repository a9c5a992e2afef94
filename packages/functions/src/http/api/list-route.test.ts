import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { useApiFixture } from "../../test-support/api-fixture.ts";
import { TEST_ADMIN_GROUP } from "../../test-support/oidc-issuer.ts";

const api = useApiFixture();
const { requestApproval, call, decide, expectProblem } = api;

interface ListBody {
  approvals: { id: string; status: string; approvers: string[]; tokenCiphertext?: unknown }[];
  nextCursor?: string;
}

async function list(query: string, email: string, groups?: string[]): Promise<ListBody> {
  const response = await call(`/v1/approvals${query}`, { email, ...(groups && { groups }) });
  expect(response.status).toBe(200);
  return (await response.json()) as ListBody;
}

/** `count` approvals, one after another so their creation times differ, newest last. */
async function requestMany(count: number, fields: Record<string, unknown> = {}) {
  const ids: string[] = [];
  for (let index = 0; index < count; index++) {
    api.time += 1_000;
    ids.push((await requestApproval(fields)).approvalId);
  }
  return ids;
}

describe("GET /v1/approvals", () => {
  it("pages through the caller's approvals newest first with nextCursor", async () => {
    const ids = await requestMany(5);
    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const query = `?approver=me&limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`;
      const page = await list(query, "ann@example.com");
      expect(page.approvals.length).toBeLessThanOrEqual(2);
      seen.push(...page.approvals.map((approval) => approval.id));
      cursor = page.nextCursor;
      pages += 1;
    } while (cursor);
    expect(seen).toEqual([...ids].reverse());
    expect(pages).toBeGreaterThanOrEqual(3);
  });

  it("lists only what waits on the caller by default, and never the token", async () => {
    const [forAnn] = await requestMany(1, { approvers: ["ann@example.com"] });
    await requestMany(1, { approvers: ["bob@example.com"] });
    const page = await list("", "ann@example.com");
    expect(page.approvals.map((approval) => approval.id)).toEqual([forAnn]);
    expect(page.approvals[0]).not.toHaveProperty("tokenCiphertext");
    expect(page.nextCursor).toBeUndefined();
  });

  it("filters by status, tag and execution", async () => {
    const [decided, waiting] = await requestMany(2, { tags: ["release", "eu-west"] });
    await requestMany(1, { tags: ["other"] });
    await decide(decided!, "ann@example.com", { decision: "approve" });

    const pending = await list("?status=PENDING&tag=release", "bob@example.com");
    expect(pending.approvals.map((approval) => approval.id)).toEqual([waiting]);
    const approved = await list("?status=APPROVED", "bob@example.com");
    expect(approved.approvals.map((approval) => approval.id)).toEqual([decided]);

    const { approvalId, executionArn } = await requestApproval();
    const byExecution = await list(
      `?execution=${encodeURIComponent(executionArn)}`,
      "ann@example.com",
    );
    expect(byExecution.approvals.map((approval) => approval.id)).toEqual([approvalId]);
  });

  it("lists an approval under the status its callback ended with, not the one decided", async () => {
    // The execution stops while the decision is on its way: the task answers TaskTimedOut and
    // the approval ends EXPIRED, though the decision settled it APPROVED first.
    const { approvalId, executionArn } = await requestApproval();
    await api.emulators.sfn.stopExecution(executionArn);
    expect((await decide(approvalId, "ann@example.com", { decision: "approve" })).status).toBe(201);
    expect((await api.runtime.deps.store.get(approvalId))?.status).toBe("EXPIRED");

    const ids = async (status: string) =>
      (await list(`?status=${status}`, "ann@example.com")).approvals.map((approval) => approval.id);
    expect(await ids("EXPIRED")).toEqual([approvalId]);
    expect(await ids("APPROVED")).toEqual([]);
    expect(await ids("PENDING")).toEqual([]);
  });

  it("reads only the caller's own partition, so cursors never name others' approvals", async () => {
    const { executionArn } = await requestApproval({ approvers: ["bob@example.com"] });
    // Bob's approvals of the execution are invisible to ann: no items and no cursor.
    const page = await list(
      `?execution=${encodeURIComponent(executionArn)}&limit=1`,
      "ann@example.com",
    );
    expect(page).toEqual({ approvals: [] });
  });

  it("lets an admin list everyone's approvals or one approver's, and nobody else", async () => {
    const tag = `t-${randomUUID().slice(0, 8)}`;
    const [forAnn] = await requestMany(1, { approvers: ["ann@example.com"], tags: [tag] });
    const [forBob] = await requestMany(1, { approvers: ["bob@example.com"], tags: [tag] });
    const admin = ["ops", TEST_ADMIN_GROUP];

    const all = await list(`?tag=${tag}`, "ops@example.com", admin);
    expect(all.approvals.map((approval) => approval.id)).toEqual([forBob, forAnn]);
    const bobs = await list("?approver=Bob@Example.com", "ops@example.com", admin);
    expect(bobs.approvals.map((approval) => approval.id)).toEqual([forBob]);

    const refused = await call("/v1/approvals?approver=bob@example.com", {
      email: "ann@example.com",
    });
    await expectProblem(refused, 403);
  });

  it("answers 400 to a bad filter, limit or cursor, and 401 without a token", async () => {
    await requestMany(2);
    const { nextCursor } = await list("?limit=1", "ann@example.com");
    expect(nextCursor).toBeDefined();
    for (const query of [
      "?status=DONE",
      "?limit=0",
      "?limit=101",
      "?approver=not-an-email",
      "?tag=has%20space",
      "?cursor=garbage",
      // Another listing's cursor does not continue this one.
      `?status=PENDING&cursor=${encodeURIComponent(nextCursor!)}`,
    ]) {
      await expectProblem(await call(`/v1/approvals${query}`, { email: "ann@example.com" }), 400);
    }
    await expectProblem(await call("/v1/approvals"), 401);
  });
});

import { describe, expect, it } from "vitest";
import { useApiFixture } from "../../test-support/api-fixture.ts";

const api = useApiFixture();
const { requestApproval, decide, expectProblem } = api;

describe("POST /v1/approvals/{id}/decisions with an Idempotency-Key", () => {
  it("answers a retry with the recorded decision, marked as replayed, and decides once", async () => {
    const { approvalId, executionArn } = await requestApproval({ policy: { required: 2 } });
    const key = { "Idempotency-Key": "retry-1f0c" };
    const body = { decision: "approve", comment: "Looks good" };

    const first = await decide(approvalId, "ann@example.com", body, key);
    expect(first.status).toBe(201);
    expect(first.headers.get("idempotent-replayed")).toBeNull();
    const recorded = ((await first.json()) as { decision: object }).decision;

    const retries = await Promise.all(
      [1, 2, 3].map(() => decide(approvalId, "ann@example.com", body, key)),
    );
    for (const retry of retries) {
      expect(retry.status).toBe(201);
      expect(retry.headers.get("idempotent-replayed")).toBe("true");
      expect(((await retry.json()) as { decision: object }).decision).toEqual(recorded);
    }

    const events = await api.runtime.deps.store.listEvents(approvalId);
    expect(events.filter((event) => event.type === "decided")).toHaveLength(1);
    // Still waiting for a second approver: nothing was settled by the retries.
    expect((await api.emulators.sfn.describeExecution(executionArn)).status).toBe("RUNNING");
  });

  it("refuses the same key with another decision or comment with 422", async () => {
    const { approvalId } = await requestApproval({ policy: { required: 2 } });
    const key = { "Idempotency-Key": "k-42" };
    await decide(approvalId, "ann@example.com", { decision: "approve" }, key);
    const otherDecision = await decide(approvalId, "ann@example.com", { decision: "reject" }, key);
    const problem = await expectProblem(otherDecision, 422);
    expect(problem.decision).toMatchObject({ decision: "approve" });
    const otherComment = await decide(
      approvalId,
      "ann@example.com",
      { decision: "approve", comment: "changed my mind" },
      key,
    );
    await expectProblem(otherComment, 422);
  });

  it("treats another key, or none, from the same approver as a second decision: 409", async () => {
    const { approvalId } = await requestApproval({ policy: { required: 2 } });
    await decide(
      approvalId,
      "ann@example.com",
      { decision: "approve" },
      { "Idempotency-Key": "a" },
    );
    await expectProblem(
      await decide(
        approvalId,
        "ann@example.com",
        { decision: "approve" },
        { "Idempotency-Key": "b" },
      ),
      409,
    );
    await expectProblem(await decide(approvalId, "ann@example.com", { decision: "approve" }), 409);
  });

  it("keeps keys per approver: the same key from two approvers makes two decisions", async () => {
    const { approvalId, executionArn } = await requestApproval({ policy: { required: 2 } });
    const key = { "Idempotency-Key": "shared-key" };
    expect((await decide(approvalId, "ann@example.com", { decision: "approve" }, key)).status).toBe(
      201,
    );
    const second = await decide(approvalId, "bob@example.com", { decision: "approve" }, key);
    expect(second.status).toBe(201);
    expect(second.headers.get("idempotent-replayed")).toBeNull();
    expect((await api.emulators.sfn.waitForEnd(executionArn)).status).toBe("SUCCEEDED");
  });

  it("answers 400 to a key that is empty, too long or not visible ASCII", async () => {
    const { approvalId } = await requestApproval();
    for (const bad of ["", "x".repeat(256), "has space"]) {
      await expectProblem(
        await decide(
          approvalId,
          "ann@example.com",
          { decision: "approve" },
          { "Idempotency-Key": bad },
        ),
        400,
      );
    }
    expect((await api.runtime.deps.store.get(approvalId))?.decisions).toEqual({});
  });
});

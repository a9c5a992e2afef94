/**
 * A request signoff refuses fails its task at once, however the Task invoked request-approval.
 * AWS's own callback examples invoke with `"InvocationType": "Event"`: Lambda then answers 202,
 * and an error the function throws reaches no one, so without signoff failing the task itself
 * the execution would wait out its whole TimeoutSeconds.
 */
import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { useSignoffStack } from "../support/signoff-stack.ts";
import { approvalWorkflow } from "../support/workflows.ts";

const signoff = useSignoffStack();

/** An hour-long Task that does not catch the error, so the execution fails with it. */
function workflow(invocationType: "Event" | "RequestResponse"): object {
  return approvalWorkflow({
    catchErrors: false,
    task: { TimeoutSeconds: 3600 },
    parameters: { InvocationType: invocationType },
  });
}

describe("a refused request", () => {
  for (const invocationType of ["Event", "RequestResponse"] as const) {
    it(`fails the task with Approval.InvalidRequest naming the field, invoked with ${invocationType}`, async () => {
      const arn = await signoff.createStateMachine(
        `refused-${invocationType}-${randomUUID().slice(0, 8)}`,
        workflow(invocationType),
      );
      const started = Date.now();
      const executionArn = await signoff.startExecution(arn, {
        approvers: ["ann@example.com", "not an address"],
        subject: `Refused ${randomUUID().slice(0, 8)}`,
        timeoutSeconds: 600,
      });
      const end = await signoff.waitForExecution(executionArn, 10_000);
      expect(Date.now() - started).toBeLessThan(10_000);
      expect(end).toMatchObject({ status: "FAILED", error: "Approval.InvalidRequest" });
      expect(JSON.parse(end.cause!)).toEqual({
        errorType: "Approval.InvalidRequest",
        errorMessage: "approvers[1]: must be an email address",
        field: "approvers[1]",
      });
      // The cause is the request's problem, never its token.
      const request = signoff.requests.find((r) => r.payload.executionArn === executionArn);
      expect(request?.token).toBeTruthy();
      expect(request?.error).toMatchObject({ name: "Approval.InvalidRequest" });
      expect(JSON.stringify(end)).not.toContain(request!.token);
      // Nothing was stored for it.
      expect(
        (await signoff.rawItems()).filter((item) => item.executionArn === executionArn),
      ).toEqual([]);
    });
  }
});

describe("a request asking for Slack where Slack is not configured", () => {
  it("fails the task with Approval.InvalidRequest naming the slack field, and stores nothing", async () => {
    const arn = await signoff.createStateMachine(
      `refused-slack-${randomUUID().slice(0, 8)}`,
      approvalWorkflow({ catchErrors: false, fields: ["slack"] }),
    );
    const executionArn = await signoff.startExecution(arn, {
      approvers: ["ann@example.com"],
      subject: `Refused Slack ${randomUUID().slice(0, 8)}`,
      timeoutSeconds: 600,
      slack: { channel: "C0APPROVALS" },
    });
    const end = await signoff.waitForExecution(executionArn, 10_000);
    expect(end).toMatchObject({ status: "FAILED", error: "Approval.InvalidRequest" });
    expect(JSON.parse(end.cause!)).toMatchObject({
      errorType: "Approval.InvalidRequest",
      field: "slack",
      errorMessage: expect.stringContaining("Slack is not configured"),
    });
    expect((await signoff.rawItems()).filter((item) => item.executionArn === executionArn)).toEqual(
      [],
    );
  });
});

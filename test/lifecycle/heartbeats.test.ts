/**
 * Heartbeats end to end on the local stack: a Task with `HeartbeatSeconds` far shorter than the
 * approval's wait stays alive while the sweeper runs, and times out with States.HeartbeatTimeout
 * (caught, as the README recommends, to alarm on a dead approval service) once it stops.
 */
import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { pollUntil, sleep } from "../support/poll.ts";
import { useSignoffStack } from "../support/signoff-stack.ts";
import { approvalWorkflow } from "../support/workflows.ts";

const HEARTBEAT_SECONDS = 2;

const signoff = useSignoffStack({ sweepIntervalMs: 100 });

describe("heartbeats", () => {
  it("keep a short-heartbeat Task alive while signoff runs, and let it time out when the sweeper stops", async () => {
    const stateMachineArn = await signoff.createStateMachine(
      `heartbeat-${randomUUID()}`,
      approvalWorkflow({
        fields: ["heartbeatSeconds"],
        task: { HeartbeatSeconds: HEARTBEAT_SECONDS },
      }),
    );
    const subject = `Approve the migration ${randomUUID().slice(0, 8)}`;
    const executionArn = await signoff.startExecution(stateMachineArn, {
      approvers: ["ann@example.com"],
      subject,
      timeoutSeconds: 600,
      heartbeatSeconds: HEARTBEAT_SECONDS,
    });
    const approvalId = await signoff.approvalIdFor(subject);

    // 1. Two and a half heartbeat timeouts later the Task is still waiting for people.
    await sleep(HEARTBEAT_SECONDS * 2_500);
    expect((await signoff.describeExecution(executionArn)).status).toBe("RUNNING");
    const alive = await signoff.approval(approvalId);
    expect(alive?.status).toBe("PENDING");
    expect(alive?.heartbeatAt).toBeGreaterThan(Date.parse(alive!.createdAt) + 4_000);

    // 2. signoff goes down: within one HeartbeatSeconds the Task times out, and the Catch runs.
    await signoff.stopSweeper();
    const stoppedAt = Date.now();
    const end = await signoff.waitForExecution(executionArn, 10_000);
    expect(Date.now() - stoppedAt).toBeLessThan(HEARTBEAT_SECONDS * 1_000 + 1_500);
    expect(end.status).toBe("SUCCEEDED");
    expect(end.output).toMatchObject({ error: { Error: "States.HeartbeatTimeout" } });
    const timedOut = (await signoff.history(executionArn)).filter(
      (event) => event.type === "TaskTimedOut",
    );
    expect(timedOut.map((event) => event.taskTimedOutEventDetails?.error)).toEqual([
      "States.HeartbeatTimeout",
    ]);

    // 3. signoff comes back: the next heartbeat finds the task closed and ends the approval.
    expect((await signoff.approval(approvalId))?.status).toBe("PENDING");
    signoff.startSweeper();
    const cancelled = await pollUntil("the approval to be cancelled", async () => {
      const approval = await signoff.approval(approvalId);
      return approval?.status === "PENDING" ? undefined : approval;
    });
    expect(cancelled).toMatchObject({
      status: "CANCELLED",
      callback: "NONE",
      outcome: { reason: "task-closed" },
    });
    const notice = await signoff.waitForMail("ann@example.com", `No longer needed: ${subject}`);
    expect(notice.body.text).toContain("has already closed");
  }, 30_000);
});

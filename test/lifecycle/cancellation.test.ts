/**
 * Cancellation end to end on the local stack: an execution that ends while its approval is
 * pending (stopped, or failed by a parallel branch) reaches the cancel handler through sfn-local's
 * status change event, exactly as EventBridge delivers it on AWS.
 */
import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { headingOf } from "../support/pages.ts";
import { pollUntil, sleep } from "../support/poll.ts";
import { useSignoffStack } from "../support/signoff-stack.ts";

const signoff = useSignoffStack({ sweepIntervalMs: 100 });

const APPROVERS = ["ann@example.com", "bob@example.com"];

function uniqueSubject(what: string): string {
  return `${what} ${randomUUID().slice(0, 8)}`;
}

/** Waits until the approval is no longer PENDING and returns it. */
function settled(approvalId: string) {
  return pollUntil(`approval ${approvalId} to settle`, async () => {
    const approval = await signoff.approval(approvalId);
    return approval?.status === "PENDING" ? undefined : approval;
  });
}

/** Asserts each approver got exactly one "no longer needed" notice, a few sweeps later too. */
async function expectOneNoticeEach(subject: string) {
  // The notices go out after the cancellation is stored: wait for them (a loaded machine is
  // slow), then long enough for more sweeps to have sent a second one if they were going to.
  for (const to of APPROVERS) {
    await pollUntil(`${to}'s "no longer needed" notice`, async () =>
      (await signoff.findMail(to, `No longer needed: ${subject}`)).length > 0 ? true : undefined,
    );
  }
  await sleep(500);
  for (const to of APPROVERS) {
    const notices = await signoff.findMail(to, `No longer needed: ${subject}`);
    expect(notices, to).toHaveLength(1);
    expect(notices[0]?.body.text).toContain("no decision is needed any more");
  }
}

describe("cancellation when the execution ends", () => {
  it("cancels the approval when the execution is stopped; its links say no longer needed", async () => {
    const subject = uniqueSubject("Deploy checkout");
    const executionArn = await signoff.startExecution(signoff.demoArn, {
      approvers: APPROVERS,
      subject,
      details: { version: "2.3.0" },
      requestedBy: "dev@example.com",
      timeoutSeconds: 600,
    });
    const approvalId = await signoff.approvalIdFor(subject);
    const links = await signoff.linksFor("ann@example.com", subject);

    await signoff.stopExecution(executionArn);
    expect((await signoff.waitForExecution(executionArn)).status).toBe("ABORTED");
    const approval = await settled(approvalId);
    expect(approval).toMatchObject({
      status: "CANCELLED",
      callback: "NONE",
      outcome: { reason: "execution-ended" },
    });

    for (const url of [links.approve, links.reject]) {
      const page = await signoff.openPage(url);
      expect(page.status).toBe(410);
      expect(headingOf(page)).toBe("This request is no longer needed");
      expect(page.nonce).toBeUndefined();
    }
    await expectOneNoticeEach(subject);
    const notice = (await signoff.findMail("bob@example.com", `No longer needed: ${subject}`))[0];
    expect(notice?.body.text).toContain("was stopped before anyone decided");
  });

  it("cancels the approval when another branch fails the execution", async () => {
    const stateMachineArn = await signoff.createStateMachine(`parallel-${randomUUID()}`, {
      StartAt: "Both",
      States: {
        Both: {
          Type: "Parallel",
          End: true,
          Branches: [
            {
              StartAt: "RequestApproval",
              States: {
                RequestApproval: {
                  Type: "Task",
                  Resource: "arn:aws:states:::lambda:invoke.waitForTaskToken",
                  Parameters: {
                    FunctionName: "request-approval",
                    Payload: {
                      "taskToken.$": "$$.Task.Token",
                      "executionArn.$": "$$.Execution.Id",
                      "approvers.$": "$.approvers",
                      "subject.$": "$.subject",
                    },
                  },
                  End: true,
                },
              },
            },
            {
              StartAt: "WaitForApprovalEmails",
              States: {
                WaitForApprovalEmails: { Type: "Wait", Seconds: 1, Next: "Break" },
                Break: { Type: "Fail", Error: "Build.Broken", Cause: "the build failed" },
              },
            },
          ],
        },
      },
    });
    const subject = uniqueSubject("Release with a broken build");
    const executionArn = await signoff.startExecution(stateMachineArn, {
      approvers: APPROVERS,
      subject,
    });
    const approvalId = await signoff.approvalIdFor(subject);

    expect(await signoff.waitForExecution(executionArn)).toMatchObject({
      status: "FAILED",
      error: "Build.Broken",
    });
    expect(await settled(approvalId)).toMatchObject({ status: "CANCELLED" });
    await expectOneNoticeEach(subject);
    const notice = (await signoff.findMail("ann@example.com", `No longer needed: ${subject}`))[0];
    expect(notice?.body.text).toContain("failed before anyone decided");
  });

  it("leaves an approval alone when its execution succeeds", async () => {
    const subject = uniqueSubject("Approve and finish");
    const executionArn = await signoff.startExecution(signoff.demoArn, {
      approvers: APPROVERS,
      subject,
      details: {},
      requestedBy: "dev@example.com",
      timeoutSeconds: 600,
    });
    const approvalId = await signoff.approvalIdFor(subject);
    const links = await signoff.linksFor("ann@example.com", subject);
    await signoff.decide(links.approve, "approve");
    expect((await signoff.waitForExecution(executionArn)).status).toBe("SUCCEEDED");
    await sleep(300);
    expect(await signoff.approval(approvalId)).toMatchObject({
      status: "APPROVED",
      callback: "DELIVERED",
    });
    expect(await signoff.findMail("bob@example.com", `No longer needed: ${subject}`)).toEqual([]);
  });
});

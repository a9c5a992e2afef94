/**
 * Reminders and escalation end to end on the local stack: real executions of fixture workflows,
 * real mail through the SES emulator, real link pages. Reminders are swept at chosen instants
 * (the same sweep the timer runs, given `now`); escalation runs on the sweeper's own timer.
 */
import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { linksIn } from "../support/inbox.ts";
import { headingOf } from "../support/pages.ts";
import { sleep } from "../support/poll.ts";
import { useSignoffStack } from "../support/signoff-stack.ts";
import { approvalWorkflow } from "../support/workflows.ts";

// Sweeps run by hand at chosen instants; the escalation test starts the timer itself.
const signoff = useSignoffStack({ sweeper: false });

function uniqueSubject(what: string): string {
  return `${what} ${randomUUID().slice(0, 8)}`;
}

describe("reminders", () => {
  it("go out at the configured points to those who have not decided, and not twice", async () => {
    const stateMachineArn = await signoff.createStateMachine(
      `reminders-${randomUUID()}`,
      approvalWorkflow({ fields: ["reminders", "policy"] }),
    );
    const subject = uniqueSubject("Rotate the signing keys");
    const executionArn = await signoff.startExecution(stateMachineArn, {
      approvers: ["ann@example.com", "bob@example.com", "cat@example.com"],
      subject,
      timeoutSeconds: 1000,
      reminders: { at: [0.5, 0.9] },
      policy: { required: 2 },
    });
    const approvalId = await signoff.approvalIdFor(subject);
    const createdAt = Date.parse((await signoff.approval(approvalId))!.createdAt);
    const at = (seconds: number) => new Date(createdAt + seconds * 1000);
    const reminders = async (to: string) =>
      signoff.findMail(to, `Reminder: approval requested: ${subject}`);

    // ann approves at once; 1 of the 2 approvals needed.
    await signoff.decide((await signoff.linksFor("ann@example.com", subject)).approve, "approve");

    expect((await signoff.sweep({ now: at(499) })).reminded).toBe(0);
    // Two sweeps at the same instant (a late timer and the next one): one reminder each.
    const runs = await Promise.all([
      signoff.sweep({ now: at(500) }),
      signoff.sweep({ now: at(500) }),
    ]);
    expect(runs[0]!.reminded + runs[1]!.reminded).toBe(1);
    expect((await signoff.sweep({ now: at(700) })).reminded).toBe(0);
    expect(await reminders("ann@example.com")).toEqual([]);
    expect(await reminders("bob@example.com")).toHaveLength(1);
    expect(await reminders("cat@example.com")).toHaveLength(1);

    const [reminder] = await reminders("bob@example.com");
    expect(reminder?.body.text).toContain("Time left: 8 minutes");
    expect(reminder?.body.text).toContain(
      "If nobody decides in time: the request fails as timed out",
    );
    const page = await signoff.openPage(linksIn(reminder!).approve);
    expect(page.status).toBe(200);
    expect(headingOf(page)).toBe(subject);

    expect((await signoff.sweep({ now: at(900) })).reminded).toBe(1);
    expect((await signoff.sweep({ now: at(950) })).reminded).toBe(0);
    expect(await reminders("bob@example.com")).toHaveLength(2);
    expect(await reminders("cat@example.com")).toHaveLength(2);

    // bob answers the reminder; with ann's, that is the quorum.
    const latest = (await reminders("bob@example.com")).at(-1)!;
    await signoff.decide(linksIn(latest).approve, "approve");
    expect(await signoff.waitForExecution(executionArn)).toMatchObject({ status: "SUCCEEDED" });
  });
});

describe("escalation", () => {
  it("adds approvers after the wait, and an escalated approver's decision completes the execution", async () => {
    const stateMachineArn = await signoff.createStateMachine(
      `escalation-${randomUUID()}`,
      approvalWorkflow({ fields: ["escalation"] }),
    );
    const subject = uniqueSubject("Refund order 4411");
    signoff.startSweeper(100);
    try {
      const executionArn = await signoff.startExecution(stateMachineArn, {
        approvers: ["ann@example.com"],
        subject,
        timeoutSeconds: 600,
        escalation: { afterSeconds: 1, to: ["lead@example.com"] },
      });
      const approvalId = await signoff.approvalIdFor(subject);

      const escalated = await signoff.waitForMail(
        "lead@example.com",
        `Escalated: approval requested: ${subject}`,
      );
      expect(escalated.body.text).toContain(
        "Nobody had settled it less than a minute after it was requested, so it now asks you too.",
      );
      expect((await signoff.approval(approvalId))?.approvers).toEqual([
        "ann@example.com",
        "lead@example.com",
      ]);

      const recorded = await signoff.decide(linksIn(escalated).approve, "approve", "Refund it.");
      expect(headingOf(recorded)).toBe("Approved: your decision is recorded");
      const end = await signoff.waitForExecution(executionArn);
      expect(end.status).toBe("SUCCEEDED");
      expect(end.output).toMatchObject({
        outcome: "approved",
        decisions: [{ approver: "lead@example.com", decision: "approve", comment: "Refund it." }],
      });
      // One escalation however many sweeps ran meanwhile.
      await sleep(300);
      expect(
        await signoff.findMail("lead@example.com", `Escalated: approval requested: ${subject}`),
      ).toHaveLength(1);
    } finally {
      await signoff.stopSweeper();
    }
  });
});

/**
 * Deadlines end to end: nobody decides, the sweeper (on its 200 ms timer) finds the approval in
 * the due index once its deadline passes, applies `onTimeout` and tells the waiting execution.
 * The scenarios wait on the clock rather than on each other, so they run concurrently.
 */
import { describe, it } from "vitest";
import {
  approvalInput,
  requestApproval,
  SWEEP_INTERVAL_MS,
  uniqueSubject,
} from "./support/approval-requests.ts";
import { gatherEvidence, recordedTokens } from "./support/evidence.ts";
import { expectSecurePage, headingOf } from "./support/pages.ts";
import { useSignoffStack } from "./support/signoff-stack.ts";
import { findTokenLeaks } from "./support/token-leaks.ts";

/** Short enough to wait for, long enough to read the mail and open a page first. */
const TIMEOUT_SECONDS = 2;

const signoff = useSignoffStack({ sweepIntervalMs: SWEEP_INTERVAL_MS });

describe("deadlines", () => {
  it.concurrent("fail the execution with Approval.TimedOut by default, through the sweeper, after which every link shows the expired page", async ({
    expect,
  }) => {
    const subject = uniqueSubject("Deadline fails");
    const approvers = ["alice@example.com", "bob@example.com"];
    const { executionArn, approvalId } = await requestApproval(
      signoff,
      signoff.demoArn,
      approvalInput({ approvers, subject, timeoutSeconds: TIMEOUT_SECONDS }),
    );
    const links = await Promise.all(approvers.map((a) => signoff.linksFor(a, subject)));
    expect((await signoff.openPage(links[0]!.approve)).nonce).toBeDefined();

    const end = await signoff.waitForExecution(executionArn);
    expect(end).toMatchObject({ status: "FAILED", error: "Approval.TimedOut" });
    expect(await signoff.taskCallbacks(executionArn)).toEqual(["TaskFailed"]);
    expect(await signoff.waitForCallbackRecorded(approvalId)).toMatchObject({
      status: "EXPIRED",
      outcome: { status: "EXPIRED", reason: "timeout" },
      callback: "DELIVERED",
      decisions: {},
    });
    for (const url of links.flatMap((l) => [l.approve, l.reject])) {
      const page = await signoff.openPage(url);
      expect(page.status).toBe(410);
      expectSecurePage(page);
      expect(headingOf(page)).toBe("This link has expired");
      expect(page.nonce).toBeUndefined();
    }
  });

  it.concurrent("succeed the execution as approved by the deadline when the request says onTimeout approve", async ({
    expect,
  }) => {
    const arn = await signoff.createStateMachine(
      "approval-approve-on-timeout",
      "approval-approve-on-timeout.asl.json",
    );
    const subject = uniqueSubject("Deadline approves");
    const { executionArn, approvalId } = await requestApproval(
      signoff,
      arn,
      approvalInput({ approvers: ["alice@example.com"], subject, timeoutSeconds: TIMEOUT_SECONDS }),
    );
    const links = await signoff.linksFor("alice@example.com", subject);

    const end = await signoff.waitForExecution(executionArn);
    expect(end.status).toBe("SUCCEEDED");
    // The deadline shows up as signoff's own decision, so the workflow can tell it from a person's.
    expect(end.output).toEqual({
      approvalId,
      outcome: "approved",
      decisions: [
        {
          approver: "signoff",
          decision: "approve",
          comment: null,
          at: expect.any(String),
          channel: "timeout",
        },
      ],
    });
    expect(await signoff.waitForCallbackRecorded(approvalId)).toMatchObject({
      status: "APPROVED",
      outcome: { reason: "timeout" },
      callback: "DELIVERED",
    });
    // Settled by the deadline: the link says the deadline decided it and offers no form.
    const page = await signoff.openPage(links.approve);
    expectSecurePage(page);
    expect(page.nonce).toBeUndefined();
    expect(headingOf(page)).toMatch(
      /^Nobody decided by the deadline \(.+ UTC\), so the request was approved, as it was set up to be$/,
    );
  });

  it.concurrent("fail the execution with Approval.Rejected when the request says onTimeout reject", async ({
    expect,
  }) => {
    const arn = await signoff.createStateMachine(
      "approval-reject-on-timeout",
      "approval-reject-on-timeout.asl.json",
    );
    const subject = uniqueSubject("Deadline rejects");
    const { executionArn, approvalId } = await requestApproval(
      signoff,
      arn,
      approvalInput({ approvers: ["alice@example.com"], subject, timeoutSeconds: TIMEOUT_SECONDS }),
    );

    const end = await signoff.waitForExecution(executionArn);
    expect(end).toMatchObject({ status: "FAILED", error: "Approval.Rejected" });
    expect(await signoff.waitForCallbackRecorded(approvalId)).toMatchObject({
      status: "REJECTED",
      outcome: { reason: "timeout" },
      callback: "DELIVERED",
    });
  });

  it("let no task token into anything the sweeper path produced", async ({ expect }) => {
    // Its own deadline, on top of the runs above (which have all ended by now).
    const subject = uniqueSubject("Deadline token audit");
    const { executionArn } = await requestApproval(
      signoff,
      signoff.demoArn,
      approvalInput({ approvers: ["audit@example.com"], subject, timeoutSeconds: TIMEOUT_SECONDS }),
    );
    await signoff.openPage((await signoff.linksFor("audit@example.com", subject)).approve);
    expect((await signoff.waitForExecution(executionArn)).status).toBe("FAILED");

    const tokens = recordedTokens(signoff);
    const haystacks = await gatherEvidence(signoff);
    expect(tokens.length).toBeGreaterThan(0);
    expect(signoff.logs.some((line) => line.includes('"message":"sweep finished"'))).toBe(true);
    expect(findTokenLeaks(tokens, haystacks)).toEqual([]);
  });
});

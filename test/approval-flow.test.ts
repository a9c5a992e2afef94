/**
 * The approval flow end to end on the local stack: real executions of the demo workflow (and of
 * fixture workflows a state machine author would write), real email through the SES emulator,
 * real HTTP to the link pages, real SendTask* calls to sfn-local. Deadlines are in
 * deadlines.test.ts, refused links in link-refusals.test.ts.
 */
import { describe, expect, it } from "vitest";
import {
  approvalInput,
  expectStillWaiting,
  QUIET_MS,
  requestApproval,
  SWEEP_INTERVAL_MS,
  uniqueSubject,
} from "./support/approval-requests.ts";
import { gatherEvidence, recordedTokens } from "./support/evidence.ts";
import { expectSecurePage, headingOf } from "./support/pages.ts";
import { sleep } from "./support/poll.ts";
import { useSignoffStack } from "./support/signoff-stack.ts";
import { findTokenLeaks } from "./support/token-leaks.ts";

const signoff = useSignoffStack({ sweepIntervalMs: SWEEP_INTERVAL_MS });

describe("the approval flow", () => {
  it("succeeds the execution when an approver approves by link, with their decision and comment in its output", async () => {
    const subject = uniqueSubject("Deploy checkout-service");
    const { executionArn, approvalId } = await requestApproval(
      signoff,
      signoff.demoArn,
      approvalInput({ approvers: ["alice@example.com", "bob@example.com"], subject }),
    );
    const links = await signoff.linksFor("alice@example.com", subject);

    const recorded = await signoff.decide(links.approve, "approve", "Ship it <today>");
    expect(recorded.status).toBe(200);
    expectSecurePage(recorded);
    expect(headingOf(recorded)).toBe("Approved: your decision is recorded");
    expect(recorded.html).toContain("Ship it &lt;today&gt;");

    const end = await signoff.waitForExecution(executionArn);
    expect(end.status).toBe("SUCCEEDED");
    expect(end.output).toEqual({
      approvalId,
      outcome: "approved",
      decisions: [
        {
          approver: "alice@example.com",
          decision: "approve",
          comment: "Ship it <today>",
          at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
          channel: "link",
        },
      ],
    });
    expect(await signoff.taskCallbacks(executionArn)).toEqual(["TaskSucceeded"]);
    expect(await signoff.approval(approvalId)).toMatchObject({
      status: "APPROVED",
      callback: "DELIVERED",
      callbackAttempts: 1,
    });
  });

  it("fails the execution with Approval.Rejected when an approver rejects by link", async () => {
    const subject = uniqueSubject("Drop the orders table");
    const { executionArn, approvalId } = await requestApproval(
      signoff,
      signoff.demoArn,
      approvalInput({ approvers: ["alice@example.com", "bob@example.com"], subject }),
    );
    // Bob follows his Approve link but presses Reject: the button counts, not the link.
    const links = await signoff.linksFor("bob@example.com", subject);
    const recorded = await signoff.decide(links.approve, "reject", "Not during the sale");
    expect(headingOf(recorded)).toBe("Rejected: your decision is recorded");

    const end = await signoff.waitForExecution(executionArn);
    expect(end).toMatchObject({ status: "FAILED", error: "Approval.Rejected" });
    expect(await signoff.taskCallbacks(executionArn)).toEqual(["TaskFailed"]);
    expect(await signoff.approval(approvalId)).toMatchObject({
      status: "REJECTED",
      callback: "DELIVERED",
    });
  });

  it("hands a rejection to the workflow as output when the request says rejectAs output", async () => {
    const arn = await signoff.createStateMachine(
      "approval-reject-as-output",
      "approval-reject-as-output.asl.json",
    );
    const subject = uniqueSubject("Rotate the signing key");
    const { executionArn, approvalId } = await requestApproval(
      signoff,
      arn,
      approvalInput({ approvers: ["alice@example.com"], subject }),
    );
    const links = await signoff.linksFor("alice@example.com", subject);
    await signoff.decide(links.reject, "reject", "Wait for the audit");

    const end = await signoff.waitForExecution(executionArn);
    expect(end.status).toBe("SUCCEEDED");
    expect(end.output).toMatchObject({
      approvalId,
      outcome: "rejected",
      decisions: [
        { approver: "alice@example.com", decision: "reject", comment: "Wait for the audit" },
      ],
    });
  });

  it("waits for the second of a 2-of-3 quorum, succeeds with both decisions, and then shows the third approver it is decided", async () => {
    const arn = await signoff.createStateMachine("approval-2-of-3", "approval-2-of-3.asl.json");
    const approvers = ["ann@example.com", "ben@example.com", "cy@example.com"];
    const subject = uniqueSubject("Grant prod access");
    const { executionArn, approvalId } = await requestApproval(
      signoff,
      arn,
      approvalInput({ approvers, subject }),
    );
    const [ann, ben, cy] = await Promise.all(approvers.map((a) => signoff.linksFor(a, subject)));
    // Cy opens the page now and presses Approve only after the quorum is met.
    const cyForm = await signoff.openPage(cy!.approve);

    const first = await signoff.decide(ann!.approve, "approve", "one");
    expect(first.html).toContain("is now waiting for decisions");
    await expectStillWaiting(signoff, executionArn, approvalId);
    expect(Object.keys((await signoff.approval(approvalId))!.decisions)).toEqual([
      "ann@example.com",
    ]);

    const second = await signoff.decide(ben!.approve, "approve", "two");
    expect(second.html).toContain("is now approved");
    const end = await signoff.waitForExecution(executionArn);
    expect(end.status).toBe("SUCCEEDED");
    expect(end.output).toMatchObject({
      approvalId,
      outcome: "approved",
      decisions: [
        { approver: "ann@example.com", decision: "approve", comment: "one", channel: "link" },
        { approver: "ben@example.com", decision: "approve", comment: "two", channel: "link" },
      ],
    });

    const third = await signoff.openPage(cy!.approve);
    expect(third.status).toBe(200);
    const settledBy =
      /^This request was already decided: approved by ann@example\.com and ben@example\.com at \d{4}-\d\d-\d\d \d\d:\d\d UTC$/;
    expect(headingOf(third)).toMatch(settledBy);
    expect(third.nonce).toBeUndefined();
    const late = await signoff.submit(cy!.approve, cyForm.nonce!, "approve");
    expect(headingOf(late)).toMatch(settledBy);
    expect(await signoff.taskCallbacks(executionArn)).toEqual(["TaskSucceeded"]);
  });

  it("settles a 2-of-3 quorum reached by two approvers pressing Approve at the same moment, calling the task back once", async () => {
    const arn = await signoff.createStateMachine("approval-2-of-3", "approval-2-of-3.asl.json");
    const approvers = ["dee@example.com", "eli@example.com", "fay@example.com"];
    const subject = uniqueSubject("Simultaneous quorum");
    const { executionArn, approvalId } = await requestApproval(
      signoff,
      arn,
      approvalInput({ approvers, subject }),
    );
    const [dee, eli] = await Promise.all(
      approvers.slice(0, 2).map((a) => signoff.linksFor(a, subject)),
    );
    const forms = await Promise.all([
      signoff.openPage(dee!.approve),
      signoff.openPage(eli!.approve),
    ]);

    const pressed = await Promise.all([
      signoff.submit(dee!.approve, forms[0]!.nonce!, "approve"),
      signoff.submit(eli!.approve, forms[1]!.nonce!, "approve"),
    ]);
    for (const page of pressed) expect(headingOf(page)).toBe("Approved: your decision is recorded");

    const end = await signoff.waitForExecution(executionArn);
    expect(end.status).toBe("SUCCEEDED");
    expect(end.output).toMatchObject({ outcome: "approved" });
    const decided = (end.output as { decisions: Array<{ approver: string }> }).decisions;
    expect(decided.map((d) => d.approver).sort()).toEqual(["dee@example.com", "eli@example.com"]);
    await sleep(QUIET_MS);
    expect(await signoff.taskCallbacks(executionArn)).toEqual(["TaskSucceeded"]);
    expect(await signoff.approval(approvalId)).toMatchObject({
      status: "APPROVED",
      callback: "DELIVERED",
      callbackAttempts: 1,
    });
  });

  it("refuses the requester's own approval and waits for another approver", async () => {
    const subject = uniqueSubject("Raise my own quota");
    const { executionArn, approvalId } = await requestApproval(
      signoff,
      signoff.demoArn,
      approvalInput({
        approvers: ["dev@example.com", "lead@example.com"],
        // Spelled differently from the approver entry: still the same person.
        requestedBy: "Dev@Example.COM",
        subject,
      }),
    );
    const own = await signoff.linksFor("dev@example.com", subject);

    const page = await signoff.openPage(own.approve);
    expect(page.status).toBe(200);
    expect(page.nonce).toBeDefined();
    expect(page.html).not.toContain('value="approve"');
    expect(page.html).toContain('value="reject"');
    expect(page.html).toContain("You requested this, so you may reject it but not approve it.");

    // A hand-made POST with the page's valid nonce is refused all the same.
    const forged = await signoff.submit(own.approve, page.nonce!, "approve", "trust me");
    expect(forged.status).toBe(403);
    expectSecurePage(forged);
    expect(headingOf(forged)).toBe("You cannot approve your own request");
    await expectStillWaiting(signoff, executionArn, approvalId);
    expect((await signoff.approval(approvalId))?.decisions).toEqual({});

    const lead = await signoff.linksFor("lead@example.com", subject);
    await signoff.decide(lead.approve, "approve");
    const end = await signoff.waitForExecution(executionArn);
    expect(end.status).toBe("SUCCEEDED");
    expect(end.output).toMatchObject({
      decisions: [{ approver: "lead@example.com", decision: "approve" }],
    });
  });

  it("sends no second email when request-approval is invoked again with the same token", async () => {
    const subject = uniqueSubject("Retried invocation");
    const approvers = ["alice@example.com", "bob@example.com"];
    const { executionArn, approvalId, request } = await requestApproval(
      signoff,
      signoff.demoArn,
      approvalInput({ approvers, subject }),
    );
    expect(request.result).toEqual({ approvalId, created: true, emailed: 2 });
    await Promise.all(approvers.map((a) => signoff.waitForMail(a, subject)));
    const mailBefore = (await signoff.readInbox()).filter((m) => m.subject.includes(subject));
    expect(mailBefore).toHaveLength(2);

    // What a Lambda retry or a redelivered invoke does: the same payload, the same token.
    const retry = await signoff.invokeRequestApproval(request.payload);
    expect(retry).toEqual({ approvalId, created: false, emailed: 0 });

    const mailAfter = (await signoff.readInbox()).filter((m) => m.subject.includes(subject));
    expect(mailAfter.map((m) => m.messageId)).toEqual(mailBefore.map((m) => m.messageId));
    const events = await signoff.runtime().deps.store.listEvents(approvalId);
    expect(events.map((e) => e.type)).toEqual(["requested", "emailed", "emailed"]);

    // The retry disturbed nothing: the execution still completes on a decision.
    const links = await signoff.linksFor("bob@example.com", subject);
    await signoff.decide(links.approve, "approve");
    expect((await signoff.waitForExecution(executionArn)).status).toBe("SUCCEEDED");
  });

  it("decides nothing when mail scanners GET and HEAD every link again and again, and a person can still decide after them", async () => {
    const subject = uniqueSubject("Scanned links");
    const approvers = ["alice@example.com", "bob@example.com", "carol@example.com"];
    const { executionArn, approvalId } = await requestApproval(
      signoff,
      signoff.demoArn,
      approvalInput({ approvers, subject }),
    );
    const links = await Promise.all(approvers.map((a) => signoff.linksFor(a, subject)));
    const scanners = [
      "Mozilla/5.0 (compatible; Microsoft Office Protocol Discovery) SafeLinks",
      "Proofpoint URL Defense/1.0",
      "Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)",
      "Mozilla/5.0 (Windows NT 5.1; rv:11.0) Gecko Firefox/11.0 (via ggpht.com GoogleImageProxy)",
      "curl/8.5.0",
    ];
    let opened = 0;
    for (let round = 0; round < 2; round++) {
      for (const userAgent of scanners) {
        const pages = await Promise.all(
          links
            .flatMap((l) => [l.approve, l.reject])
            .flatMap((url) => [
              signoff.openPage(url, { userAgent }),
              signoff.openPage(url, { userAgent, method: "HEAD" }),
            ]),
        );
        for (const page of pages) {
          expect(page.status).toBe(200);
          if (page.method === "HEAD") expect(page.html).toBe("");
          else expect(page.nonce).toBeDefined();
        }
        opened += pages.length;
      }
    }
    expect(opened).toBe(2 * scanners.length * approvers.length * 2 * 2);

    await expectStillWaiting(signoff, executionArn, approvalId);
    expect((await signoff.approval(approvalId))?.decisions).toEqual({});
    const events = await signoff.runtime().deps.store.listEvents(approvalId);
    expect(events.filter((e) => e.type === "decided")).toEqual([]);

    await signoff.decide(links[2]!.approve, "approve", "after the scanners");
    const end = await signoff.waitForExecution(executionArn);
    expect(end.status).toBe("SUCCEEDED");
    expect(end.output).toMatchObject({ decisions: [{ approver: "carol@example.com" }] });
    expect(await signoff.taskCallbacks(executionArn)).toEqual(["TaskSucceeded"]);
  });

  it("never lets a task token into an email, page, response header, log line, stored item or execution output", async () => {
    // Its own approve and reject runs, on top of everything the tests above did in this stack.
    const approved = uniqueSubject("Token audit approve");
    const rejected = uniqueSubject("Token audit reject");
    const runs = await Promise.all([
      requestApproval(
        signoff,
        signoff.demoArn,
        approvalInput({ approvers: ["t1@example.com"], subject: approved }),
      ),
      requestApproval(
        signoff,
        signoff.demoArn,
        approvalInput({ approvers: ["t2@example.com"], subject: rejected }),
      ),
    ]);
    await signoff.decide((await signoff.linksFor("t1@example.com", approved)).approve, "approve");
    await signoff.decide((await signoff.linksFor("t2@example.com", rejected)).reject, "reject");
    for (const run of runs) await signoff.waitForExecution(run.executionArn);

    const tokens = recordedTokens(signoff);
    const haystacks = await gatherEvidence(signoff);

    // The search is not vacuous: there is plenty to search, and it finds tokens where they are.
    expect(tokens.length).toBeGreaterThanOrEqual(runs.length);
    expect(signoff.pages.length).toBeGreaterThanOrEqual(2 * runs.length);
    expect(signoff.logs.some((line) => line.includes('"message":"decision recorded"'))).toBe(true);
    const items = haystacks.find((h) => h.source === "DynamoDB items")!.text;
    expect(items).toContain("tokenCiphertext");
    const payloads = { source: "payloads", text: JSON.stringify(signoff.requests) };
    expect(findTokenLeaks(tokens, [payloads])).toHaveLength(tokens.length);

    expect(findTokenLeaks(tokens, haystacks)).toEqual([]);
  });
});

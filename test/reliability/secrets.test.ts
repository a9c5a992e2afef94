/**
 * Secrets stay secret through a realistic mix of work: approvals decided by link (approve and
 * reject), by the `/v1` API (with its refusals), by the deadline after reminders and an
 * escalation, cancelled by a stopped execution, and a forged link refused. Afterwards every task
 * token and every signing and encryption key is searched for in everything the run produced:
 * log lines, emails (the emulator's raw store and each parsed part), pages and their headers,
 * API responses and their headers, DynamoDB items as stored, approvals and audit trails as read
 * back, and execution outcomes. Failures name the artefact, never the secret.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  approvalInput,
  requestApproval,
  SWEEP_INTERVAL_MS,
  uniqueSubject,
} from "../support/approval-requests.ts";
import { gatherEvidence, recordedTokens } from "../support/evidence.ts";
import { pollUntil } from "../support/poll.ts";
import { useSignoffStack } from "../support/signoff-stack.ts";
import { findKeyLeaks, findTokenLeaks, type Haystack } from "../support/token-leaks.ts";
import { approvalWorkflow } from "../support/workflows.ts";
import { type ApiWithAuth, startApiWithAuth } from "./support/api-with-auth.ts";
import { recordFigure } from "./support/figures.ts";

const SUITE = "secrets";
const ALICE = "alice@example.com";
const BOB = "bob@example.com";
const CAROL = "carol@example.com";

/**
 * Passes the whole `$$.Task` object (its `Token` included) and the token inside details, as a
 * workflow may without meaning to: signoff must show neither.
 */
const TASK_PASSING_WORKFLOW = approvalWorkflow({
  payload: {
    "task.$": "$$.Task",
    "details.$": "$$.Task",
  },
});

/** Asks with the reminders and escalation its input names, then times out. */
const NAGGING_WORKFLOW = approvalWorkflow({
  fields: ["reminders", "escalation"],
  catchErrors: false,
});

const signoff = useSignoffStack({ sweepIntervalMs: SWEEP_INTERVAL_MS });
let api: ApiWithAuth;

beforeAll(async () => {
  api = await startApiWithAuth(signoff.runtime().deps);
});

afterAll(async () => {
  await api?.stop();
});

/** Flips one bit in the middle of the link's signature. */
function forge(url: string): string {
  const [head, signature = ""] = [
    url.slice(0, url.lastIndexOf(".") + 1),
    url.slice(url.lastIndexOf(".") + 1),
  ];
  const bytes = Buffer.from(signature, "base64url");
  bytes[bytes.length >> 1] = (bytes[bytes.length >> 1] ?? 0) ^ 1;
  return `${head}${bytes.toString("base64url")}`;
}

describe("secrets", () => {
  it("lets no task token and no key into any log, email, page, API response, stored item or execution outcome", async () => {
    const apiResponses: Haystack[] = [];
    /** Calls `/v1` as `who` (or anonymously) and keeps the whole response to search. */
    const callApi = async (
      who: string | undefined,
      method: string,
      path: string,
      body?: unknown,
    ) => {
      const headers: Record<string, string> = {};
      if (who !== undefined) headers.Authorization = `Bearer ${await api.issuer.token(who)}`;
      if (body !== undefined) headers["Content-Type"] = "application/json";
      const response = await fetch(`${api.url}${path}`, {
        method,
        headers,
        ...(body !== undefined && { body: JSON.stringify(body) }),
      });
      const text = await response.text();
      const source = `API ${method} ${path} as ${who ?? "nobody"} → ${response.status}`;
      apiResponses.push({
        source: `${source} (headers)`,
        text: JSON.stringify(Object.fromEntries(response.headers)),
      });
      apiResponses.push({ source, text });
      return response.status;
    };
    const request = async (subject: string, approvers = [ALICE, BOB]) =>
      requestApproval(signoff, signoff.demoArn, approvalInput({ approvers, subject }));

    // 1. Decided by link: one approval approved, one rejected with a comment.
    const approved = await request(uniqueSubject("Secrets approve"));
    const approvedLinks = await signoff.linksFor(ALICE, approved.request.payload.subject as string);
    await signoff.decide(approvedLinks.approve, "approve", "fine by me");
    const rejected = await request(uniqueSubject("Secrets reject"));
    const rejectedLinks = await signoff.linksFor(BOB, rejected.request.payload.subject as string);
    await signoff.decide(rejectedLinks.reject, "reject", "not on a Friday");

    // 1b. A workflow that hands over `$$.Task` as context and details: shown to alice on her
    // email and page and to the API, then approved.
    const passingArn = await signoff.createStateMachine("passes-task", TASK_PASSING_WORKFLOW);
    const passingSubject = uniqueSubject("Secrets $$.Task");
    const passing = await signoff.startExecution(passingArn, {
      approvers: [ALICE, BOB],
      subject: passingSubject,
      timeoutSeconds: 600,
    });
    const passingRequest = await signoff.requestFor(passingSubject);
    const passingTask = passingRequest.payload.task as { Token?: unknown } | undefined;
    // sfn-local hands out one token per Task attempt, as AWS does: `$$.Task.Token` is `$$.Task`'s.
    expect(passingTask?.Token).toBe(passingRequest.token);
    await callApi(ALICE, "GET", `/v1/approvals/${passingRequest.result.approvalId}`);
    const passingLinks = await signoff.linksFor(ALICE, passingSubject);
    await signoff.decide(passingLinks.approve, "approve");

    // 2. Decided through the API, with the refusals a dashboard can meet on the way.
    const viaApi = await request(uniqueSubject("Secrets API"));
    const apiPath = `/v1/approvals/${viaApi.approvalId}`;
    const statuses = [
      await callApi(undefined, "GET", apiPath),
      await callApi(CAROL, "GET", apiPath),
      await callApi(ALICE, "GET", apiPath),
      await callApi(ALICE, "POST", `${apiPath}/decisions`, {
        decision: "approve",
        comment: "via API",
      }),
      await callApi(ALICE, "POST", `${apiPath}/decisions`, { decision: "reject" }),
      await callApi(BOB, "POST", `${apiPath}/decisions`, { decision: "maybe" }),
      await callApi(ALICE, "GET", apiPath),
      await callApi(ALICE, "GET", `${apiPath}/events`),
      await callApi(undefined, "GET", "/v1/openapi.json"),
    ];
    expect(statuses).toEqual([401, 403, 200, 201, 409, 400, 200, 200, 200]);

    // 3. Reminders and an escalation, then the deadline decides.
    const naggingArn = await signoff.createStateMachine("nagging", NAGGING_WORKFLOW);
    const nagSubject = uniqueSubject("Secrets deadline");
    const nagging = await signoff.startExecution(naggingArn, {
      approvers: [ALICE],
      subject: nagSubject,
      timeoutSeconds: 3,
      reminders: { everySeconds: 1 },
      escalation: { afterSeconds: 1, to: [CAROL] },
    });

    // 4. Cancelled: the execution is stopped while its approval waits.
    const cancelled = await request(uniqueSubject("Secrets cancel"));
    await signoff.stopExecution(cancelled.executionArn);

    // 5. A forged link, refused on GET and POST.
    const forged = await request(uniqueSubject("Secrets forged"));
    const forgedLinks = await signoff.linksFor(ALICE, forged.request.payload.subject as string);
    const genuine = await signoff.openPage(forgedLinks.approve);
    const refusals = [
      await signoff.openPage(forge(forgedLinks.approve)),
      await signoff.submit(forge(forgedLinks.approve), genuine.nonce!, "approve"),
    ];
    expect(refusals.map((page) => page.status)).toEqual([404, 404]);

    // 6. Everything settles.
    const ends = await Promise.all(
      [approved.executionArn, rejected.executionArn, viaApi.executionArn, nagging, passing].map(
        (arn) => signoff.waitForExecution(arn),
      ),
    );
    expect(ends.map((end) => end.error ?? end.status)).toEqual([
      "SUCCEEDED",
      "Approval.Rejected",
      "SUCCEEDED",
      "Approval.TimedOut",
      "SUCCEEDED",
    ]);
    await pollUntil("the stopped execution's approval to be cancelled", async () =>
      (await signoff.approval(cancelled.approvalId))?.status === "CANCELLED" ? true : undefined,
    );
    for (const id of [approved.approvalId, rejected.approvalId, viaApi.approvalId]) {
      await signoff.waitForCallbackRecorded(id);
    }
    const mail = await signoff.readInbox();
    const reminders = mail.filter((m) => m.subject.startsWith("Reminder")).length;
    const escalations = mail.filter((m) => m.subject.startsWith("Escalated")).length;

    // 7. Every artefact, searched.
    const rawStore = await (await fetch(`${signoff.inboxUrl}store`)).text();
    const outcomes: Haystack[] = [];
    for (const executionArn of [...signoff.executions]) {
      // The events signoff's calls produced (TaskScheduled holds the token by design: it is the
      // Task's own parameters, kept by Step Functions, as on AWS).
      const produced = (await signoff.history(executionArn)).filter((event) =>
        /^(Task(Succeeded|Failed|TimedOut)|Execution(Succeeded|Failed|Aborted))$/.test(
          event.type ?? "",
        ),
      );
      outcomes.push({ source: `history of ${executionArn}`, text: JSON.stringify(produced) });
    }
    const haystacks = [
      ...(await gatherEvidence(signoff)),
      { source: "SES emulator store, raw JSON", text: rawStore },
      ...apiResponses,
      ...outcomes,
    ];
    const tokens = recordedTokens(signoff);
    const keys = [...signoff.keys.link, ...signoff.keys.token];
    const tokenLeaks = findTokenLeaks(tokens, haystacks).map((leak) => leak.source);
    const keyLeaks = findKeyLeaks(keys, haystacks).map(
      (leak) => `${leak.source}: key ${leak.kid} as ${leak.encoding}`,
    );

    // The search itself finds a key that is there, in each encoding (so an empty result means
    // something): a slice of each spelling planted in a control text.
    const [firstKey] = keys;
    const planted = ["base64", "base64url", "hex"].map((encoding) => ({
      source: `control (${encoding})`,
      text: `…${Buffer.from(firstKey!.secret)
        .toString(encoding as BufferEncoding)
        .slice(3, 30)}…`,
    }));
    const controlHits = new Set(findKeyLeaks([firstKey!], planted).map((leak) => leak.source)).size;

    const bytes = haystacks.reduce((sum, haystack) => sum + haystack.text.length, 0);
    recordFigure({
      suite: SUITE,
      measure: "approvals (link, API, deadline, cancelled, forged)",
      value: signoff.executions.length,
    });
    recordFigure({
      suite: SUITE,
      measure: "reminder / escalation emails",
      value: `${reminders} / ${escalations}`,
    });
    recordFigure({ suite: SUITE, measure: "artefacts scanned", value: haystacks.length });
    recordFigure({
      suite: SUITE,
      measure: "text scanned",
      value: Math.round(bytes / 1024),
      unit: "KiB",
    });
    recordFigure({ suite: SUITE, measure: "log lines scanned", value: signoff.logs.length });
    recordFigure({
      suite: SUITE,
      measure: "task tokens / keys searched for",
      value: `${tokens.length} / ${keys.length}`,
    });
    recordFigure({
      suite: SUITE,
      measure: "task token leaks",
      value: tokenLeaks.length,
      target: "0",
    });
    recordFigure({ suite: SUITE, measure: "key leaks", value: keyLeaks.length, target: "0" });

    // A link is a credential too (its holder can decide): no log line carries one, mailed or
    // forged. The signature part is what makes it one; a log line quoting any link's shows it.
    const mailedLinks = [approvedLinks, rejectedLinks, passingLinks, forgedLinks].flatMap(
      (links) => [links.approve, links.reject],
    );
    const signatures = mailedLinks.map((link) => link.split(".").pop() ?? "");
    const logText = signoff.logs.join("\n");
    const linkLeaks = signatures.filter((signature) => logText.includes(signature)).length;
    recordFigure({
      suite: SUITE,
      measure: "links in log lines (of links mailed)",
      value: `${linkLeaks} (of ${signatures.length})`,
      target: "0",
    });
    // The check can see a link where one is: the pages opened are recorded by their URL.
    const pageUrls = signoff.pages.map((page) => page.url).join("\n");
    expect(signatures.filter((signature) => pageUrls.includes(signature)).length).toBeGreaterThan(
      0,
    );
    expect(signoff.logs.length).toBeGreaterThan(0);
    expect(linkLeaks).toBe(0);

    expect(tokens.length).toBe(signoff.executions.length);
    expect(reminders + escalations).toBeGreaterThan(0);
    expect(controlHits).toBe(planted.length);
    expect(tokenLeaks).toEqual([]);
    expect(keyLeaks).toEqual([]);
  });
});

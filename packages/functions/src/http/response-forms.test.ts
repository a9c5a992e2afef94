/**
 * Response forms through every channel on the emulators: the link page, the API and the inbox
 * all validate with the same `validateResponse`, store the response with its decision in one
 * write, and the waiting execution (sfn-local) receives it in its output.
 */
import type { Approval } from "@signoff/core";
import { describe, expect, it } from "vitest";
import { useApiFixture } from "../test-support/api-fixture.ts";
import { findLinks } from "../test-support/runtime-fixture.ts";

const api = useApiFixture();

const FORM = [
  {
    name: "amount",
    type: "number",
    label: "Approved amount <b>EUR</b>",
    required: true,
    min: 1,
    max: 5000,
  },
  { name: "region", type: "select", options: ["eu", "us"], required: true },
  { name: "confirm", type: "boolean", label: "Budget checked", required: true },
  { name: "reason", type: "text", required: true, for: ["reject"], multiline: true },
];

async function requestWithForm(fields: Record<string, unknown> = {}) {
  const subject = `Spend ${Math.random().toString(36).slice(2)}`;
  const { approvalId, executionArn } = await api.requestApproval({
    subject,
    form: FORM,
    ...fields,
  });
  const mail = await api.emulators.ses.readMail();
  const links = findLinks(mail, "ann@example.com", subject);
  return { approvalId, executionArn, links };
}

function path(url: string): string {
  return new URL(url).pathname;
}

async function openPage(url: string) {
  const response = await api.app.request(path(url));
  const page = await response.text();
  const nonce = /name="nonce" value="([^"]+)"/.exec(page)?.[1];
  if (!nonce) throw new Error("the page has no form nonce");
  return { response, page, nonce };
}

function postPage(url: string, form: Record<string, string>) {
  return api.app.request(path(url), {
    method: "POST",
    headers: { "Content-Type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams(form).toString(),
  });
}

/** Nothing about the approval changed: no decision, same version, no `decided` event. */
async function expectNothingRecorded(approvalId: string, before: Approval) {
  const after = await api.runtime.deps.store.get(approvalId);
  expect(after?.decisions).toEqual({});
  expect(after?.version).toBe(before.version);
  expect(after?.status).toBe("PENDING");
  const events = await api.runtime.deps.store.listEvents(approvalId);
  expect(events.some((event) => event.type === "decided")).toBe(false);
}

async function stored(approvalId: string): Promise<Approval> {
  const approval = await api.runtime.deps.store.get(approvalId);
  if (!approval) throw new Error("no approval");
  return approval;
}

describe("a response form on the link page", () => {
  it("asks every field, escaped, on a GET that records nothing, with the strict CSP", async () => {
    const { approvalId, links } = await requestWithForm();
    const { response, page } = await openPage(links.approve);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-security-policy")).toContain("default-src 'none'");
    expect(page).not.toMatch(/<script/i);
    expect(page).toContain("Approved amount &lt;b&gt;EUR&lt;/b&gt; (required)");
    expect(page).toMatch(
      /<input type="number" id="field-amount" name="f.amount" step="any" min="1" max="5000" value="" required>/,
    );
    expect(page).toContain('<option value="eu">eu</option>');
    expect(page).toMatch(
      /<input type="checkbox" id="field-confirm" name="f.confirm" value="true" required>/,
    );
    expect(page).toContain("(asked when you reject)");
    // Reject skips the browser's checks of approve-only fields; the server checks either way.
    expect(page).toMatch(/value="reject" class="reject[^"]*" formnovalidate>/);
    expect((await stored(approvalId)).decisions).toEqual({});
  });

  it("re-renders refused answers with the problems named and the values kept, recording nothing", async () => {
    const { approvalId, links } = await requestWithForm();
    const before = await stored(approvalId);
    const { nonce } = await openPage(links.approve);
    const response = await postPage(links.approve, {
      nonce,
      decision: "approve",
      comment: "see <notes>",
      "f.amount": "9000",
      "f.region": "mars",
    });
    const page = await response.text();
    expect(response.status).toBe(400);
    expect(response.headers.get("content-security-policy")).toContain("default-src 'none'");
    expect(page).toContain("Your answers were not accepted, so nothing was recorded");
    expect(page).toContain("Approved amount &lt;b&gt;EUR&lt;/b&gt; must be at most 5000");
    expect(page).toContain("region must be one of the listed options");
    expect(page).toContain("Budget checked must be checked");
    expect(page).toContain('value="9000"');
    expect(page).toContain("see &lt;notes&gt;</textarea>");
    // The same nonce goes back into the form, so the approver can correct and send again.
    expect(page).toContain(`name="nonce" value="${nonce}"`);
    await expectNothingRecorded(approvalId, before);
  });

  it("records valid answers with the decision and hands them to the execution", async () => {
    const { approvalId, executionArn, links } = await requestWithForm();
    const { nonce } = await openPage(links.approve);
    const response = await postPage(links.approve, {
      nonce,
      decision: "approve",
      "f.amount": "2500.5",
      "f.region": "eu",
      "f.confirm": "true",
      // The page sends reject-only fields too; with Approve pressed they are ignored.
      "f.reason": "",
    });
    const page = await response.text();
    expect(response.status).toBe(200);
    expect(page).toContain("Approved: your decision is recorded");
    expect(page).toContain(
      "Approved amount &lt;b&gt;EUR&lt;/b&gt;: 2500.5 · region: eu · Budget checked: yes",
    );

    const approval = await stored(approvalId);
    const answer = { amount: 2500.5, region: "eu", confirm: true };
    expect(approval.decisions["ann@example.com"]).toMatchObject({
      decision: "approve",
      channel: "link",
      response: answer,
    });
    const decided = (await api.runtime.deps.store.listEvents(approvalId)).find(
      (event) => event.type === "decided",
    );
    expect(decided?.data).toMatchObject({ response: answer });

    const execution = await api.emulators.sfn.waitForEnd(executionArn);
    expect(execution.status).toBe("SUCCEEDED");
    const output = JSON.parse(execution.output ?? "{}");
    expect(output.decisions).toEqual([
      expect.objectContaining({ approver: "ann@example.com", response: answer }),
    ]);
  });

  it("asks a reason to reject, and hands it to the execution in the failure's cause", async () => {
    const { approvalId, executionArn, links } = await requestWithForm();
    const before = await stored(approvalId);
    const { nonce } = await openPage(links.reject);
    const missing = await postPage(links.reject, { nonce, decision: "reject", "f.reason": " " });
    expect(missing.status).toBe(400);
    expect(await missing.text()).toContain("reason is required");
    await expectNothingRecorded(approvalId, before);

    const response = await postPage(links.reject, {
      nonce,
      decision: "reject",
      "f.amount": "",
      "f.region": "",
      "f.reason": "Over budget\r\nTry next quarter",
    });
    expect(response.status).toBe(200);
    const execution = await api.emulators.sfn.waitForEnd(executionArn);
    expect(execution.status).toBe("FAILED");
    expect(execution.error).toBe("Approval.Rejected");
    const cause = JSON.parse(execution.cause ?? "{}");
    expect(cause.decisions[0].response).toEqual({ reason: "Over budget\nTry next quarter" });
  });
});

describe("a response form through the API", () => {
  it("answers 400 naming each field at fault, in the API's problem shape, recording nothing", async () => {
    const { approvalId } = await requestWithForm();
    const before = await stored(approvalId);
    const response = await api.decide(approvalId, "ann@example.com", {
      decision: "approve",
      response: { amount: 0, region: "eu", bonus: 1 },
    });
    const problem = await api.expectProblem(response, 400);
    expect(problem.type).toBe("urn:signoff:problem:invalid-request");
    expect(problem.issues).toEqual([
      { path: "response.bonus", message: "is not a field of this form" },
      { path: "response.amount", message: "must be at least 1" },
      { path: "response.confirm", message: "must be checked" },
    ]);
    // A value of the wrong JSON type fails the schema, in the same shape.
    const typed = await api.decide(approvalId, "ann@example.com", {
      decision: "approve",
      response: { amount: { value: 1 } },
    });
    expect((await api.expectProblem(typed, 400)).issues).toEqual([
      expect.objectContaining({ path: "response.amount" }),
    ]);
    await expectNothingRecorded(approvalId, before);
  });

  it("records the response, shows it and the form in the approval, and calls back with it", async () => {
    const { approvalId, executionArn } = await requestWithForm();
    const answer = { amount: 42, region: "us", confirm: true };
    const response = await api.decide(approvalId, "ann@example.com", {
      decision: "approve",
      response: answer,
    });
    expect(response.status).toBe(201);
    const body = (await response.json()) as { decision: { response: unknown } };
    expect(body.decision.response).toEqual(answer);

    const view = await api.call(`/v1/approvals/${approvalId}`, { email: "ann@example.com" });
    const approval = (await view.json()) as Approval;
    expect(approval.form?.map((field) => [field.name, field.type, field.for])).toEqual([
      ["amount", "number", ["approve"]],
      ["region", "select", ["approve"]],
      ["confirm", "boolean", ["approve"]],
      ["reason", "text", ["reject"]],
    ]);
    expect(approval.decisions["ann@example.com"]?.response).toEqual(answer);

    const execution = await api.emulators.sfn.waitForEnd(executionArn);
    expect(JSON.parse(execution.output ?? "{}").decisions[0]).toMatchObject({
      channel: "api",
      response: answer,
    });
  });

  it("refuses a response to an approval without a form, and has no response field otherwise", async () => {
    const { approvalId, executionArn } = await api.requestApproval();
    const refused = await api.decide(approvalId, "ann@example.com", {
      decision: "approve",
      response: { amount: 1 },
    });
    expect((await api.expectProblem(refused, 400)).issues).toEqual([
      { path: "response.amount", message: "is not a field of this form" },
    ]);
    expect((await stored(approvalId)).decisions).toEqual({});
    const response = await api.decide(approvalId, "ann@example.com", { decision: "approve" });
    expect(response.status).toBe(201);
    const execution = await api.emulators.sfn.waitForEnd(executionArn);
    const [decision] = JSON.parse(execution.output ?? "{}").decisions;
    expect(Object.hasOwn(decision, "response")).toBe(false);
  });

  it("replays a retry with the same answers, and refuses the key with other answers", async () => {
    const { approvalId } = await requestWithForm({ policy: { required: 2 } });
    const key = { "Idempotency-Key": "retry-1" };
    const body = { decision: "approve", response: { amount: 10, region: "eu", confirm: true } };
    expect((await api.decide(approvalId, "ann@example.com", body, key)).status).toBe(201);
    const replay = await api.decide(approvalId, "ann@example.com", body, key);
    expect(replay.status).toBe(201);
    expect(replay.headers.get("idempotent-replayed")).toBe("true");
    const other = await api.decide(
      approvalId,
      "ann@example.com",
      { ...body, response: { ...body.response, amount: 11 } },
      key,
    );
    await api.expectProblem(other, 422);
    expect((await stored(approvalId)).decisions["ann@example.com"]?.response?.amount).toBe(10);
  });
});

describe("a response form in the inbox", () => {
  async function signIn(email: string): Promise<string> {
    const response = await api.app.request("/inbox/session", {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ token: await api.issuer.token(email) }),
    });
    const cookie = /^signoff_inbox=[^;]+/.exec(response.headers.get("set-cookie") ?? "")?.[0];
    if (!cookie) throw new Error("no session cookie");
    return cookie;
  }

  async function inboxForm(cookie: string, approvalId: string) {
    const page = await (await api.app.request("/inbox", { headers: { Cookie: cookie } })).text();
    const form = page.split(`action="/inbox/approvals/${approvalId}/decision"`)[1] ?? "";
    const nonce = /name="nonce" value="([^"]+)"/.exec(form)?.[1];
    if (!nonce) throw new Error("no inbox form for the approval");
    return { page, form, nonce };
  }

  function postDecision(cookie: string, approvalId: string, form: Record<string, string>) {
    return api.app.request(`/inbox/approvals/${approvalId}/decision`, {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded", Cookie: cookie },
      body: new URLSearchParams(form),
    });
  }

  it("asks the fields, shows refused answers on the page, and records valid ones", async () => {
    const { approvalId, executionArn } = await requestWithForm();
    const cookie = await signIn("ann@example.com");
    const { form, nonce } = await inboxForm(cookie, approvalId);
    expect(form).toContain(`name="f.amount"`);
    expect(form).toContain(`id="field-${approvalId}-region"`);

    const before = await stored(approvalId);
    const refused = await postDecision(cookie, approvalId, {
      nonce,
      decision: "approve",
      "f.amount": "12",
      "f.region": "eu",
    });
    expect(refused.status).toBe(400);
    const page = await refused.text();
    expect(page).toContain("were not accepted; nothing was changed");
    expect(page).toContain("Budget checked must be checked");
    expect(page).toContain('value="12"');
    await expectNothingRecorded(approvalId, before);

    const accepted = await postDecision(cookie, approvalId, {
      nonce,
      decision: "approve",
      "f.amount": "12",
      "f.region": "eu",
      "f.confirm": "true",
    });
    expect(accepted.status).toBe(303);
    const answer = { amount: 12, region: "eu", confirm: true };
    expect((await stored(approvalId)).decisions["ann@example.com"]).toMatchObject({
      channel: "inbox",
      response: answer,
    });
    const execution = await api.emulators.sfn.waitForEnd(executionArn);
    expect(JSON.parse(execution.output ?? "{}").decisions[0].response).toEqual(answer);
  });
});

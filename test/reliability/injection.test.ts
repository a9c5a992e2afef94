/**
 * HTML and script injection through everything a requester or an approver can write: subject,
 * details, context and comments carry script tags, event handlers, `javascript:` URLs, SVG,
 * template syntax and `</style>` (requestedBy must be an address, so markup there is refused at
 * the request; see bad-requests). Every page an approver sees (confirmation, recorded,
 * already decided, expired, cancelled, self-approval, invalid link, invalid form) and every email
 * is rendered in Chromium, as served and again without its CSP (escaping must hold on its own):
 * no dialog, no injected element, the CSP on every page response, the payloads shown as text.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SWEEP_INTERVAL_MS, uniqueSubject } from "../support/approval-requests.ts";
import { expectSecurePage, type PageResponse } from "../support/pages.ts";
import { pollUntil } from "../support/poll.ts";
import { useSignoffStack } from "../support/signoff-stack.ts";
import { approvalWorkflow } from "../support/workflows.ts";
import { type BrowserRenderer, launchRenderer, type Rendered } from "./support/browser-render.ts";
import { recordFigure } from "./support/figures.ts";

const SUITE = "injection";

/** What an attacker writes wherever signoff shows text. */
const PAYLOADS = [
  "<script>alert(1)</script>",
  '"><img src=x onerror=alert(2)>',
  "javascript:alert(3)",
  "<svg onload=alert(4)>",
  '<a href="javascript:alert(5)">click me</a>',
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a literal `${}` is the payload.
  "${alert(6)} {{constructor.constructor('alert(7)')()}}",
  "</style><script>alert(8)</script><style>",
  "</textarea><script>alert(9)</script>",
  '<iframe srcdoc="<script>parent.alert(10)</script>"></iframe>',
  "'-alert(11)-'\" onfocus=alert(12) autofocus x=\"",
  "<math><mtext><table><mglyph><style><img src=x onerror=alert(13)>",
] as const;

const [SCRIPT, IMG, , SVG, , , STYLE, TEXTAREA, , ATTRIBUTE] = PAYLOADS;

/** A workflow that hands request-approval the whole context the test writes. */
const INJECTION_WORKFLOW = approvalWorkflow({
  fields: ["details", "requestedBy", "policy", "ticket", "runbook"],
  catchErrors: false,
});

const signoff = useSignoffStack({ sweepIntervalMs: SWEEP_INTERVAL_MS });
let renderer: BrowserRenderer;

beforeAll(async () => {
  renderer = await launchRenderer();
});

afterAll(async () => {
  await renderer?.close();
});

/** Starts an approval whose every text field carries payloads; returns its links by approver. */
async function requestHostileApproval(
  workflowArn: string,
  fields: { approvers: string[]; requestedBy: string; timeoutSeconds?: number; required?: number },
) {
  const subject = `${SCRIPT} ${uniqueSubject("Injected")}`;
  const executionArn = await signoff.startExecution(workflowArn, {
    approvers: fields.approvers,
    subject,
    // Payloads as keys and as values, text and nested.
    details: {
      ...Object.fromEntries(PAYLOADS.map((payload, i) => [`${i} ${payload}`, payload])),
      nested: { list: [...PAYLOADS] },
    },
    requestedBy: fields.requestedBy,
    timeoutSeconds: fields.timeoutSeconds ?? 600,
    policy: { required: fields.required ?? 1 },
    ticket: STYLE,
    runbook: "javascript:alert(14)",
  });
  const approvalId = await signoff.approvalIdFor(subject);
  const links = new Map<string, { approve: string; reject: string }>();
  for (const approver of fields.approvers) {
    links.set(approver, await signoff.linksFor(approver, subject));
  }
  return { executionArn, approvalId, subject, links: (who: string) => links.get(who)! };
}

describe("HTML and script injection", () => {
  it("runs no script and injects no element on any page or email, shows every payload as text, and sends the CSP on every page", async () => {
    const workflowArn = await signoff.createStateMachine("injection", INJECTION_WORKFLOW);
    const ALICE = "alice@example.com";
    const BOB = "bob@example.com";
    // Each page to check, with the texts it must show verbatim.
    const checks: Array<{ name: string; page: PageResponse; shows: string[] }> = [];
    const check = (name: string, page: PageResponse, status: number, shows: string[]) => {
      expect(page.status, name).toBe(status);
      expectSecurePage(page);
      checks.push({ name, page, shows });
    };

    // 1. Two approvals needed; alice approves in the browser for real, commenting a payload.
    const first = await requestHostileApproval(workflowArn, {
      approvers: [ALICE, BOB],
      requestedBy: "carol@example.com",
      required: 2,
    });
    check("confirmation page", await signoff.openPage(first.links(ALICE).approve), 200, [
      first.subject,
      IMG,
      STYLE,
      "javascript:alert(14)",
      ...PAYLOADS,
    ]);
    // A page broken by injected markup may not even let her press the button: that is a
    // finding too, and the decision is then made over HTTP so the other pages can be checked.
    const journeyProblems: string[] = [];
    let journey: Rendered = { text: "", injectedElements: 0 };
    const tab = await renderer.context.newPage();
    try {
      await tab.goto(first.links(ALICE).approve);
      await tab.getByLabel("Comment (optional)").fill(SVG);
      await tab.getByRole("button", { name: "Approve", exact: true }).click();
      await tab.locator("h1", { hasText: "your decision is recorded" }).waitFor();
      journey = await renderer.inspect(tab);
    } catch (error) {
      journeyProblems.push(`the approving journey failed: ${(error as Error).name}`);
      await signoff.decide(first.links(ALICE).approve, "approve", SVG);
    } finally {
      await tab.close();
    }

    // 2. Bob sees alice's comment among the decisions, and rejects with his own payload.
    check(
      "confirmation page with a comment",
      await signoff.openPage(first.links(BOB).reject),
      200,
      [SVG],
    );
    check("recorded page", await signoff.decide(first.links(BOB).reject, "reject", TEXTAREA), 200, [
      first.subject,
      SVG,
      TEXTAREA,
    ]);
    check("already-decided page", await signoff.openPage(first.links(ALICE).approve), 200, [
      first.subject,
      SVG,
      TEXTAREA,
    ]);

    // 3. The requester may not approve their own request: the refusal page names the subject.
    const own = await requestHostileApproval(workflowArn, {
      approvers: [ALICE, BOB],
      requestedBy: ALICE,
    });
    const ownPage = await signoff.openPage(own.links(ALICE).approve);
    check("confirmation page for the requester", ownPage, 200, [own.subject]);
    check(
      "self-approval refusal page",
      await signoff.submit(own.links(ALICE).approve, ownPage.nonce!, "approve", ATTRIBUTE),
      403,
      [own.subject],
    );
    check(
      "invalid-form page",
      await signoff.submit(own.links(BOB).approve, "forged", "approve", ATTRIBUTE),
      400,
      [],
    );
    check("invalid-link page", await signoff.openPage(`${own.links(BOB).approve}x`), 404, []);

    // 4. Expired and cancelled: those pages still name the subject.
    const expiring = await requestHostileApproval(workflowArn, {
      approvers: [ALICE],
      requestedBy: "dave@example.com",
      timeoutSeconds: 1,
    });
    const expired = await pollUntil("the link to expire", async () => {
      const page = await signoff.openPage(expiring.links(ALICE).approve);
      return page.status === 410 ? page : undefined;
    });
    check("expired page", expired, 410, [expiring.subject]);
    const cancelling = await requestHostileApproval(workflowArn, {
      approvers: [ALICE],
      requestedBy: "Erin <erin@example.com>",
    });
    await signoff.stopExecution(cancelling.executionArn);
    const cancelled = await pollUntil("the approval to be cancelled", async () => {
      const page = await signoff.openPage(cancelling.links(ALICE).approve);
      return page.status === 410 ? page : undefined;
    });
    check("cancelled page", cancelled, 410, [cancelling.subject]);

    // 5. Every page in Chromium, as served and without its CSP.
    const failures: string[] = [...journeyProblems];
    const expectRendered = (name: string, rendered: Rendered, shows: string[]) => {
      if (rendered.injectedElements > 0)
        failures.push(`${name}: ${rendered.injectedElements} injected elements`);
      for (const [i, text] of shows.entries()) {
        if (!rendered.text.includes(text)) failures.push(`${name}: text #${i} not shown verbatim`);
      }
    };
    if (journeyProblems.length === 0) {
      expectRendered("the approving journey", journey, [first.subject, SVG]);
    }
    let rendered = 1;
    for (const { name, page, shows } of checks) {
      for (const withoutCsp of [false, true]) {
        const response = {
          url: page.url,
          status: page.status,
          headers: page.headers,
          html: page.html,
        };
        expectRendered(
          `${name}${withoutCsp ? " without CSP" : ""}`,
          await renderer.render(response, { withoutCsp }),
          shows,
        );
        rendered++;
      }
    }

    // 6. Every email about these approvals (requests and cancellation notices), in Chromium.
    const subjects = [first, own, expiring, cancelling].map((a) => a.subject);
    const mails = (await signoff.readInbox()).filter((m) =>
      subjects.some((s) => m.subject.includes(s)),
    );
    for (const [i, mail] of mails.entries()) {
      const html = mail.body.html ?? "";
      const shows = [subjects.find((s) => mail.subject.includes(s))!];
      if (mail.subject.startsWith("Approval requested")) shows.push(...PAYLOADS, STYLE);
      const response = {
        url: `http://mail.signoff.test/${i}`,
        status: 200,
        headers: { "content-type": "text/html; charset=utf-8" },
        html,
      };
      expectRendered(
        `email "${mail.subject.slice(0, 40)}"`,
        await renderer.render(response),
        shows,
      );
      rendered++;
    }

    recordFigure({ suite: SUITE, measure: "payloads", value: PAYLOADS.length });
    recordFigure({
      suite: SUITE,
      measure: "page responses checked (CSP, escaping)",
      value: checks.length,
    });
    recordFigure({
      suite: SUITE,
      measure: "renders in Chromium (pages ×2 with/without CSP, emails)",
      value: rendered,
    });
    recordFigure({ suite: SUITE, measure: "emails rendered", value: mails.length });
    recordFigure({
      suite: SUITE,
      measure: "dialogs fired",
      value: renderer.dialogs.length,
      target: "0",
    });
    recordFigure({
      suite: SUITE,
      measure: "injected elements or payloads not shown as text",
      value: failures.length,
      target: "0",
    });

    expect(mails.length).toBeGreaterThanOrEqual(6);
    expect(failures).toEqual([]);
    expect(renderer.dialogs).toEqual([]);
  });
});

/**
 * Links and forms that must not decide, end to end over real HTTP: tampered, forged and foreign
 * links, another page's form nonce, replayed POSTs and links past their deadline. Each is refused
 * with the right page, every page carries the security headers, and the execution is not told
 * anything it should not be.
 */
import { randomBytes, randomUUID } from "node:crypto";
import { createLinkSigner, deriveApprovalId, LINK_AUDIENCE } from "@signoff/core";
import { SignJWT, UnsecuredJWT } from "jose";
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
import { expectSecurePage, headingOf, type PageResponse } from "./support/pages.ts";
import { pollUntil, sleep } from "./support/poll.ts";
import { useSignoffStack } from "./support/signoff-stack.ts";
import { findTokenLeaks } from "./support/token-leaks.ts";

const INVALID_LINK = "This link is not valid";

const signoff = useSignoffStack({ sweepIntervalMs: SWEEP_INTERVAL_MS });

/** Runs the demo workflow for alice and bob and returns its approval and their links. */
async function requestAliceAndBob(options: { timeoutSeconds?: number } = {}) {
  const subject = uniqueSubject("Refusals");
  const { executionArn, approvalId } = await requestApproval(
    signoff,
    signoff.demoArn,
    approvalInput({ approvers: ["alice@example.com", "bob@example.com"], subject, ...options }),
  );
  const [alice, bob] = await Promise.all([
    signoff.linksFor("alice@example.com", subject),
    signoff.linksFor("bob@example.com", subject),
  ]);
  const approval = (await signoff.approval(approvalId))!;
  return { executionArn, approval, alice, bob };
}

/** The link URL with its token replaced. */
function withToken(url: string, token: string): string {
  return `${url.slice(0, url.indexOf("/a/") + 3)}${token}`;
}

function tokenOf(url: string): string {
  return url.slice(url.indexOf("/a/") + 3);
}

/** Flips one bit in the middle of a base64url segment's bytes. */
function flipBit(segment: string): string {
  const bytes = Buffer.from(segment, "base64url");
  bytes[Math.floor(bytes.length / 2)]! ^= 0x01;
  return bytes.toString("base64url");
}

/** The link with its claims edited and its original signature kept. */
function editClaims(url: string, edit: (claims: Record<string, unknown>) => void): string {
  const [header, payload, signature] = tokenOf(url).split(".");
  const claims = JSON.parse(Buffer.from(payload!, "base64url").toString("utf8"));
  edit(claims);
  const edited = Buffer.from(JSON.stringify(claims)).toString("base64url");
  return withToken(url, `${header}.${edited}.${signature}`);
}

/** Asserts the invalid-link page: 404, no form, nothing about the approval. */
function expectInvalidLinkPage(page: PageResponse, subject: string) {
  expect(page.status, page.url).toBe(404);
  expectSecurePage(page);
  expect(headingOf(page)).toBe(INVALID_LINK);
  expect(page.nonce).toBeUndefined();
  expect(page.html).not.toContain(subject);
}

/** Asserts the execution waits, no callback happened, and the approval has no decisions. */
async function expectNothingDecided(executionArn: string, approvalId: string) {
  await expectStillWaiting(signoff, executionArn, approvalId);
  expect((await signoff.approval(approvalId))?.decisions).toEqual({});
}

describe("refused links and forms", () => {
  it("shows the invalid-link page for a link with a bit flipped in its signature or payload, or with its claims edited, and decides nothing", async () => {
    const { executionArn, approval, alice } = await requestAliceAndBob();
    const genuine = await signoff.openPage(alice.approve);
    const [header, payload, signature] = tokenOf(alice.approve).split(".");
    const tampered = [
      withToken(alice.approve, `${header}.${payload}.${flipBit(signature!)}`),
      withToken(alice.approve, `${header}.${flipBit(payload!)}.${signature}`),
      // Alice's link rewritten to speak for Bob, or to approve from her Reject link.
      editClaims(alice.approve, (claims) => {
        claims.sub = "bob@example.com";
      }),
      editClaims(alice.reject, (claims) => {
        claims.act = "approve";
      }),
      withToken(alice.approve, `${header}.${payload}`),
    ];
    for (const url of tampered) {
      expect(url).not.toBe(alice.approve);
      expectInvalidLinkPage(await signoff.openPage(url), approval.subject);
      // Even with the genuine page's nonce, a POST to the tampered link decides nothing.
      expectInvalidLinkPage(await signoff.submit(url, genuine.nonce!, "approve"), approval.subject);
    }
    await expectNothingDecided(executionArn, approval.id);
  });

  it("shows the invalid-link page for a link signed with another key, or not signed at all", async () => {
    const { executionArn, approval, alice } = await requestAliceAndBob();
    const claims = { aid: approval.id, sub: "alice@example.com", act: "approve" };
    const exp = Math.ceil(Date.parse(approval.deadline) / 1000);
    const forge = (kid: string) =>
      new SignJWT(claims)
        .setProtectedHeader({ alg: "HS256", kid })
        .setAudience(LINK_AUDIENCE)
        .setJti(randomUUID())
        .setIssuedAt()
        .setExpirationTime(exp)
        .sign(randomBytes(32));
    const unsigned = new UnsecuredJWT(claims)
      .setAudience(LINK_AUDIENCE)
      .setJti(randomUUID())
      .setIssuedAt()
      .setExpirationTime(exp)
      .encode();
    const forged = [await forge(signoff.keys.link[0]!.kid), await forge("another-kid"), unsigned];
    for (const token of forged) {
      expectInvalidLinkPage(
        await signoff.openPage(withToken(alice.approve, token)),
        approval.subject,
      );
    }
    await expectNothingDecided(executionArn, approval.id);
  });

  it("shows the invalid-link page for a properly signed link naming someone who is not an approver, or an approval that does not exist", async () => {
    const { executionArn, approval, alice } = await requestAliceAndBob();
    // Signed with signoff's own key: the signature is fine, the claims name the wrong things.
    const signer = createLinkSigner({ keys: signoff.keys.link });
    const now = new Date();
    const exp = Math.ceil(Date.parse(approval.deadline) / 1000);
    const stranger = await signer.signLink(
      { aid: approval.id, sub: "mallory@example.com", act: "approve", exp },
      { now },
    );
    const nowhere = await signer.signLink(
      { aid: deriveApprovalId(randomUUID()), sub: "alice@example.com", act: "approve", exp },
      { now },
    );
    for (const token of [stranger, nowhere]) {
      expectInvalidLinkPage(
        await signoff.openPage(withToken(alice.approve, token)),
        approval.subject,
      );
    }
    // With a matching form nonce too, the stranger's POST is refused by the decision itself.
    const verified = await signer.verifyLink(stranger, { now });
    if (!verified.ok) throw new Error(`the stranger's link does not verify: ${verified.reason}`);
    const nonce = await signer.signFormNonce(verified.claims, { now });
    const post = await signoff.submit(withToken(alice.approve, stranger), nonce, "approve");
    expectInvalidLinkPage(post, approval.subject);
    await expectNothingDecided(executionArn, approval.id);
  });

  it("refuses a form nonce taken from another approval's page, or from another approver's page, with 'This form is not valid'", async () => {
    const first = await requestAliceAndBob();
    const second = await requestAliceAndBob();
    const otherApproval = await signoff.openPage(second.alice.approve);
    const otherApprover = await signoff.openPage(first.bob.approve);
    const otherLink = await signoff.openPage(first.alice.reject);
    for (const nonce of [otherApproval.nonce!, otherApprover.nonce!, otherLink.nonce!, "forged"]) {
      const refused = await signoff.submit(first.alice.approve, nonce, "approve");
      expect(refused.status).toBe(400);
      expectSecurePage(refused);
      expect(headingOf(refused)).toBe("This form is not valid");
    }
    await expectNothingDecided(first.executionArn, first.approval.id);
    await expectNothingDecided(second.executionArn, second.approval.id);
  });

  it("shows a double-clicked or replayed POST the decision already recorded, and calls the task back exactly once", async () => {
    const { executionArn, approval, alice } = await requestAliceAndBob();
    const page = await signoff.openPage(alice.approve);
    const doubleClick = await Promise.all([
      signoff.submit(alice.approve, page.nonce!, "approve", "first click"),
      signoff.submit(alice.approve, page.nonce!, "approve", "second click"),
    ]);
    const replay = await signoff.submit(alice.approve, page.nonce!, "reject", "changed my mind");
    for (const response of [...doubleClick, replay]) {
      expect(response.status).toBe(200);
      expectSecurePage(response);
    }
    const headings = doubleClick.map(headingOf).sort();
    expect(headings[0]).toBe("Approved: your decision is recorded");
    expect(headings[1]).toMatch(/^You already approved this request on /);
    expect(headingOf(replay)).toMatch(/^You already approved this request on /);

    const end = await signoff.waitForExecution(executionArn);
    expect(end.status).toBe("SUCCEEDED");
    expect(end.output).toMatchObject({ decisions: [{ approver: "alice@example.com" }] });
    await sleep(QUIET_MS);
    expect(await signoff.taskCallbacks(executionArn)).toEqual(["TaskSucceeded"]);
    expect(await signoff.approval(approval.id)).toMatchObject({
      status: "APPROVED",
      callback: "DELIVERED",
      callbackAttempts: 1,
    });
  });

  it("shows the expired page for a link past its deadline, and refuses a form opened before the deadline", async () => {
    const { executionArn, approval, alice } = await requestAliceAndBob({ timeoutSeconds: 2 });
    const before = await signoff.openPage(alice.approve);
    expect(before.nonce).toBeDefined();

    const expired = await pollUntil(
      "the link to expire",
      async () => {
        const page = await signoff.openPage(alice.approve);
        return page.status === 200 ? undefined : page;
      },
      { intervalMs: 100 },
    );
    expect(expired.status).toBe(410);
    expectSecurePage(expired);
    expect(headingOf(expired)).toBe("This link has expired");
    const late = await signoff.submit(alice.approve, before.nonce!, "approve", "too late");
    expect(late.status).toBe(410);
    expectSecurePage(late);
    expect(headingOf(late)).toBe("This link has expired");

    const end = await signoff.waitForExecution(executionArn);
    expect(end).toMatchObject({ status: "FAILED", error: "Approval.TimedOut" });
    expect(await signoff.taskCallbacks(executionArn)).toEqual(["TaskFailed"]);
    expect((await signoff.approval(approval.id))?.decisions).toEqual({});
  });

  it("lets no task token into anything the refusals produced", async () => {
    // Its own refusal, on top of everything the tests above did in this stack.
    const { approval, alice } = await requestAliceAndBob();
    const [header, payload, signature] = tokenOf(alice.approve).split(".");
    const tampered = withToken(alice.approve, `${header}.${payload}.${flipBit(signature!)}`);
    expectInvalidLinkPage(await signoff.openPage(tampered), approval.subject);

    const tokens = recordedTokens(signoff);
    const haystacks = await gatherEvidence(signoff);
    expect(tokens.length).toBeGreaterThan(0);
    expect(signoff.logs.some((line) => line.includes('"message":"link refused"'))).toBe(true);
    expect(findTokenLeaks(tokens, haystacks)).toEqual([]);
  });
});

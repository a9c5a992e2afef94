import { describe, expect, it } from "vitest";
import { useApiFixture } from "../../test-support/api-fixture.ts";
import { TEST_ADMIN_GROUP } from "../../test-support/oidc-issuer.ts";

const api = useApiFixture();
const { requestApproval, call, decide, expectProblem } = api;

/** The approve links in every email to `to` about `subject` so far, oldest first. */
async function approveLinksTo(to: string, subject: string): Promise<string[]> {
  const mail = await api.emulators.ses.readMail();
  return mail
    .filter((email) => email.destination.to.includes(to) && email.subject.includes(subject))
    .map((email) => /href="(http[^"]+\/a\/[^"]+)"/.exec(email.body.html ?? "")?.[1] ?? "");
}

function resend(approvalId: string, email: string, groups?: string[]) {
  return call(`/v1/approvals/${approvalId}/resend`, {
    method: "POST",
    email,
    ...(groups && { groups }),
  });
}

describe("POST /v1/approvals/{id}/resend", () => {
  it("emails fresh links to the approvers still to decide, and records who asked", async () => {
    const subject = `Resend ${Date.now()}`;
    const { approvalId } = await requestApproval({
      subject,
      approvers: ["ann@example.com", "bob@example.com", "cat@example.com"],
      policy: { required: 3 },
    });
    await decide(approvalId, "ann@example.com", { decision: "approve" });
    const before = await approveLinksTo("bob@example.com", subject);
    api.time += 2_000; // fresh links are signed at a later instant

    const response = await resend(approvalId, "cat@example.com");
    expect(response.status).toBe(202);
    expect(await response.json()).toEqual({
      resent: ["bob@example.com", "cat@example.com"],
      failed: [],
    });

    const after = await approveLinksTo("bob@example.com", subject);
    expect(after).toHaveLength(before.length + 1);
    expect(after.at(-1)).not.toBe(before[0]);
    expect(await approveLinksTo("ann@example.com", subject)).toHaveLength(1);
    // The old link still opens its confirmation page: a resend revokes nothing.
    const old = await api.app.request(new URL(before[0]!).pathname);
    expect(old.status).toBe(200);

    const events = await api.runtime.deps.store.listEvents(approvalId);
    expect(events.find((event) => event.type === "resent")).toMatchObject({
      actor: "cat@example.com",
      data: { to: ["bob@example.com", "cat@example.com"] },
    });
  });

  it("resends at most once every 5 minutes, answering 429 with Retry-After meanwhile", async () => {
    const subject = `Cooldown ${Date.now()}`;
    const { approvalId } = await requestApproval({ subject });
    expect((await resend(approvalId, "ann@example.com")).status).toBe(202);
    api.time += 60_000;
    const tooSoon = await Promise.all([
      resend(approvalId, "ann@example.com"),
      resend(approvalId, "bob@example.com"),
    ]);
    for (const response of tooSoon) {
      const problem = await expectProblem(response, 429);
      expect(problem.retryAfterSeconds).toBe(240);
      expect(response.headers.get("retry-after")).toBe("240");
    }
    api.time += 240_000;
    expect((await resend(approvalId, "bob@example.com")).status).toBe(202);
    // The request, then one email per approver for each of the two resends.
    expect(await approveLinksTo("ann@example.com", subject)).toHaveLength(3);
  });

  it("lets an admin resend, and answers 403 to anyone else who is not an approver", async () => {
    const { approvalId } = await requestApproval();
    expect((await resend(approvalId, "ops@example.com", [TEST_ADMIN_GROUP])).status).toBe(202);
    await expectProblem(await resend(approvalId, "eve@example.com"), 403);
  });

  it("answers 409 once the approval is settled or past its deadline, and 404 when unknown", async () => {
    const settled = await requestApproval();
    await decide(settled.approvalId, "ann@example.com", { decision: "approve" });
    const problem = await expectProblem(await resend(settled.approvalId, "bob@example.com"), 409);
    expect(problem.approvalStatus).toBe("APPROVED");

    const expiring = await requestApproval({ timeoutSeconds: 60 });
    api.time += 61_000;
    await expectProblem(await resend(expiring.approvalId, "ann@example.com"), 409);
    await expectProblem(await resend("aaaaaaaaaaaaaaaaaaaaaaaaaa", "ann@example.com"), 404);
  });
});

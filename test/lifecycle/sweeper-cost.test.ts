/**
 * The sweeper's cost follows the due items, not the table: with many pending approvals that are
 * not yet due (deadlines, reminders and escalations all ahead), a run reads only the due ones
 * from the due index, plus at most one page.
 */
import { randomBytes } from "node:crypto";
import { type Approval, buildApproval, SWEEP_PAGE_SIZE } from "@signoff/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type SignoffStack, startSignoffStack } from "../support/signoff-stack.ts";

const NOT_DUE = 400;
const DUE = 150;
const HOUR = 3_600_000;

let signoff: SignoffStack;
const now = new Date();

beforeAll(async () => {
  signoff = await startSignoffStack({ sweeper: false });
  // Approvals as request-approval stores them (without the emails, which cost nothing here).
  const approval = (reminders: { at: number[] }, createdAt: Date): Approval => {
    const built = buildApproval(
      {
        taskToken: randomBytes(48).toString("base64"),
        approvers: ["ann@example.com", "bob@example.com"],
        subject: "Load",
        timeoutSeconds: 24 * 3600,
        reminders,
        escalation: { afterSeconds: 12 * 3600, to: ["lead@example.com"] },
        context: {},
      },
      { now: createdAt, tokenCiphertext: "not-a-real-ciphertext" },
    );
    if (!built.ok) throw new Error(built.message);
    return built.approval;
  };
  const store = signoff.runtime().deps.store;
  const approvals = [
    // Requested just now: first reminder 6 hours ahead.
    ...Array.from({ length: NOT_DUE }, () => approval({ at: [0.25, 0.75] }, now)),
    // Requested 7 hours ago: their first reminder (at 6 hours) is due.
    ...Array.from({ length: DUE }, () =>
      approval({ at: [0.25, 0.75] }, new Date(now.getTime() - 7 * HOUR)),
    ),
  ];
  for (let i = 0; i < approvals.length; i += 50) {
    await Promise.all(approvals.slice(i, i + 50).map((a) => store.create(a)));
  }
}, 60_000);

afterAll(async () => {
  await signoff?.stop();
});

describe("the sweeper's cost", () => {
  it("reads the due approvals and no more, however many pending ones are not yet due", async () => {
    // 550 pending approvals, 150 due: the run reads 150 index items (two pages of up to 100).
    const first = await signoff.sweep({ now });
    expect(first.due).toBe(DUE);
    expect(first.reminded).toBe(DUE);
    expect(first.read).toBeLessThanOrEqual(DUE + SWEEP_PAGE_SIZE);
    expect(first.read).toBe(DUE);

    // Every due approval moved its dueAt to its next step, so the next run has nothing to read.
    const second = await signoff.sweep({ now });
    expect(second).toMatchObject({ read: 0, due: 0, reminded: 0 });

    // Six hours on, the escalations of the 150 fall due (12 h), not the newer 400's reminders.
    const later = await signoff.sweep({ now: new Date(now.getTime() + 5 * HOUR + 59 * 60_000) });
    expect(later).toMatchObject({ read: DUE, due: DUE, escalated: DUE, reminded: 0 });
  }, 60_000);
});

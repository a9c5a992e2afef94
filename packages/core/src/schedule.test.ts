import { describe, expect, it } from "vitest";
import {
  computeDueAt,
  countReminderSteps,
  dueReminderStep,
  escalationAt,
  nextHeartbeatAt,
  reminderStepAt,
  type ScheduleInput,
} from "./schedule.ts";

const created = Date.parse("2026-03-01T12:00:00.000Z");
const MINUTE = 60_000;

/** A PENDING approval requested at `created` with a 100-minute deadline. */
function pending(overrides: Partial<ScheduleInput> = {}): ScheduleInput & { status: "PENDING" } {
  return {
    status: "PENDING",
    createdAt: new Date(created).toISOString(),
    deadline: new Date(created + 100 * MINUTE).toISOString(),
    ...overrides,
  };
}

describe("reminder steps", () => {
  it("places `at` points at fractions of the time to the deadline", () => {
    const approval = pending({ reminders: { at: [0.5, 0.9] } });
    expect(countReminderSteps(approval)).toBe(2);
    expect(reminderStepAt(approval, 1)).toBe(created + 50 * MINUTE);
    expect(reminderStepAt(approval, 2)).toBe(created + 90 * MINUTE);
    expect(reminderStepAt(approval, 3)).toBeUndefined();
  });

  it("repeats `everySeconds` strictly before the deadline", () => {
    const every30 = pending({ reminders: { everySeconds: 30 * 60 } });
    expect(countReminderSteps(every30)).toBe(3);
    expect([1, 2, 3, 4].map((step) => reminderStepAt(every30, step))).toEqual([
      created + 30 * MINUTE,
      created + 60 * MINUTE,
      created + 90 * MINUTE,
      undefined,
    ]);
    // A step that would fall on the deadline is no reminder: the deadline decides then.
    expect(countReminderSteps(pending({ reminders: { everySeconds: 50 * 60 } }))).toBe(1);
    expect(countReminderSteps(pending({ reminders: { everySeconds: 200 * 60 } }))).toBe(0);
  });

  it("has no steps without a plan, or with an empty one", () => {
    expect(countReminderSteps(pending())).toBe(0);
    expect(countReminderSteps(pending({ reminders: { at: [] } }))).toBe(0);
    expect(dueReminderStep(pending(), created + 99 * MINUTE)).toBeUndefined();
  });

  it("claims the latest step that has come, once, however late the sweeper runs", () => {
    const at = pending({ reminders: { at: [0.5, 0.9] } });
    expect(dueReminderStep(at, created + 49 * MINUTE)).toBeUndefined();
    expect(dueReminderStep(at, created + 50 * MINUTE)).toBe(1);
    expect(dueReminderStep(at, created + 95 * MINUTE)).toBe(2);
    expect(dueReminderStep({ ...at, reminderStep: 1 }, created + 60 * MINUTE)).toBeUndefined();
    expect(dueReminderStep({ ...at, reminderStep: 2 }, created + 99 * MINUTE)).toBeUndefined();

    const every = pending({ reminders: { everySeconds: 10 * 60 } });
    expect(dueReminderStep(every, created + 9 * MINUTE)).toBeUndefined();
    expect(dueReminderStep(every, created + 35 * MINUTE)).toBe(3);
    expect(dueReminderStep({ ...every, reminderStep: 3 }, created + 39 * MINUTE)).toBeUndefined();
    expect(dueReminderStep({ ...every, reminderStep: 3 }, created + 40 * MINUTE)).toBe(4);
    // Never past the last step before the deadline, even when asked after it.
    expect(dueReminderStep(every, created + 500 * MINUTE)).toBe(9);
  });
});

describe("escalationAt", () => {
  it("falls afterSeconds after the request, until the approval has escalated", () => {
    const escalation = { afterSeconds: 20 * 60, to: ["lead@example.com"] };
    expect(escalationAt(pending({ escalation }))).toBe(created + 20 * MINUTE);
    expect(escalationAt(pending({ escalation, escalatedAt: "2026-03-01T12:20:00.000Z" }))).toBe(
      undefined,
    );
    expect(escalationAt(pending())).toBeUndefined();
  });
});

describe("nextHeartbeatAt", () => {
  it("falls a third of heartbeatSeconds after the last heartbeat, or after the request", () => {
    expect(nextHeartbeatAt(pending())).toBeUndefined();
    expect(nextHeartbeatAt(pending({ heartbeatSeconds: 300 }))).toBe(created + 100_000);
    expect(
      nextHeartbeatAt(pending({ heartbeatSeconds: 300, heartbeatAt: created + 150_000 })),
    ).toBe(created + 250_000);
    expect(nextHeartbeatAt(pending({ heartbeatSeconds: 2 }))).toBe(created + 667);
  });
});

describe("computeDueAt", () => {
  it("is the deadline when nothing else is planned", () => {
    expect(computeDueAt(pending())).toBe(created + 100 * MINUTE);
  });

  it("is the earliest of the next reminder, the escalation and the deadline", () => {
    const approval = pending({
      reminders: { at: [0.5, 0.9] },
      escalation: { afterSeconds: 70 * 60, to: ["lead@example.com"] },
    });
    expect(computeDueAt(approval)).toBe(created + 50 * MINUTE);
    expect(computeDueAt({ ...approval, reminderStep: 1 })).toBe(created + 70 * MINUTE);
    expect(
      computeDueAt({ ...approval, reminderStep: 1, escalatedAt: "2026-03-01T13:10:00.000Z" }),
    ).toBe(created + 90 * MINUTE);
    expect(
      computeDueAt({ ...approval, reminderStep: 2, escalatedAt: "2026-03-01T13:10:00.000Z" }),
    ).toBe(created + 100 * MINUTE);
  });

  it("includes the next heartbeat", () => {
    const approval = pending({ reminders: { at: [0.5] }, heartbeatSeconds: 1800 });
    expect(computeDueAt(approval)).toBe(created + 10 * MINUTE);
    expect(computeDueAt({ ...approval, heartbeatAt: created + 45 * MINUTE })).toBe(
      created + 50 * MINUTE,
    );
    expect(computeDueAt({ ...approval, reminderStep: 1, heartbeatAt: created + 95 * MINUTE })).toBe(
      created + 100 * MINUTE,
    );
  });

  it("keeps a settled approval due only for its callback retry", () => {
    const retryAt = created + 5 * MINUTE;
    expect(
      computeDueAt({ status: "APPROVED", callback: "PENDING" }, { callbackRetryAt: retryAt }),
    ).toBe(retryAt);
    expect(
      computeDueAt({ status: "APPROVED", callback: "DELIVERED" }, { callbackRetryAt: retryAt }),
    ).toBeUndefined();
    expect(computeDueAt({ status: "CANCELLED", callback: "NONE" })).toBeUndefined();
  });
});

import { describe, expect, it } from "vitest";
import { deriveApprovalId } from "./approval-id.ts";
import {
  buildApproval,
  DEFAULT_MIN_REMINDER_INTERVAL_SECONDS,
  MAX_APPROVERS,
  MAX_REMINDERS_PER_APPROVER,
  type NewApprovalInput,
} from "./request.ts";
import { TOKEN_REDACTED } from "./token-redaction.ts";

const now = new Date("2026-03-01T12:00:00.000Z");

function input(overrides: Partial<NewApprovalInput> = {}): NewApprovalInput {
  return {
    taskToken: "task-token-1",
    approvers: ["Ann@Example.com", "bob@example.com"],
    subject: "Deploy v2 to production",
    timeoutSeconds: 3600,
    context: { ticket: "OPS-1" },
    ...overrides,
  };
}

function build(overrides: Partial<NewApprovalInput> = {}) {
  return buildApproval(input(overrides), { now, tokenCiphertext: "jwe" });
}

describe("buildApproval", () => {
  it("builds a pending approval with the defaults of the request contract", () => {
    const result = build();
    expect(result).toEqual({
      ok: true,
      approval: {
        id: deriveApprovalId("task-token-1"),
        status: "PENDING",
        callback: "NONE",
        tokenCiphertext: "jwe",
        approvers: ["ann@example.com", "bob@example.com"],
        subject: "Deploy v2 to production",
        context: { ticket: "OPS-1" },
        policy: { required: 1 },
        onTimeout: "fail",
        rejectAs: "failure",
        createdAt: "2026-03-01T12:00:00.000Z",
        deadline: "2026-03-01T13:00:00.000Z",
        decisions: {},
        version: 0,
        callbackAttempts: 0,
        requestAttempts: 1,
        dueAt: Date.parse("2026-03-01T13:00:00.000Z"),
      },
    });
  });

  it("lower-cases and de-duplicates approvers and the requester", () => {
    const result = build({
      approvers: [" ann@example.com", "ANN@example.com", "bob@example.com"],
      requestedBy: "Carol@Example.com",
    });
    expect(result.ok && result.approval.approvers).toEqual(["ann@example.com", "bob@example.com"]);
    expect(result.ok && result.approval.requestedBy).toBe("carol@example.com");
  });

  it("keeps the optional fields it was given", () => {
    const result = build({
      details: { version: "2.0.0" },
      executionArn: "arn:aws:states:us-east-1:1:execution:demo:run-1",
      onTimeout: "reject",
      rejectAs: "output",
      policy: { required: 2 },
    });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.approval.details).toEqual({ version: "2.0.0" });
    expect(result.approval.executionArn).toBe("arn:aws:states:us-east-1:1:execution:demo:run-1");
    expect(result.approval.onTimeout).toBe("reject");
    expect(result.approval.rejectAs).toBe("output");
    expect(result.approval.policy).toEqual({ required: 2 });
    expect("requestedBy" in result.approval).toBe(false);
  });

  it("keeps tags de-duplicated, leaves them out when none, and refuses bad ones", () => {
    const tagged = build({ tags: ["release", "team:ops", "release"] });
    expect(tagged.ok && tagged.approval.tags).toEqual(["release", "team:ops"]);
    const none = build({ tags: [] });
    expect(none.ok && "tags" in none.approval).toBe(false);
    for (const tags of [["a#b"], ["x|y"], [""], Array.from({ length: 11 }, (_, i) => `t${i}`)]) {
      expect(build({ tags })).toMatchObject({ ok: false, field: "tags" });
    }
  });

  it("refuses a quorum outside 1..approvers, naming policy.required", () => {
    for (const required of [0, 3, 1.5]) {
      expect(build({ policy: { required } })).toMatchObject({
        ok: false,
        reason: "invalid-request",
        field: "policy.required",
      });
    }
  });

  it("counts de-duplicated approvers when checking the quorum", () => {
    const result = build({ approvers: ["a@x.io", "A@x.io"], policy: { required: 2 } });
    expect(result).toMatchObject({ ok: false, field: "policy.required" });
  });

  it("refuses a quorum that needs the requester's own approval", () => {
    const result = build({ requestedBy: "ann@example.com", policy: { required: 2 } });
    expect(result).toMatchObject({ ok: false, field: "policy.required" });
    expect(result.ok || result.message).toMatch(/requestedBy/);
  });

  it("refuses a request whose only approver is the requester", () => {
    const result = build({ approvers: ["ann@example.com"], requestedBy: "ANN@example.com" });
    expect(result).toMatchObject({ ok: false, field: "approvers" });
  });

  it("refuses no approvers, too many approvers, a bad timeout and an empty subject", () => {
    expect(build({ approvers: [] })).toMatchObject({ ok: false, field: "approvers" });
    const many = Array.from({ length: MAX_APPROVERS + 1 }, (_, i) => `p${i}@x.io`);
    expect(build({ approvers: many })).toMatchObject({ ok: false, field: "approvers" });
    expect(build({ timeoutSeconds: 0 })).toMatchObject({ ok: false, field: "timeoutSeconds" });
    expect(build({ timeoutSeconds: 1e20 })).toMatchObject({ ok: false, field: "timeoutSeconds" });
    expect(build({ subject: "  " })).toMatchObject({ ok: false, field: "subject" });
  });
});

describe("buildApproval with reminders and escalation", () => {
  const created = now.getTime();

  it("keeps the plans, normalized, and makes the first of them the due time", () => {
    const result = build({
      reminders: { at: [0.9, 0.5, 0.5] },
      escalation: { afterSeconds: 1200, to: [" Lead@Example.com", "lead@example.com"] },
    });
    expect(result.ok && result.approval).toMatchObject({
      reminders: { at: [0.5, 0.9] },
      escalation: { afterSeconds: 1200, to: ["lead@example.com"] },
      dueAt: created + 1_200_000,
    });
    expect(result.ok && result.approval.reminderStep).toBeUndefined();
    expect(result.ok && result.approval.escalatedAt).toBeUndefined();
  });

  it("is due at the deadline when the plans put nothing before it", () => {
    const result = build({ reminders: { everySeconds: 7200 } });
    expect(result.ok && result.approval.dueAt).toBe(created + 3_600_000);
  });

  it("keeps heartbeatSeconds and is due for the first heartbeat a third of it in", () => {
    const result = build({ heartbeatSeconds: 300 });
    expect(result.ok && result.approval).toMatchObject({
      heartbeatSeconds: 300,
      dueAt: created + 100_000,
    });
    expect(build({ heartbeatSeconds: 0 })).toMatchObject({ ok: false, field: "heartbeatSeconds" });
  });

  it("refuses reminders that are not fractions of the timeout, naming the field", () => {
    for (const at of [[0], [1], [0.5, Number.NaN], Array.from({ length: 11 }, (_, i) => i / 20)]) {
      expect(build({ reminders: { at } })).toMatchObject({ ok: false, field: "reminders.at" });
    }
    expect(build({ reminders: { everySeconds: 0.5 } })).toMatchObject({
      ok: false,
      field: "reminders.everySeconds",
    });
  });

  it("refuses an escalation that could never happen or adds too many approvers", () => {
    expect(build({ escalation: { afterSeconds: 3600, to: ["lead@example.com"] } })).toMatchObject({
      ok: false,
      field: "escalation.afterSeconds",
    });
    expect(build({ escalation: { afterSeconds: 60, to: [] } })).toMatchObject({
      ok: false,
      field: "escalation.to",
    });
    const many = Array.from({ length: MAX_APPROVERS - 1 }, (_, i) => `extra${i}@example.com`);
    expect(build({ escalation: { afterSeconds: 60, to: many } })).toMatchObject({
      ok: false,
      field: "escalation.to",
    });
  });
});

describe("who is who", () => {
  it("reads requestedBy as an address or a name and an address, and nothing else", () => {
    for (const written of [
      "alice@example.com",
      " Alice@Example.com ",
      "Alice Smith <alice@example.com>",
      '"Smith, Alice" <ALICE@example.com>',
    ]) {
      const result = build({ requestedBy: written });
      expect(result.ok && result.approval.requestedBy, written).toBe("alice@example.com");
    }
    for (const written of [
      "mailto:alice@example.com",
      "Alice Smith",
      "alice@example.com, bob@example.com",
      "<alice@example.com> (ops)",
      "Alice <mailto:alice@example.com>",
      "alice",
    ]) {
      expect(build({ requestedBy: written }), written).toMatchObject({
        ok: false,
        field: "requestedBy",
      });
    }
  });

  it("counts a requester written with a name as the approver they are", () => {
    const result = build({
      approvers: ["alice@example.com"],
      requestedBy: "Alice Smith <alice@example.com>",
    });
    expect(result).toMatchObject({ ok: false, field: "approvers" });
  });

  it("treats a mailbox alias as the same person: no two approvers may share a mailbox", () => {
    expect(build({ approvers: ["alice@example.com", "alice+ops@example.com"] })).toMatchObject({
      ok: false,
      field: "approvers[1]",
      message: expect.stringContaining("same mailbox as alice@example.com"),
    });
    expect(
      build({
        approvers: ["alice@example.com", "bob@example.com"],
        escalation: { afterSeconds: 60, to: ["Bob+Escalation@example.com"] },
      }),
    ).toMatchObject({ ok: false, field: "escalation.to[0]" });
    // The requester's alias cannot approve, so it does not count toward a reachable quorum.
    expect(
      build({
        approvers: ["alice+ops@example.com", "bob@example.com"],
        requestedBy: "alice@example.com",
        policy: { required: 2 },
      }),
    ).toMatchObject({ ok: false, field: "policy.required" });
  });

  it("refuses addresses that a Unicode case fold would merge with another (the Kelvin sign)", () => {
    const kelvin = "\u212Aim@example.com";
    expect(build({ approvers: [kelvin, "bob@example.com"] })).toMatchObject({
      ok: false,
      field: "approvers[0]",
    });
    expect(
      build({ approvers: ["bob@example.com"], escalation: { afterSeconds: 60, to: [kelvin] } }),
    ).toMatchObject({ ok: false, field: "escalation.to[0]" });
  });
});

describe("the task token in what is shown", () => {
  it("is replaced wherever the request repeats it: subject, details, context, keys", () => {
    const taskToken = "AQCEAAAA-token-passed-along-by-$$.Task";
    const result = build({
      taskToken,
      subject: `Approve ${taskToken}`,
      details: { note: `token=${taskToken};`, list: [taskToken] },
      context: { task: { Token: taskToken, EnteredTime: "2026-03-01T12:00:00Z" }, [taskToken]: 1 },
    });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    const { tokenCiphertext: _, ...shown } = result.approval;
    expect(JSON.stringify(shown)).not.toContain(taskToken);
    expect(result.approval.subject).toBe(`Approve ${TOKEN_REDACTED}`);
    expect(result.approval.context).toEqual({
      task: { Token: TOKEN_REDACTED, EnteredTime: "2026-03-01T12:00:00Z" },
      [TOKEN_REDACTED]: 1,
    });
    expect(result.approval.details).toEqual({
      note: `token=${TOKEN_REDACTED};`,
      list: [TOKEN_REDACTED],
    });
  });

  it("leaves requests that do not repeat it exactly as they were", () => {
    const context = { ticket: "OPS-1", nested: { a: [1, "two"] } };
    const result = build({ context });
    expect(result.ok && result.approval.context).toBe(context);
  });
});

describe("reminder limits", () => {
  it("refuses reminders more often than the floor, which configuration may lower", () => {
    const tooOften = { everySeconds: DEFAULT_MIN_REMINDER_INTERVAL_SECONDS - 1 };
    expect(build({ reminders: tooOften, timeoutSeconds: 3600 })).toMatchObject({
      ok: false,
      field: "reminders.everySeconds",
    });
    const lowered = buildApproval(input({ reminders: { everySeconds: 1 }, timeoutSeconds: 10 }), {
      now,
      tokenCiphertext: "jwe",
      minReminderIntervalSeconds: 1,
    });
    expect(lowered.ok).toBe(true);
  });

  it(`refuses a plan that would send more than ${MAX_REMINDERS_PER_APPROVER} reminders`, () => {
    const year = 365 * 24 * 3600;
    expect(build({ reminders: { everySeconds: 300 }, timeoutSeconds: year })).toMatchObject({
      ok: false,
      field: "reminders.everySeconds",
      message: expect.stringContaining(`at most ${MAX_REMINDERS_PER_APPROVER}`),
    });
    // 21 intervals: 20 reminders strictly before the deadline.
    const most = build({ reminders: { everySeconds: 300 }, timeoutSeconds: 300 * 21 });
    expect(most.ok).toBe(true);
    expect(build({ reminders: { everySeconds: 300 }, timeoutSeconds: 300 * 21 + 1 })).toMatchObject(
      { ok: false, field: "reminders.everySeconds" },
    );
  });

  it("stores a parsed form with its defaults, and no form key when the request has none", () => {
    const result = build({ form: [{ name: "amount", type: "number", min: 0 }] });
    expect(result.ok && result.approval.form).toEqual([
      {
        name: "amount",
        label: "amount",
        type: "number",
        required: false,
        for: ["approve"],
        integer: false,
        min: 0,
      },
    ]);
    const none = build({ form: [] });
    expect(none.ok && Object.hasOwn(none.approval, "form")).toBe(false);
  });

  it("refuses a form that does not parse, naming the field", () => {
    expect(build({ form: [{ name: "x", type: "colour" }] })).toMatchObject({
      ok: false,
      field: "form[0].type",
    });
  });

  it("never keeps the task token in a form's labels", () => {
    const result = build({
      form: [{ name: "x", type: "text", label: "token task-token-1 here" }],
    });
    expect(JSON.stringify(result)).not.toContain("task-token-1");
  });
});

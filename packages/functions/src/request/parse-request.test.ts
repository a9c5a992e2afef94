import { describe, expect, it } from "vitest";
import { InvalidRequestError, parseApprovalRequest } from "./parse-request.ts";

const defaults = { approvers: ["ops@example.com"], timeoutSeconds: 3600 };
const TOKEN = "AQCEAAAAKgAAAAMAAAAAAAAAAd+secret-token";

function refusal(payload: unknown, given = defaults): InvalidRequestError {
  try {
    parseApprovalRequest(payload, given);
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidRequestError);
    return error as InvalidRequestError;
  }
  throw new Error("expected the payload to be refused");
}

describe("parseApprovalRequest", () => {
  it("accepts an existing payload with only a token and keeps every other field as context", () => {
    const parsed = parseApprovalRequest({ token: TOKEN, model: "m-42", score: 0.93 }, defaults);
    expect(parsed).toMatchObject({
      taskToken: TOKEN,
      approvers: ["ops@example.com"],
      subject: "Approval requested",
      policy: { required: 1 },
      timeoutSeconds: 3600,
      onTimeout: "fail",
      rejectAs: "failure",
      context: { model: "m-42", score: 0.93 },
    });
  });

  it("accepts the token as taskToken, token or TaskToken", () => {
    for (const key of ["taskToken", "token", "TaskToken"]) {
      expect(parseApprovalRequest({ [key]: TOKEN }, defaults).taskToken).toBe(TOKEN);
    }
  });

  it("lower-cases and de-duplicates approvers and applies the request's own settings", () => {
    const parsed = parseApprovalRequest(
      {
        taskToken: TOKEN,
        approvers: ["Ann@Example.com", "ann@example.com", "bob@example.com"],
        subject: " Deploy v2 ",
        details: { change: "CHG-1" },
        requestedBy: "carol@example.com",
        policy: { required: 2 },
        timeoutSeconds: 60,
        onTimeout: "reject",
        rejectAs: "output",
        executionArn: "arn:aws:states:us-east-1:123456789012:execution:demo:run-1",
      },
      defaults,
    );
    expect(parsed.approvers).toEqual(["ann@example.com", "bob@example.com"]);
    expect(parsed).toMatchObject({
      subject: "Deploy v2",
      policy: { required: 2 },
      onTimeout: "reject",
      rejectAs: "output",
    });
    expect(parsed.context).toEqual({});
  });

  it("names the error Approval.InvalidRequest so a state machine can Catch it", () => {
    const error = refusal({ approvers: ["ann@example.com"] });
    expect(error.name).toBe("Approval.InvalidRequest");
    expect(error.field).toBe("taskToken");
  });

  it("names the bad field in the message", () => {
    expect(
      refusal({ taskToken: TOKEN, approvers: ["ann@example.com", "not-an-email"] }).message,
    ).toMatch(/^approvers\[1\]: /);
    expect(refusal({ taskToken: TOKEN, policy: { required: 0 } }).field).toBe("policy.required");
    expect(refusal({ taskToken: TOKEN, policy: { required: 2 } }).message).toContain(
      "only 1 approvers",
    );
    expect(refusal({ taskToken: TOKEN, timeoutSeconds: "soon" }).field).toBe("timeoutSeconds");
    expect(refusal({ taskToken: TOKEN, onTimeout: "ignore" }).field).toBe("onTimeout");
    expect(refusal({ taskToken: 42 }).field).toBe("taskToken");
    expect(refusal("just text").field).toBe("payload");
    expect(refusal([TOKEN]).field).toBe("payload");
  });

  it("refuses when no approvers are given and none are configured", () => {
    expect(refusal({ taskToken: TOKEN }, { approvers: [], timeoutSeconds: 60 }).message).toContain(
      "no default approvers",
    );
  });

  it("refuses two different tokens", () => {
    expect(refusal({ taskToken: TOKEN, token: `${TOKEN}x` }).field).toBe("taskToken");
  });

  it("refuses huge and deeply nested details without crashing", () => {
    expect(refusal({ taskToken: TOKEN, details: "x".repeat(70_000) }).field).toBe("details");
    let deep: Record<string, unknown> = {};
    for (let i = 0; i < 10_000; i += 1) deep = { deep };
    expect(refusal({ taskToken: TOKEN, details: deep }).field).toBe("details");
    expect(refusal({ taskToken: TOKEN, nested: deep }).field).toBe("context");
  });

  it("keeps unicode in subject and details", () => {
    const parsed = parseApprovalRequest(
      { taskToken: TOKEN, subject: "Déploiement 🚀", details: "提交" },
      defaults,
    );
    expect(parsed.subject).toBe("Déploiement 🚀");
    expect(parsed.details).toBe("提交");
  });

  it("never echoes the token in an error message", () => {
    const messages = [
      refusal({ taskToken: TOKEN, approvers: "ann@example.com" }),
      refusal({ taskToken: `${TOKEN}${"x".repeat(3000)}` }),
      refusal({ taskToken: TOKEN, token: "other" }),
    ].map((e) => `${e.message} ${String(e.cause)}`);
    for (const message of messages) expect(message).not.toContain("secret-token");
  });
});

describe("parseApprovalRequest: reminders and escalation", () => {
  it("accepts reminders every N seconds or at fractions of the timeout, and an escalation", () => {
    expect(
      parseApprovalRequest({ taskToken: TOKEN, reminders: { everySeconds: 600 } }, defaults)
        .reminders,
    ).toEqual({ everySeconds: 600 });
    const parsed = parseApprovalRequest(
      {
        taskToken: TOKEN,
        reminders: { at: [0.5, 0.9] },
        escalation: { afterSeconds: 1800, to: ["Lead@Example.com"] },
      },
      defaults,
    );
    expect(parsed.reminders).toEqual({ at: [0.5, 0.9] });
    expect(parsed.escalation).toEqual({ afterSeconds: 1800, to: ["lead@example.com"] });
    expect(parsed.context).toEqual({});
  });

  it("applies the deployment's default reminders unless the request says, even to say none", () => {
    const withDefault = { ...defaults, reminders: { at: [0.75] } };
    expect(parseApprovalRequest({ taskToken: TOKEN }, withDefault).reminders).toEqual({
      at: [0.75],
    });
    expect(
      parseApprovalRequest({ taskToken: TOKEN, reminders: { at: [] } }, withDefault).reminders,
    ).toEqual({ at: [] });
    expect(parseApprovalRequest({ taskToken: TOKEN }, defaults).reminders).toBeUndefined();
  });

  it("accepts heartbeatSeconds as a whole number of seconds", () => {
    expect(
      parseApprovalRequest({ taskToken: TOKEN, heartbeatSeconds: 300 }, defaults).heartbeatSeconds,
    ).toBe(300);
    expect(refusal({ taskToken: TOKEN, heartbeatSeconds: 2.5 }).message).toBe(
      "heartbeatSeconds: must be a whole number of seconds",
    );
  });

  it('refuses "constructor" and "__proto__" keys and numbers DynamoDB cannot keep', () => {
    const payloads = [
      '{"taskToken":"t","constructor":1}',
      '{"taskToken":"t","details":{"a":[{"constructor":{"name":"Set"}}]}}',
      '{"taskToken":"t","meta":{"constructor":"x"}}',
      '{"taskToken":"t","__proto__":{"polluted":"yes"}}',
      '{"taskToken":"t","details":{"a":{"__proto__":{"x":1}}}}',
    ];
    const fields = payloads.map((payload) => refusal(JSON.parse(payload)).message);
    expect(fields).toEqual([
      'context: must not use "constructor" as a key',
      'details: must not use "constructor" as a key',
      'context: must not use "constructor" as a key',
      'context: must not use "__proto__" as a key',
      'details: must not use "__proto__" as a key',
    ]);
    for (const [payload, field] of [
      [{ details: { total: -Infinity } }, "details"],
      [{ score: [Number.NaN] }, "context"],
      [JSON.parse(`{"orderId": 12345678901234567890}`), "context"],
      [{ details: { tiny: 1e-200 } }, "details"],
    ] as const) {
      expect(refusal({ taskToken: TOKEN, ...payload }).message).toMatch(
        new RegExp(`^${field}: must hold only numbers DynamoDB can keep exactly`),
      );
    }
    expect(
      parseApprovalRequest({ taskToken: TOKEN, n: 9007199254740991, f: 1.5e-7 }, defaults).context,
    ).toEqual({
      n: 9007199254740991,
      f: 1.5e-7,
    });
    // Other keys that name Object.prototype members are just keys.
    const parsed = parseApprovalRequest(
      JSON.parse('{"taskToken":"t","toString":1,"details":{"valueOf":2}}'),
      defaults,
    );
    expect(parsed.context).toEqual({ toString: 1 });
    expect(parsed.details).toEqual({ valueOf: 2 });
  });

  it("accepts up to 10 tags of letters, digits and ._:/=+- and refuses others", () => {
    const tags = ["release", "team:payments", "env=prod", "v1.4/eu-west-1"];
    expect(parseApprovalRequest({ taskToken: TOKEN, tags }, defaults).tags).toEqual(tags);
    expect(refusal({ taskToken: TOKEN, tags: ["has space"] }).message).toContain(
      "tags[0]: must be",
    );
    expect(refusal({ taskToken: TOKEN, tags: ["a|b"] }).message).toContain("tags[0]: must be");
    expect(refusal({ taskToken: TOKEN, tags: ["x".repeat(65)] }).message).toContain("tags[0]");
    const eleven = Array.from({ length: 11 }, (_, index) => `t${index}`);
    expect(refusal({ taskToken: TOKEN, tags: eleven }).message).toBe(
      "tags: must list at most 10 tags",
    );
    expect(refusal({ taskToken: TOKEN, tags: "release" }).message).toBe(
      "tags: must be a list of tags",
    );
  });

  it("names the field at fault in a bad plan", () => {
    const cases: [unknown, string][] = [
      [{ reminders: { at: [1.5] } }, "reminders.at[0]: must be a fraction of the timeout, below 1"],
      [{ reminders: { everySeconds: 0 } }, "reminders.everySeconds: must be at least 1"],
      [{ reminders: {} }, 'reminders: must give exactly one of "everySeconds" or "at"'],
      [
        { reminders: { everySeconds: 60, at: [0.5] } },
        'reminders: must give exactly one of "everySeconds" or "at"',
      ],
      [{ reminders: "daily" }, 'reminders: must be {"everySeconds": N} or {"at": ['],
      [{ escalation: { afterSeconds: 60 } }, "escalation.to: must be a list of email addresses"],
      [{ escalation: { afterSeconds: 60, to: ["nobody"] } }, "escalation.to[0]: must be an email"],
    ];
    for (const [fields, message] of cases) {
      expect(refusal({ taskToken: TOKEN, ...(fields as object) }).message).toContain(message);
    }
  });

  it("takes form as a known field, parsed with its defaults, not as context", () => {
    const parsed = parseApprovalRequest(
      {
        token: TOKEN,
        form: [
          { name: "amount", type: "number", min: 0, max: 100, required: true },
          { name: "reason", type: "text", for: ["reject"], required: true },
        ],
      },
      defaults,
    );
    expect(parsed.context).toEqual({});
    expect(parsed.form).toEqual([
      {
        name: "amount",
        label: "amount",
        type: "number",
        min: 0,
        max: 100,
        integer: false,
        required: true,
        for: ["approve"],
      },
      {
        name: "reason",
        label: "reason",
        type: "text",
        maxLength: 200,
        multiline: false,
        required: true,
        for: ["reject"],
      },
    ]);
    expect(Object.hasOwn(parseApprovalRequest({ token: TOKEN }, defaults), "form")).toBe(false);
  });

  it("refuses a bad form as Approval.InvalidRequest naming the field inside it", () => {
    const error = refusal({
      token: TOKEN,
      form: [{ name: "region", type: "select", options: ["eu", "eu"] }],
    });
    expect(error.name).toBe("Approval.InvalidRequest");
    expect(error.field).toBe("form[0].options");
    expect(error.message).toBe("form[0].options: must not list an option twice");
    expect(refusal({ token: TOKEN, form: { fields: [] } }).field).toBe("form");
  });
});

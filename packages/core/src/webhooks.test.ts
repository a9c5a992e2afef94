import { describe, expect, it } from "vitest";
import type { Approval, AuditEvent } from "./approval.ts";
import {
  computeWebhookDelay,
  DEFAULT_WEBHOOK_RETRY,
  findWebhookUrlProblem,
  planWebhookDeliveries,
  resolveWebhookUrls,
} from "./webhooks.ts";

const approval = {
  id: "A1",
  status: "APPROVED",
  callback: "DELIVERED",
  tokenCiphertext: "secret-ciphertext",
  approvers: ["ann@x.io"],
  subject: "Deploy",
  context: { note: "context stays private" },
  policy: { required: 1 },
  onTimeout: "fail",
  rejectAs: "failure",
  createdAt: "2026-01-01T00:00:00.000Z",
  deadline: "2026-01-02T00:00:00.000Z",
  decisions: {
    "ann@x.io": {
      approver: "ann@x.io",
      decision: "approve",
      at: "t",
      channel: "link",
      seq: 1,
      idempotencyKey: "k",
    },
  },
  version: 2,
  callbackAttempts: 1,
  outcome: { status: "APPROVED", reason: "quorum", at: "t" },
  webhookUrls: ["https://a.example.com/h"],
} as Approval;

function event(
  seq: number,
  type: AuditEvent["type"],
  data: Record<string, unknown> = {},
): AuditEvent {
  return { approvalId: "A1", seq, type, at: "t", actor: "signoff", data, prevHash: "p", hash: "h" };
}

describe("planWebhookDeliveries", () => {
  it("plans one message per requested, decided, settled, expired or cancelled event, and none for others", () => {
    const events = [
      event(1, "requested"),
      event(2, "emailed"),
      event(3, "decided", { decision: "approve" }),
      event(4, "settled", { status: "APPROVED", reason: "quorum" }),
      event(5, "callback-sent"),
      event(6, "expired", { reason: "task-closed" }),
      event(7, "cancelled", { reason: "execution-ended" }),
    ];
    const planned = planWebhookDeliveries(approval, events, new Date(5));
    expect(planned.map((d) => [d.seq, d.type])).toEqual([
      [1, "approval.requested"],
      [3, "approval.decided"],
      [4, "approval.settled"],
      [6, "approval.settled"],
      [7, "approval.cancelled"],
    ]);
    expect(planned[0]).toMatchObject({
      webhookId: "msg_A1_1",
      attempts: 0,
      state: "PENDING",
      dueAt: 5,
    });
    expect(JSON.parse(planned[3]!.body).data.status).toBe("EXPIRED");
    for (const delivery of planned) {
      expect(delivery.body).not.toContain("secret-ciphertext");
      expect(delivery.body).not.toContain("context stays private");
      expect(delivery.body).not.toContain("idempotencyKey");
    }
  });

  it("carries each decision's form response and channel (a dashboard sees what was answered)", () => {
    const answered = {
      ...approval,
      decisions: {
        "ann@x.io": {
          ...approval.decisions["ann@x.io"]!,
          channel: "slack",
          response: { amount: 42 },
        },
      },
    } as Approval;
    const planned = planWebhookDeliveries(
      answered,
      [
        event(3, "decided", { decision: "approve", channel: "slack", response: { amount: 42 } }),
        event(4, "settled", { status: "APPROVED", reason: "quorum" }),
      ],
      new Date(5),
    );
    expect(JSON.parse(planned[0]!.body).data).toMatchObject({
      channel: "slack",
      response: { amount: 42 },
    });
    expect(JSON.parse(planned[1]!.body).data.decisions).toEqual([
      expect.objectContaining({ channel: "slack", response: { amount: 42 } }),
    ]);
  });

  it("plans nothing for an approval without webhook URLs", () => {
    const { webhookUrls: _, ...without } = approval;
    expect(planWebhookDeliveries(without, [event(1, "requested")], new Date())).toEqual([]);
  });
});

describe("findWebhookUrlProblem", () => {
  it("allows public https URLs and, only when told, http to loopback", () => {
    expect(findWebhookUrlProblem("https://hooks.example.com/x?y=1")).toBeUndefined();
    expect(
      findWebhookUrlProblem("http://127.0.0.1:8080/h", { allowLoopbackHttp: true }),
    ).toBeUndefined();
    expect(findWebhookUrlProblem("http://127.0.0.1:8080/h")).toBe("must be https://");
    expect(findWebhookUrlProblem("https://localhost/h")).toContain("loopback");
  });

  it.each([
    "https://169.254.169.254/latest",
    "https://10.1.2.3/",
    "https://172.16.0.1/",
    "https://192.168.1.1/",
    "https://100.64.0.1/",
    "https://0.0.0.0/",
    "https://[fd00:ec2::254]/",
    "https://[fe80::1]/",
    "https://[::ffff:169.254.169.254]/",
  ])("refuses the internal address %s", (url) => {
    expect(findWebhookUrlProblem(url)).toContain("link-local, private or metadata");
  });
});

describe("resolveWebhookUrls", () => {
  it("puts the deployment's URLs first, drops repeats, and caps the request's", () => {
    expect(
      resolveWebhookUrls({
        deploymentUrls: ["https://a.example.com"],
        requested: ["https://a.example.com", "https://b.example.com"],
      }),
    ).toEqual({ ok: true, urls: ["https://a.example.com", "https://b.example.com"] });
    expect(
      resolveWebhookUrls({
        deploymentUrls: [],
        requested: Array.from({ length: 4 }, (_, i) => `https://h${i}.example.com`),
      }),
    ).toMatchObject({ ok: false, field: "webhooks" });
  });
});

describe("computeWebhookDelay", () => {
  it("follows the schedule and repeats its last step", () => {
    const delays = [1, 2, 3, 4, 5, 6, 7, 8, 9].map((n) =>
      computeWebhookDelay(n, DEFAULT_WEBHOOK_RETRY),
    );
    expect(delays).toEqual([
      5_000, 30_000, 120_000, 600_000, 3_600_000, 7_200_000, 14_400_000, 14_400_000, 14_400_000,
    ]);
  });
});

/**
 * The `/v1` request and response shapes, in zod so the OpenAPI document is generated from the
 * same definitions the routes validate with.
 */
import { z } from "@hono/zod-openapi";
import { MAX_COMMENT_LENGTH, TAG_PATTERN } from "@signoff/core";

export const ApprovalIdParams = z.object({
  id: z
    .string()
    .regex(/^[a-z2-7]{26}$/)
    .openapi({ param: { name: "id", in: "path" }, example: "k5q3v7b2mfz4xw6n8d2cj3h7ta" }),
});

/** One answer to a form field: text or a select's option, a number, or a checkbox. */
const ResponseValueSchema = z.union([z.string(), z.number(), z.boolean()]);

/** An approver's answers by field name (see `FormField`). */
export const FormResponseSchema = z
  .record(z.string(), ResponseValueSchema)
  .openapi("FormResponse", {
    description:
      "Answers to the approval's `form`, by field name: text and select fields as strings, numbers as numbers, booleans as true/false (an absent boolean is false).",
    example: { amount: 2500, region: "eu" },
  });

export const DecisionBodySchema = z
  .object({
    decision: z.enum(["approve", "reject"]),
    comment: z.string().max(MAX_COMMENT_LENGTH).optional(),
    response: FormResponseSchema.optional(),
  })
  .strict()
  .openapi("DecisionRequest");

export const DecisionSchema = z
  .object({
    approver: z.string(),
    decision: z.enum(["approve", "reject"]),
    comment: z.string().optional(),
    at: z.string(),
    channel: z.enum(["link", "api", "inbox", "slack", "timeout"]),
    idempotencyKey: z.string().optional(),
    response: FormResponseSchema.optional(),
    seq: z.number().int().min(1).optional().openapi({
      description:
        "1, 2, 3, ...: the order in which the approval's decisions were recorded, which is the order the policy replays them in.",
    }),
  })
  .openapi("Decision");

const FieldBase = {
  name: z.string(),
  label: z.string(),
  description: z.string().optional(),
  required: z.boolean().openapi({
    description: "A value must be given; for a boolean, the box must be checked.",
  }),
  for: z.array(z.enum(["approve", "reject"])).openapi({
    description: "The decisions the field is asked with.",
  }),
};

/** A form field as stored (defaults filled in); see the README's "Response forms". */
export const FormFieldSchema = z
  .discriminatedUnion("type", [
    z.object({
      ...FieldBase,
      type: z.literal("text"),
      minLength: z.number().int().optional(),
      maxLength: z.number().int(),
      multiline: z.boolean(),
    }),
    z.object({
      ...FieldBase,
      type: z.literal("number"),
      min: z.number().optional(),
      max: z.number().optional(),
      integer: z.boolean(),
    }),
    z.object({ ...FieldBase, type: z.literal("select"), options: z.array(z.string()) }),
    z.object({ ...FieldBase, type: z.literal("boolean") }),
  ])
  .openapi("FormField");

const StatusSchema = z.enum(["PENDING", "APPROVED", "REJECTED", "EXPIRED", "CANCELLED"]);

/** `Idempotency-Key`: any visible ASCII, as the IETF draft and the big APIs accept. */
export const IdempotencyHeaders = z.object({
  "idempotency-key": z
    .string()
    .regex(/^[\x21-\x7e]{1,255}$/, { error: "must be 1 to 255 visible ASCII characters" })
    .optional()
    .openapi({
      param: { name: "idempotency-key", in: "header" },
      description:
        "Makes a retry safe: the same key with the same decision gets the recorded decision back.",
      example: "4f1c2a9e-7d0b-4c55-9a63-2e8e1b6f0d12",
    }),
});

export const ListQuerySchema = z.object({
  status: StatusSchema.optional().openapi({ param: { name: "status", in: "query" } }),
  approver: z
    .union([z.literal("me"), z.email()])
    .optional()
    .openapi({
      param: { name: "approver", in: "query" },
      description:
        "`me` or an email. Without it an admin lists everyone's approvals and anyone else their own.",
    }),
  execution: z
    .string()
    .startsWith("arn:")
    .max(2048)
    .optional()
    .openapi({ param: { name: "execution", in: "query" }, description: "An execution ARN." }),
  tag: z
    .string()
    .regex(TAG_PATTERN)
    .optional()
    .openapi({ param: { name: "tag", in: "query" } }),
  limit: z.coerce
    .number()
    .int()
    .min(1)
    .max(100)
    .default(20)
    .openapi({ param: { name: "limit", in: "query" }, example: 20 }),
  cursor: z
    .string()
    .max(4096)
    .optional()
    .openapi({
      param: { name: "cursor", in: "query" },
      description: "`nextCursor` of the page before.",
    }),
});

/** What SES reported about one email to an approver (see `EmailProblem` in core). */
export const EmailProblemSchema = z
  .object({
    approver: z.string(),
    kind: z.enum(["bounce", "complaint", "reject", "delay"]).openapi({
      description:
        "bounce: the receiving server refused it; complaint: the recipient marked it as spam; reject: SES would not send it; delay: SES is still trying.",
    }),
    bounceType: z
      .string()
      .optional()
      .openapi({ description: "Permanent, Transient or Undetermined." }),
    bounceSubType: z.string().optional(),
    complaintType: z
      .string()
      .optional()
      .openapi({ description: "The mailbox provider's feedback type (abuse, fraud, ...)." }),
    delayType: z.string().optional(),
    email: z
      .string()
      .optional()
      .openapi({ description: "Which email: request, reminder, escalation or cancelled." }),
    at: z.string().openapi({ description: "When SES says it happened." }),
    recordedAt: z.string(),
    eventId: z
      .string()
      .openapi({ description: "The SES event that reported it; the audit event carries it too." }),
  })
  .openapi("EmailProblem");

/** An approval as the API shows it: everything but the encrypted task token. */
export const ApprovalSchema = z
  .object({
    id: z.string(),
    status: StatusSchema,
    callback: z.enum(["NONE", "PENDING", "DELIVERED", "GAVE_UP"]),
    approvers: z.array(z.string()),
    requestedBy: z.string().optional(),
    subject: z.string(),
    details: z.unknown().optional(),
    context: z.record(z.string(), z.unknown()),
    policy: z.object({ required: z.number().int() }),
    onTimeout: z.enum(["fail", "reject", "approve"]),
    rejectAs: z.enum(["failure", "output"]),
    executionArn: z.string().optional(),
    tags: z.array(z.string()).optional(),
    form: z.array(FormFieldSchema).optional().openapi({
      description: "The fields approvers answer with their decision; absent when none.",
    }),
    createdAt: z.string(),
    deadline: z.string(),
    decisions: z.record(z.string(), DecisionSchema),
    outcome: z
      .object({
        status: StatusSchema.exclude(["PENDING"]),
        reason: z.enum([
          "quorum",
          "rejected",
          "quorum-unreachable",
          "timeout",
          "execution-ended",
          "task-closed",
          "undeliverable",
        ]),
        at: z.string(),
        undelivered: z.array(z.string()).optional().openapi({
          description: 'With reason "undeliverable": the approvers the request never reached.',
        }),
      })
      .optional(),
    callbackAttempts: z.number().int(),
    callbackError: z.string().optional(),
    emailProblems: z.array(EmailProblemSchema).optional().openapi({
      description:
        "Mail to approvers that did not get through, as SES reported it, oldest first (at most 100); absent when none.",
    }),
    version: z.number().int().min(0).openapi({
      description:
        "Counts the changes to the decisions, the approvers and the status; each decision is written only if the version it was evaluated on is still current.",
    }),
  })
  // Scheduling fields (reminders, escalation, heartbeats, dueAt) pass through undocumented.
  .catchall(z.unknown())
  .openapi("Approval");

export const DecisionCreatedSchema = z
  .object({ decision: DecisionSchema, approval: ApprovalSchema })
  .openapi("DecisionCreated");

export const AuditEventSchema = z
  .object({
    approvalId: z.string(),
    seq: z.number().int(),
    type: z.string(),
    at: z.string(),
    actor: z.string().optional(),
    data: z.record(z.string(), z.unknown()).optional(),
    prevHash: z.string(),
    hash: z.string(),
  })
  .catchall(z.unknown())
  .openapi("AuditEvent");

export const EventsSchema = z
  .object({
    events: z.array(AuditEventSchema),
    verification: z.union([
      z.object({ ok: z.literal(true), count: z.number().int() }),
      z.object({ ok: z.literal(false), brokenAt: z.number().int() }),
    ]),
  })
  .openapi("AuditTrail");

export const ApprovalListSchema = z
  .object({
    approvals: z.array(ApprovalSchema),
    nextCursor: z.string().optional(),
  })
  .openapi("ApprovalList");

export const ResendSchema = z
  .object({
    resent: z.array(z.string()),
    failed: z.array(z.string()),
  })
  .openapi("Resend");

export const WebhookDeliverySchema = z
  .object({
    webhookId: z.string().openapi({ example: "msg_abcdefghijklmnopqrstuvwxyz_3" }),
    type: z.enum([
      "approval.requested",
      "approval.decided",
      "approval.settled",
      "approval.cancelled",
    ]),
    state: z.enum(["PENDING", "DELIVERED", "GAVE_UP"]),
    attempts: z.number().int().openapi({ description: "Attempts in the current round." }),
    replays: z.number().int().openapi({ description: "Times it was put back after giving up." }),
    urls: z.array(
      z.object({
        url: z.string().openapi({
          description: "The receiver, its query string (which may carry a secret) shown as `?…`.",
        }),
        delivered: z.boolean(),
      }),
    ),
    nextAttemptAt: z.string().optional().openapi({ description: "While PENDING." }),
    lastError: z.string().optional(),
    createdAt: z.string(),
  })
  .openapi("WebhookDelivery");

export const WebhooksSchema = z
  .object({ webhooks: z.array(WebhookDeliverySchema) })
  .openapi("Webhooks");

export const WebhookReplaySchema = z
  .object({
    requeued: z.array(z.string()).openapi({
      description: "The `webhookId`s put back for a fresh round of attempts.",
    }),
  })
  .openapi("WebhookReplay");

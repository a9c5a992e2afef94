/**
 * The request contract (DESIGN.md, "Request contract"): the Payload a state machine's
 * waitForTaskToken Task sends to request-approval. Known fields are validated; every
 * other field is context, kept and shown to the approver.
 */
import { MAX_REMINDER_POINTS, MAX_TAGS, TAG_PATTERN } from "@signoff/core";
import { z } from "zod";

/** Step Functions task tokens are at most 2,048 characters. */
export const TOKEN_MAX_LENGTH = 2048;
/** Keeps a stored approval far below DynamoDB's 400 KB item limit. */
export const MAX_SHOWN_BYTES = 64 * 1024;
/** Deeper objects than this are refused rather than rendered. */
export const MAX_DEPTH = 16;
/** One year: a deadline past that is a mistake, not a plan. */
export const MAX_TIMEOUT_SECONDS = 365 * 24 * 60 * 60;

const email = z.email({ error: "must be an email address" }).max(254).toLowerCase();

const token = z
  .string({ error: "must be a string" })
  .min(1, { error: "must not be empty" })
  .max(TOKEN_MAX_LENGTH, { error: `must be at most ${TOKEN_MAX_LENGTH} characters` });

const seconds = (what: string) =>
  z
    .int({ error: `must be a whole number of ${what}` })
    .min(1, { error: "must be at least 1" })
    .max(MAX_TIMEOUT_SECONDS, { error: `must be at most ${MAX_TIMEOUT_SECONDS} (one year)` });

/**
 * `{ "everySeconds": N }` or `{ "at": [0.5, 0.9] }` (fractions of the timeout); `{ "at": [] }`
 * asks for none, overriding a deployment default. Shared with config.ts, which reads the default.
 */
export const RemindersField = z
  .strictObject(
    {
      everySeconds: seconds("seconds").optional(),
      at: z
        .array(
          z
            .number({ error: "must be a number" })
            .gt(0, { error: "must be a fraction of the timeout, above 0" })
            .lt(1, { error: "must be a fraction of the timeout, below 1" }),
          { error: "must be a list of fractions of the timeout" },
        )
        .max(MAX_REMINDER_POINTS, { error: `must list at most ${MAX_REMINDER_POINTS} points` })
        .optional(),
    },
    { error: 'must be {"everySeconds": N} or {"at": [fractions of the timeout]}' },
  )
  .refine((plan) => (plan.everySeconds === undefined) !== (plan.at === undefined), {
    error: 'must give exactly one of "everySeconds" or "at"',
  })
  .transform((plan) =>
    plan.everySeconds === undefined ? { at: plan.at ?? [] } : { everySeconds: plan.everySeconds },
  );

/** The fields signoff understands; the token is accepted under three names. */
export const RequestFields = z.strictObject({
  taskToken: token.optional(),
  token: token.optional(),
  TaskToken: token.optional(),
  approvers: z
    .array(email, { error: "must be a list of email addresses" })
    .min(1, { error: "must name at least one approver" })
    .max(50, { error: "must name at most 50 approvers" })
    .optional(),
  subject: z.string({ error: "must be text" }).trim().min(1).max(200).optional(),
  details: z
    .union([z.string().max(MAX_SHOWN_BYTES), z.record(z.string(), z.unknown())], {
      error: "must be text or an object",
    })
    .optional(),
  requestedBy: z.string({ error: "must be text" }).trim().min(1).max(254).optional(),
  policy: z
    .strictObject({
      required: z
        .int({ error: "must be a whole number" })
        .min(1, { error: "must be at least 1" })
        .optional(),
    })
    .optional(),
  timeoutSeconds: z
    .int({ error: "must be a whole number of seconds" })
    .min(1, { error: "must be at least 1" })
    .max(MAX_TIMEOUT_SECONDS, { error: `must be at most ${MAX_TIMEOUT_SECONDS} (one year)` })
    .optional(),
  onTimeout: z
    .enum(["fail", "reject", "approve"], { error: 'must be "fail", "reject" or "approve"' })
    .optional(),
  rejectAs: z.enum(["failure", "output"], { error: 'must be "failure" or "output"' }).optional(),
  executionArn: z.string().startsWith("arn:", { error: "must be an ARN" }).max(2048).optional(),
  reminders: RemindersField.optional(),
  heartbeatSeconds: seconds("seconds").optional(),
  tags: z
    .array(
      z.string({ error: "must be text" }).regex(TAG_PATTERN, {
        error:
          "must be 1 to 64 letters, digits or ._:/=+- characters, starting with one of the first two",
      }),
      { error: "must be a list of tags" },
    )
    .max(MAX_TAGS, { error: `must list at most ${MAX_TAGS} tags` })
    .optional(),
  escalation: z
    .strictObject(
      {
        afterSeconds: seconds("seconds"),
        to: z
          .array(email, { error: "must be a list of email addresses" })
          .min(1, { error: "must name at least one approver" })
          .max(50, { error: "must name at most 50 approvers" }),
      },
      { error: 'must be {"afterSeconds": N, "to": [emails]}' },
    )
    .optional(),
});

export type RequestFields = z.infer<typeof RequestFields>;

/** The names of the fields above: everything else in a payload is context. */
export const KNOWN_FIELDS: ReadonlySet<string> = new Set(Object.keys(RequestFields.shape));

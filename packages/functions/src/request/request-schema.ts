/**
 * The request contract (DESIGN.md, "Request contract"): the Payload a state machine's
 * waitForTaskToken Task sends to request-approval. Known fields are validated; every
 * other field is context, kept and shown to the approver.
 */
import {
  MAX_REMINDER_POINTS,
  MAX_REQUEST_WEBHOOK_URLS,
  MAX_TAGS,
  MAX_WEBHOOK_URL_LENGTH,
  TAG_PATTERN,
} from "@signoff/core";
import { en } from "zod/locales";
import * as z from "zod/mini";

// zod/mini (the same checks and messages as zod, tree-shakable, a fraction of the bundle) ships
// no messages of its own: zod's English ones, for the checks below that do not bring their own.
z.config(en());

/** Step Functions task tokens are at most 2,048 characters. */
export const TOKEN_MAX_LENGTH = 2048;
/** Keeps a stored approval far below DynamoDB's 400 KB item limit. */
export const MAX_SHOWN_BYTES = 64 * 1024;
/** Deeper objects than this are refused rather than rendered. */
export const MAX_DEPTH = 16;
/** One year: a deadline past that is a mistake, not a plan. */
export const MAX_TIMEOUT_SECONDS = 365 * 24 * 60 * 60;

const email = z
  .email({ error: "must be an email address" })
  .check(z.maxLength(254), z.toLowerCase());

const token = z
  .string({ error: "must be a string" })
  .check(
    z.minLength(1, { error: "must not be empty" }),
    z.maxLength(TOKEN_MAX_LENGTH, { error: `must be at most ${TOKEN_MAX_LENGTH} characters` }),
  );

const seconds = (what: string) =>
  z.int({ error: `must be a whole number of ${what}` }).check(
    z.minimum(1, { error: "must be at least 1" }),
    z.maximum(MAX_TIMEOUT_SECONDS, {
      error: `must be at most ${MAX_TIMEOUT_SECONDS} (one year)`,
    }),
  );

const approverList = z
  .array(email, { error: "must be a list of email addresses" })
  .check(
    z.minLength(1, { error: "must name at least one approver" }),
    z.maxLength(50, { error: "must name at most 50 approvers" }),
  );

/**
 * `{ "everySeconds": N }` or `{ "at": [0.5, 0.9] }` (fractions of the timeout); `{ "at": [] }`
 * asks for none, overriding a deployment default. Shared with config.ts, which reads the default.
 */
export const RemindersField = z.pipe(
  z
    .strictObject(
      {
        everySeconds: z.optional(seconds("seconds")),
        at: z.optional(
          z
            .array(
              z
                .number({ error: "must be a number" })
                .check(
                  z.gt(0, { error: "must be a fraction of the timeout, above 0" }),
                  z.lt(1, { error: "must be a fraction of the timeout, below 1" }),
                ),
              { error: "must be a list of fractions of the timeout" },
            )
            .check(
              z.maxLength(MAX_REMINDER_POINTS, {
                error: `must list at most ${MAX_REMINDER_POINTS} points`,
              }),
            ),
        ),
      },
      { error: 'must be {"everySeconds": N} or {"at": [fractions of the timeout]}' },
    )
    .check(
      z.refine((plan) => (plan.everySeconds === undefined) !== (plan.at === undefined), {
        error: 'must give exactly one of "everySeconds" or "at"',
      }),
    ),
  z.transform((plan) =>
    plan.everySeconds === undefined ? { at: plan.at ?? [] } : { everySeconds: plan.everySeconds },
  ),
);

/**
 * `{ "channel": "C0123ABC", "directMessages": true }`: where to post the request in Slack, beside
 * the emails. A channel id (or a `#name` the bot can post to) and/or a direct message to each
 * approver Slack finds by email; at least one of the two.
 */
export const SlackField = z
  .strictObject(
    {
      channel: z.optional(
        z.string({ error: "must be a Slack channel id such as C0123ABC" }).check(
          z.trim(),
          z.regex(/^(#[a-z0-9][a-z0-9._-]{0,79}|[CDG][A-Z0-9]{2,30})$/, {
            error: "must be a Slack channel id such as C0123ABC, or #channel-name",
          }),
        ),
      ),
      directMessages: z.optional(z.boolean({ error: "must be true or false" })),
    },
    { error: 'must be {"channel": "C0123ABC"} and/or {"directMessages": true}' },
  )
  .check(
    z.refine((slack) => slack.channel !== undefined || slack.directMessages === true, {
      error: 'must name a "channel", or ask for "directMessages": true, or both',
    }),
  );

/** The fields signoff understands; the token is accepted under three names. */
export const RequestFields = z.strictObject({
  taskToken: z.optional(token),
  token: z.optional(token),
  TaskToken: z.optional(token),
  approvers: z.optional(approverList),
  subject: z.optional(
    z.string({ error: "must be text" }).check(z.trim(), z.minLength(1), z.maxLength(200)),
  ),
  details: z.optional(
    z.union([z.string().check(z.maxLength(MAX_SHOWN_BYTES)), z.record(z.string(), z.unknown())], {
      error: "must be text or an object",
    }),
  ),
  requestedBy: z.optional(
    z.string({ error: "must be text" }).check(z.trim(), z.minLength(1), z.maxLength(254)),
  ),
  policy: z.optional(
    z.strictObject({
      required: z.optional(
        z
          .int({ error: "must be a whole number" })
          .check(z.minimum(1, { error: "must be at least 1" })),
      ),
    }),
  ),
  timeoutSeconds: z.optional(seconds("seconds")),
  onTimeout: z.optional(
    z.enum(["fail", "reject", "approve"], { error: 'must be "fail", "reject" or "approve"' }),
  ),
  rejectAs: z.optional(z.enum(["failure", "output"], { error: 'must be "failure" or "output"' })),
  executionArn: z.optional(
    z.string().check(z.startsWith("arn:", { error: "must be an ARN" }), z.maxLength(2048)),
  ),
  reminders: z.optional(RemindersField),
  heartbeatSeconds: z.optional(seconds("seconds")),
  tags: z.optional(
    z
      .array(
        z.string({ error: "must be text" }).check(
          z.regex(TAG_PATTERN, {
            error:
              "must be 1 to 64 letters, digits or ._:/=+- characters, starting with one of the first two",
          }),
        ),
        { error: "must be a list of tags" },
      )
      .check(z.maxLength(MAX_TAGS, { error: `must list at most ${MAX_TAGS} tags` })),
  ),
  slack: z.optional(SlackField),
  // Checked further (https, no internal addresses, how many) by core's resolveWebhookUrls.
  webhooks: z.optional(
    z
      .array(
        z
          .string({ error: "must be a URL" })
          .check(z.maxLength(MAX_WEBHOOK_URL_LENGTH, { error: "must be a shorter URL" })),
        { error: "must be a list of URLs" },
      )
      .check(
        z.maxLength(MAX_REQUEST_WEBHOOK_URLS, {
          error: `must list at most ${MAX_REQUEST_WEBHOOK_URLS} URLs`,
        }),
      ),
  ),
  escalation: z.optional(
    z.strictObject(
      {
        afterSeconds: seconds("seconds"),
        to: approverList,
      },
      { error: 'must be {"afterSeconds": N, "to": [emails]}' },
    ),
  ),
  // Fields for approvers to fill in: checked by core's `parseForm` (parse-request.ts), the one
  // parser every channel's form is built from.
  form: z.optional(z.unknown()),
});

export type RequestFields = z.infer<typeof RequestFields>;

/** The names of the fields above: everything else in a payload is context. */
export const KNOWN_FIELDS: ReadonlySet<string> = new Set(Object.keys(RequestFields.shape));

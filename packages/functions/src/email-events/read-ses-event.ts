/**
 * SES's events for a configuration set's EventBridge destination, as the ses-events function
 * reads them: source `aws.ses`, the detail-type naming the event, and in `detail` the same record
 * SES publishes to its other destinations (`eventType`, `mail`, and `bounce`, `complaint`,
 * `reject` or `deliveryDelay`). Only what the approval needs is read; the message, its headers
 * and the diagnostic text are not.
 */
import { type EmailProblemKind, type EmailProblemReport, isApprovalId } from "@signoff/core";
import type { EventBridgeEvent } from "aws-lambda";
import { APPROVAL_TAG, EMAIL_KIND_TAG } from "../adapters/ses-tags.ts";

/** The detail-type of each SES event that is an email problem. */
export const SesProblemEvent = {
  bounce: "Email Bounced",
  complaint: "Email Complaint Received",
  reject: "Email Rejected",
  delay: "Email Delivery Delayed",
} as const satisfies Record<EmailProblemKind, string>;

export type SesProblemDetailType = (typeof SesProblemEvent)[EmailProblemKind];

interface Recipient {
  emailAddress?: string;
}

/** The fields of `detail` read here (SES sends more). */
export interface SesEventDetail {
  eventType?: string;
  mail?: {
    timestamp?: string;
    messageId?: string;
    /** Whom the email was sent to: signoff sends each approver their own. */
    destination?: string[];
    /** SES's own tags (`ses:configuration-set`, ...) and the ones the sender set. */
    tags?: Record<string, string[]>;
  };
  bounce?: {
    bounceType?: string;
    bounceSubType?: string;
    bouncedRecipients?: Recipient[];
    timestamp?: string;
  };
  complaint?: {
    complainedRecipients?: Recipient[];
    complaintFeedbackType?: string;
    timestamp?: string;
  };
  reject?: { reason?: string };
  deliveryDelay?: {
    delayType?: string;
    delayedRecipients?: Recipient[];
    timestamp?: string;
  };
}

export type SesEmailEvent = EventBridgeEvent<SesProblemDetailType, SesEventDetail>;

export type SesEventReading =
  | { ok: true; report: EmailProblemReport }
  | {
      ok: false;
      /**
       * `not-a-problem`: another detail-type; `not-ours`: mail without a signoff approval tag
       * (another sender using the set); `malformed`: no event id, recipient or time.
       */
      reason: "not-a-problem" | "not-ours" | "malformed";
    };

const KIND_OF: ReadonlyMap<string, EmailProblemKind> = new Map(
  Object.entries(SesProblemEvent).map(([kind, detailType]) => [
    detailType,
    kind as EmailProblemKind,
  ]),
);

/** What `event` reports about which approval's mail, or why it reports nothing for one. */
export function readSesEvent(event: SesEmailEvent): SesEventReading {
  const kind = KIND_OF.get(event?.["detail-type"]);
  if (kind === undefined || event.source !== "aws.ses")
    return { ok: false, reason: "not-a-problem" };
  const detail: SesEventDetail = event.detail ?? {};
  const approvalId = firstTag(detail, APPROVAL_TAG);
  if (approvalId === undefined || !isApprovalId(approvalId))
    return { ok: false, reason: "not-ours" };
  const eventId = shortText(event.id, 128);
  const recipients = recipientsOf(kind, detail);
  const at = timestampOf(kind, detail) ?? timestamp(event.time);
  if (eventId === undefined || recipients.length === 0 || at === undefined) {
    return { ok: false, reason: "malformed" };
  }

  // Fields SES did not send, or that are not this kind's, stay undefined (and are not stored).
  const report: EmailProblemReport = {
    approvalId,
    eventId,
    kind,
    recipients,
    at,
    email: shortText(firstTag(detail, EMAIL_KIND_TAG)),
  };
  if (kind === "bounce") {
    report.bounceType = shortText(detail.bounce?.bounceType);
    report.bounceSubType = shortText(detail.bounce?.bounceSubType);
  }
  if (kind === "complaint")
    report.complaintType = shortText(detail.complaint?.complaintFeedbackType);
  if (kind === "delay") report.delayType = shortText(detail.deliveryDelay?.delayType);
  return { ok: true, report };
}

/**
 * Whom the problem is about. signoff sends each approver their own email, so the destination is
 * the approver, also when a bounce names the address the mail was forwarded to; the recipients
 * the event lists stand in only when it has no destination.
 */
function recipientsOf(kind: EmailProblemKind, detail: SesEventDetail): string[] {
  const listed = {
    bounce: detail.bounce?.bouncedRecipients,
    complaint: detail.complaint?.complainedRecipients,
    delay: detail.deliveryDelay?.delayedRecipients,
    reject: undefined,
  }[kind];
  const destination = (detail.mail?.destination ?? []).map((to) => shortText(to, 320));
  const fallback = (listed ?? []).map((recipient) => shortText(recipient?.emailAddress, 320));
  const chosen = destination.some(Boolean) ? destination : fallback;
  return chosen.filter((email): email is string => email?.includes("@") === true);
}

function timestampOf(kind: EmailProblemKind, detail: SesEventDetail): string | undefined {
  switch (kind) {
    case "bounce":
      return timestamp(detail.bounce?.timestamp);
    case "complaint":
      return timestamp(detail.complaint?.timestamp);
    case "delay":
      return timestamp(detail.deliveryDelay?.timestamp);
    case "reject":
      return timestamp(detail.mail?.timestamp);
  }
}

function firstTag(detail: SesEventDetail, name: string): string | undefined {
  const values = detail.mail?.tags?.[name];
  return Array.isArray(values) && typeof values[0] === "string" ? values[0] : undefined;
}

/** An ISO-8601 instant as SES writes it, normalized; undefined when it is not one. */
function timestamp(value: unknown): string | undefined {
  if (typeof value !== "string") return undefined;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : new Date(ms).toISOString();
}

/** A short single-line value as SES sends them (types, ids, addresses); otherwise undefined. */
function shortText(value: unknown, max = 64): string | undefined {
  if (typeof value !== "string") return undefined;
  const text = value.trim();
  return text.length > 0 && text.length <= max && /^[\x21-\x7e]+$/.test(text) ? text : undefined;
}

/**
 * The events SES publishes to EventBridge for a configuration set's EventBridge destination, as
 * AWS documents them: the EventBridge envelope (detail-type "Email Bounced", "Email Complaint
 * Received", "Email Rejected", "Email Delivery Delayed"; source "aws.ses") around the same record
 * SES publishes to its other destinations, with the original mail's headers and its tags.
 */
import { randomUUID } from "node:crypto";
import { type SesEmailEvent, SesProblemEvent } from "../email-events/read-ses-event.ts";

export const TEST_CONFIGURATION_SET = "signoff-test";
const ACCOUNT = "123456789012";
const SENDER = "signoff@example.com";

export type SesProblemKind = keyof typeof SesProblemEvent;

export interface SesEventFields {
  /** The approval the mail was about (its `signoff-approval` tag); omit for other mail. */
  approvalId?: string;
  /** The one recipient signoff sent the mail to. */
  to: string;
  /** The `signoff-email` tag. Default "request". */
  email?: string;
  subject?: string;
  /** The EventBridge event id. Default: a new one. */
  id?: string;
  /** When it happened. Default: 2026-03-01T12:05:00Z. */
  at?: string;
}

/** The event SES sends to EventBridge when mail to `fields.to` had problem `kind`. */
export function sesEvent(kind: SesProblemKind, fields: SesEventFields): SesEmailEvent {
  const at = fields.at ?? "2026-03-01T12:05:00.000Z";
  const sent = new Date(Date.parse(at) - 60_000).toISOString();
  const messageId = `0100018e${randomUUID().replaceAll("-", "")}-000000`;
  const subject = fields.subject ?? "Approval requested: Deploy checkout-service";
  const mail = {
    timestamp: sent,
    source: SENDER,
    sourceArn: `arn:aws:ses:us-east-1:${ACCOUNT}:identity/${SENDER}`,
    sendingAccountId: ACCOUNT,
    messageId,
    destination: [fields.to],
    headersTruncated: false,
    headers: [
      { name: "From", value: SENDER },
      { name: "To", value: fields.to },
      { name: "Subject", value: subject },
      { name: "MIME-Version", value: "1.0" },
      { name: "Content-Type", value: 'multipart/alternative; boundary="----=_Part_1_1.1"' },
    ],
    commonHeaders: { from: [SENDER], to: [fields.to], messageId, subject },
    tags: {
      "ses:configuration-set": [TEST_CONFIGURATION_SET],
      "ses:source-ip": ["192.0.2.0"],
      "ses:from-domain": ["example.com"],
      "ses:caller-identity": ["signoff-request-approval"],
      ...(fields.approvalId && {
        "signoff-approval": [fields.approvalId],
        "signoff-email": [fields.email ?? "request"],
      }),
    },
  };
  const detail = {
    bounce: {
      eventType: "Bounce",
      bounce: {
        bounceType: "Permanent",
        bounceSubType: "General",
        bouncedRecipients: [
          {
            emailAddress: fields.to,
            action: "failed",
            status: "5.1.1",
            diagnosticCode: "smtp; 550 5.1.1 user unknown",
          },
        ],
        timestamp: at,
        feedbackId: `0100018e${randomUUID()}-000000`,
        reportingMTA: "dsn; mta.example.com",
      },
      mail,
    },
    complaint: {
      eventType: "Complaint",
      complaint: {
        complainedRecipients: [{ emailAddress: fields.to }],
        timestamp: at,
        feedbackId: `0100018e${randomUUID()}-000000`,
        userAgent: "Mozilla/5.0 (Windows NT 10.0; Win64; x64)",
        complaintFeedbackType: "abuse",
        arrivalDate: at,
      },
      mail,
    },
    reject: { eventType: "Reject", mail, reject: { reason: "Bad content" } },
    delay: {
      eventType: "DeliveryDelay",
      mail,
      deliveryDelay: {
        timestamp: at,
        delayType: "MailboxFull",
        expirationTime: new Date(Date.parse(at) + 86_400_000).toISOString(),
        delayedRecipients: [
          {
            emailAddress: fields.to,
            status: "4.2.2",
            diagnosticCode:
              "smtp; 452 4.2.2 The email account that you tried to reach is over quota",
          },
        ],
      },
    },
  }[kind];
  return {
    version: "0",
    id: fields.id ?? randomUUID(),
    "detail-type": SesProblemEvent[kind],
    source: "aws.ses",
    account: ACCOUNT,
    time: at.replace(/\.\d{3}Z$/, "Z"),
    region: "us-east-1",
    resources: [],
    detail,
  };
}

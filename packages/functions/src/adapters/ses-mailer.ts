/**
 * The Mailer port over SES v2: one SendEmail per approver, simple content with HTML and text.
 * Sent through a configuration set, each email is tagged with its approval and kind, so that the
 * set's bounce and complaint events name the approval they are about (handlers/ses-events.ts).
 */
import { type SESv2Client, SendEmailCommand } from "@aws-sdk/client-sesv2";
import type { ApprovalEmail, Mailer } from "@signoff/core";
import { renderApprovalEmail } from "../email/render-approval-email.ts";
import { awsErrorName, isRetryableAwsError } from "./aws-error.ts";
import { EmailSendError } from "./errors.ts";
import { APPROVAL_TAG, EMAIL_KIND_TAG } from "./ses-tags.ts";

export interface SesMailerOptions {
  client: SESv2Client;
  /** The verified sender, e.g. `signoff@example.com`. */
  from: string;
  /** Where replies go, when not to the sender. */
  replyTo?: string[];
  /** An SES configuration set for event publishing (bounces, complaints). */
  configurationSetName?: string;
}

// What SES allows in a tag value; approval ids (a-z, 2-7) and the email kinds fit.
const TAG_VALUE = /^[A-Za-z0-9_.@-]{1,256}$/;

/** The email's tags; throws on a value SES would refuse, which only a bug could produce. */
function tagsOf(email: ApprovalEmail): { Name: string; Value: string }[] {
  const tags = [
    { Name: APPROVAL_TAG, Value: email.approval.id },
    { Name: EMAIL_KIND_TAG, Value: email.kind },
  ];
  for (const tag of tags) {
    if (!TAG_VALUE.test(tag.Value)) throw new Error(`${tag.Name} is not a valid SES tag value`);
  }
  return tags;
}

/** Creates the SES v2-backed Mailer. Failures throw EmailSendError, marked retryable or not. */
export function createSesMailer(options: SesMailerOptions): Mailer {
  const { client, from, replyTo, configurationSetName } = options;
  return {
    async sendApprovalEmail(email: ApprovalEmail) {
      const rendered = renderApprovalEmail(email);
      const charset = "UTF-8";
      const publishing = configurationSetName && {
        ConfigurationSetName: configurationSetName,
        EmailTags: tagsOf(email),
      };
      try {
        await client.send(
          new SendEmailCommand({
            FromEmailAddress: from,
            Destination: { ToAddresses: [email.to] },
            ...(replyTo?.length ? { ReplyToAddresses: replyTo } : {}),
            ...publishing,
            Content: {
              Simple: {
                Subject: { Data: rendered.subject, Charset: charset },
                Body: {
                  Html: { Data: rendered.html, Charset: charset },
                  Text: { Data: rendered.text, Charset: charset },
                },
              },
            },
          }),
        );
      } catch (error) {
        throw new EmailSendError(awsErrorName(error), isRetryableAwsError(error), { cause: error });
      }
    },
  };
}

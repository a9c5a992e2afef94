/**
 * The Mailer port over SES v2: one SendEmail per approver, simple content with HTML and text.
 */
import { type SESv2Client, SendEmailCommand } from "@aws-sdk/client-sesv2";
import type { ApprovalEmail, Mailer } from "@signoff/core";
import { renderApprovalEmail } from "../email/render-approval-email.ts";
import { awsErrorName, isRetryableAwsError } from "./aws-error.ts";
import { EmailSendError } from "./errors.ts";

export interface SesMailerOptions {
  client: SESv2Client;
  /** The verified sender, e.g. `signoff@example.com`. */
  from: string;
  /** Where replies go, when not to the sender. */
  replyTo?: string[];
  /** An SES configuration set for event publishing (bounces, complaints). */
  configurationSetName?: string;
}

/** Creates the SES v2-backed Mailer. Failures throw EmailSendError, marked retryable or not. */
export function createSesMailer(options: SesMailerOptions): Mailer {
  const { client, from, replyTo, configurationSetName } = options;
  return {
    async sendApprovalEmail(email: ApprovalEmail) {
      const rendered = renderApprovalEmail(email);
      const charset = "UTF-8";
      try {
        await client.send(
          new SendEmailCommand({
            FromEmailAddress: from,
            Destination: { ToAddresses: [email.to] },
            ...(replyTo?.length ? { ReplyToAddresses: replyTo } : {}),
            ...(configurationSetName ? { ConfigurationSetName: configurationSetName } : {}),
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

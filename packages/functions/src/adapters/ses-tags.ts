/**
 * The tags signoff puts on every email it sends through an SES configuration set. SES repeats
 * them in each event it publishes about the email (`mail.tags`), which is how ses-events knows
 * which approval a bounce or complaint is about. Shared by the mailer and the event reader.
 */

/** The tag naming the approval an email is about. */
export const APPROVAL_TAG = "signoff-approval";
/** The tag naming which email it is: request, reminder, escalation or cancelled. */
export const EMAIL_KIND_TAG = "signoff-email";

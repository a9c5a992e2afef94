/**
 * Names for the API's shapes, taken from the generated schema so they follow the server.
 */
import type { components, paths } from "./schema.ts";

type Schemas = components["schemas"];

/** An approval as the API shows it (never its task token). */
export type Approval = Schemas["Approval"];
export type ApprovalStatus = Approval["status"];
/** Mail to an approver that SES reported did not get through (`Approval.emailProblems`). */
export type EmailProblem = Schemas["EmailProblem"];
/** One approver's recorded decision. */
export type Decision = Schemas["Decision"];
/** A field of an approval's response form (`Approval.form`). */
export type FormField = Schemas["FormField"];
/** Answers to a form's fields by name (`DecisionRequest.response`, `Decision.response`). */
export type FormResponse = Schemas["FormResponse"];
/** What `decide` sends: approve or reject, with an optional comment and form response. */
export type DecisionRequest = Schemas["DecisionRequest"];
/** What `decide` answers: the recorded decision and the approval after it. */
export type DecisionCreated = Schemas["DecisionCreated"];
/** The hash-chained audit trail and whether it verifies. */
export type AuditTrail = Schemas["AuditTrail"];
export type AuditEvent = Schemas["AuditEvent"];
/** A page of `listApprovals`: `nextCursor` is present when more may follow. */
export type ApprovalList = Schemas["ApprovalList"];
/** The filters of `listApprovals`; `approver` is `me` or an email. */
export type ListApprovalsQuery = NonNullable<paths["/v1/approvals"]["get"]["parameters"]["query"]>;
/** What `resend` answers: who was emailed again, and whose email SES refused. */
export type Resend = Schemas["Resend"];
/** One webhook message of an approval and how its delivery went (`webhooks`, admins). */
export type WebhookDelivery = Schemas["WebhookDelivery"];
export type Webhooks = Schemas["Webhooks"];
/** What `replayWebhooks` answers: the given-up messages put back for another round. */
export type WebhookReplay = Schemas["WebhookReplay"];
/** An RFC 9457 problem, as every `/v1` error is. */
export type Problem = Schemas["Problem"];

export type { components, paths };

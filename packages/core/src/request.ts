/**
 * A new approval from a normalized request. The functions package parses the raw Task payload
 * (zod) into `NewApprovalInput`; this file enforces the rules that need the whole request at
 * once (the quorum against the approver list) and builds the stored approval.
 */
import type { Approval, OnTimeout, RejectAs } from "./approval.ts";
import { deriveApprovalId } from "./approval-id.ts";

/** At most this many approvers, so emails, the stored item and callback payloads stay small. */
export const MAX_APPROVERS = 50;

/** The request contract after parsing: what a new approval is made from. */
export interface NewApprovalInput {
  taskToken: string;
  /** Emails; normalized (trimmed, lower-cased, de-duplicated) here. */
  approvers: string[];
  subject: string;
  details?: unknown;
  requestedBy?: string;
  policy?: { required?: number };
  timeoutSeconds: number;
  onTimeout?: OnTimeout;
  rejectAs?: RejectAs;
  executionArn?: string;
  /** Every other payload field, kept to show the approver. */
  context: Record<string, unknown>;
}

export interface BuildApprovalOptions {
  now: Date;
  /** The task token already encrypted by the token cipher. */
  tokenCiphertext: string;
}

/** Why a request cannot become an approval; `field` is the payload path at fault. */
export interface InvalidRequest {
  ok: false;
  reason: "invalid-request";
  field: string;
  message: string;
}

export type BuildApprovalResult = { ok: true; approval: Approval } | InvalidRequest;

/** Trims and lower-cases an email so the same person always compares equal. */
export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}

/**
 * Builds the PENDING approval for a request, or says which field makes it impossible.
 * The quorum must be reachable from the start: the requester cannot count toward it.
 */
export function buildApproval(
  input: NewApprovalInput,
  options: BuildApprovalOptions,
): BuildApprovalResult {
  const approvers = [...new Set(input.approvers.map(normalizeEmail))];
  const requestedBy =
    input.requestedBy === undefined ? undefined : normalizeEmail(input.requestedBy);
  const required = input.policy?.required ?? 1;

  if (input.taskToken.length === 0) return invalid("taskToken", "taskToken must not be empty");
  if (approvers.length === 0) return invalid("approvers", "approvers must name at least one email");
  if (approvers.some((email) => email.length === 0)) {
    return invalid("approvers", "approvers must not contain empty emails");
  }
  if (approvers.length > MAX_APPROVERS) {
    return invalid("approvers", `approvers must name at most ${MAX_APPROVERS} emails`);
  }
  if (input.subject.trim().length === 0) return invalid("subject", "subject must not be empty");
  if (!Number.isInteger(input.timeoutSeconds) || input.timeoutSeconds <= 0) {
    return invalid("timeoutSeconds", "timeoutSeconds must be a positive whole number");
  }
  if (!Number.isInteger(required) || required < 1 || required > approvers.length) {
    return invalid(
      "policy.required",
      `policy.required must be a whole number from 1 to ${approvers.length} (the number of approvers)`,
    );
  }
  const eligible = approvers.filter((email) => email !== requestedBy).length;
  if (eligible === 0) {
    return invalid("approvers", "approvers must include someone other than requestedBy");
  }
  if (required > eligible) {
    return invalid(
      "policy.required",
      `policy.required must be at most ${eligible}: requestedBy may not approve their own request`,
    );
  }

  const deadline = new Date(options.now.getTime() + input.timeoutSeconds * 1000);
  if (Number.isNaN(deadline.getTime())) {
    return invalid("timeoutSeconds", "timeoutSeconds puts the deadline out of range");
  }

  const approval: Approval = {
    id: deriveApprovalId(input.taskToken),
    status: "PENDING",
    callback: "NONE",
    tokenCiphertext: options.tokenCiphertext,
    approvers,
    subject: input.subject,
    context: input.context,
    policy: { required },
    onTimeout: input.onTimeout ?? "fail",
    rejectAs: input.rejectAs ?? "failure",
    createdAt: options.now.toISOString(),
    deadline: deadline.toISOString(),
    decisions: {},
    callbackAttempts: 0,
    dueAt: deadline.getTime(),
  };
  // Optional fields are only set when present: DynamoDB and equality checks treat a key holding
  // `undefined` differently from a missing key.
  if (requestedBy !== undefined) approval.requestedBy = requestedBy;
  if (input.details !== undefined) approval.details = input.details;
  if (input.executionArn !== undefined) approval.executionArn = input.executionArn;
  return { ok: true, approval };
}

function invalid(field: string, message: string): InvalidRequest {
  return { ok: false, reason: "invalid-request", field, message };
}

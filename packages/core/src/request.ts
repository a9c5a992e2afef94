/**
 * A new approval from a normalized request. The functions package parses the raw Task payload
 * (zod) into `NewApprovalInput`; this file enforces the rules that need the whole request at
 * once (the quorum against the approver list) and builds the stored approval.
 */
import type { Approval, EscalationPlan, OnTimeout, RejectAs, ReminderPlan } from "./approval.ts";
import { deriveApprovalId } from "./approval-id.ts";
import { computeDueAt, MAX_REMINDER_POINTS } from "./schedule.ts";

/** At most this many approvers, so emails, the stored item and callback payloads stay small. */
export const MAX_APPROVERS = 50;

/** At most this many tags per request: each is a listing entry written with the approval. */
export const MAX_TAGS = 10;

/**
 * What a tag may be: letters, digits and `._:/=+-`, up to 64 characters, starting with a letter or
 * digit. Tags go into listing keys, so they never hold the `#` and `|` those keys are built with.
 */
export const TAG_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:/=+-]{0,63}$/;

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
  /** Reminders to approvers who have not decided; `{ at: [] }` for none. */
  reminders?: ReminderPlan;
  /** Emails in `to` are normalized (trimmed, lower-cased, de-duplicated) here. */
  escalation?: EscalationPlan;
  /** The Task's HeartbeatSeconds: signoff heartbeats the task while the approval is pending. */
  heartbeatSeconds?: number;
  /** Labels for finding the approval later (`GET /v1/approvals?tag=`); de-duplicated here. */
  tags?: string[];
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
  const reminders = normalizeReminders(input.reminders);
  if (reminders !== undefined && !reminders.ok) return reminders;
  const escalation = normalizeEscalation(input.escalation, input.timeoutSeconds, approvers);
  if (escalation !== undefined && !escalation.ok) return escalation;
  const { heartbeatSeconds } = input;
  if (
    heartbeatSeconds !== undefined &&
    (!Number.isInteger(heartbeatSeconds) || heartbeatSeconds <= 0)
  ) {
    return invalid("heartbeatSeconds", "heartbeatSeconds must be a positive whole number");
  }

  const tags = input.tags === undefined ? undefined : [...new Set(input.tags)];
  if (tags !== undefined && tags.length > MAX_TAGS) {
    return invalid("tags", `tags must list at most ${MAX_TAGS} tags`);
  }
  if (tags?.some((tag) => !TAG_PATTERN.test(tag))) {
    return invalid(
      "tags",
      "tags must be 1 to 64 letters, digits or ._:/=+- characters, starting with a letter or digit",
    );
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
  };
  // Optional fields are only set when present: DynamoDB and equality checks treat a key holding
  // `undefined` differently from a missing key.
  if (requestedBy !== undefined) approval.requestedBy = requestedBy;
  if (input.details !== undefined) approval.details = input.details;
  if (input.executionArn !== undefined) approval.executionArn = input.executionArn;
  if (reminders !== undefined) approval.reminders = reminders.plan;
  if (escalation !== undefined) approval.escalation = escalation.plan;
  if (heartbeatSeconds !== undefined) approval.heartbeatSeconds = heartbeatSeconds;
  if (tags !== undefined && tags.length > 0) approval.tags = tags;
  approval.dueAt = computeDueAt(approval);
  return { ok: true, approval };
}

type Normalized<T> = { ok: true; plan: T } | InvalidRequest;

/** Fractions sorted and de-duplicated; every value checked, since core trusts no caller. */
function normalizeReminders(plan: ReminderPlan | undefined): Normalized<ReminderPlan> | undefined {
  if (plan === undefined) return undefined;
  if ("everySeconds" in plan) {
    if (!Number.isInteger(plan.everySeconds) || plan.everySeconds <= 0) {
      return invalid(
        "reminders.everySeconds",
        "reminders.everySeconds must be a positive whole number",
      );
    }
    return { ok: true, plan: { everySeconds: plan.everySeconds } };
  }
  if (!Array.isArray(plan.at) || plan.at.length > MAX_REMINDER_POINTS) {
    return invalid(
      "reminders.at",
      `reminders.at must list at most ${MAX_REMINDER_POINTS} fractions`,
    );
  }
  if (plan.at.some((fraction) => !(Number.isFinite(fraction) && fraction > 0 && fraction < 1))) {
    return invalid(
      "reminders.at",
      "reminders.at must hold fractions of the timeout between 0 and 1",
    );
  }
  return { ok: true, plan: { at: [...new Set(plan.at)].sort((a, b) => a - b) } };
}

/** Escalation must come before the deadline, and the approvers it adds must fit the limit. */
function normalizeEscalation(
  plan: EscalationPlan | undefined,
  timeoutSeconds: number,
  approvers: readonly string[],
): Normalized<EscalationPlan> | undefined {
  if (plan === undefined) return undefined;
  const to = [...new Set(plan.to.map(normalizeEmail))];
  if (!Number.isInteger(plan.afterSeconds) || plan.afterSeconds <= 0) {
    return invalid(
      "escalation.afterSeconds",
      "escalation.afterSeconds must be a positive whole number",
    );
  }
  if (plan.afterSeconds >= timeoutSeconds) {
    return invalid(
      "escalation.afterSeconds",
      `escalation.afterSeconds must be less than timeoutSeconds (${timeoutSeconds}), or it would never happen`,
    );
  }
  if (to.length === 0 || to.some((email) => email.length === 0)) {
    return invalid("escalation.to", "escalation.to must name at least one email");
  }
  if (new Set([...approvers, ...to]).size > MAX_APPROVERS) {
    return invalid(
      "escalation.to",
      `approvers and escalation.to together must name at most ${MAX_APPROVERS} emails`,
    );
  }
  return { ok: true, plan: { afterSeconds: plan.afterSeconds, to } };
}

function invalid(field: string, message: string): InvalidRequest {
  return { ok: false, reason: "invalid-request", field, message };
}

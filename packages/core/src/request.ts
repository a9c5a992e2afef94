/**
 * A new approval from a normalized request. The functions package parses the raw Task payload
 * (zod) into `NewApprovalInput`; this file enforces the rules that need the whole request at
 * once (the quorum against the approver list) and builds the stored approval.
 */
import type {
  Approval,
  EscalationPlan,
  OnTimeout,
  RejectAs,
  ReminderPlan,
  SlackRequest,
} from "./approval.ts";
import { deriveApprovalId } from "./approval-id.ts";
import { parseForm } from "./form.ts";
import { findIdentityProblem, mailboxOf, normalizeEmail, parseMailboxAddress } from "./identity.ts";
import { computeDueAt, countReminderSteps, MAX_REMINDER_POINTS } from "./schedule.ts";
import { redactTokenDeep, redactTokenText } from "./token-redaction.ts";

/** At most this many approvers, so emails, the stored item and callback payloads stay small. */
export const MAX_APPROVERS = 50;

/** At most this many tags per request: each is a listing entry written with the approval. */
export const MAX_TAGS = 10;

/**
 * What a tag may be: letters, digits and `._:/=+-`, up to 64 characters, starting with a letter or
 * digit. Tags go into listing keys, so they never hold the `#` and `|` those keys are built with.
 */
export const TAG_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:/=+-]{0,63}$/;

/** The subject of a request that gives none. */
export const DEFAULT_SUBJECT = "Approval requested";

/** Reminders come at most this often by default (`reminders.everySeconds`): 5 minutes. */
export const DEFAULT_MIN_REMINDER_INTERVAL_SECONDS = 300;

/** A request sends each approver at most this many reminders. */
export const MAX_REMINDERS_PER_APPROVER = 20;

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
  /** Where to post the request in Slack; the deployment must have Slack configured. */
  slack?: SlackRequest;
  /** Webhook URLs of this request, beside the deployment's (checked by `resolveWebhookUrls`). */
  webhooks?: string[];
  /** Every other payload field, kept to show the approver. */
  context: Record<string, unknown>;
  /** The request's `form` declaration as sent; parsed (and checked) by `parseForm`. */
  form?: unknown;
}

export interface BuildApprovalOptions {
  now: Date;
  /** The task token already encrypted by the token cipher. */
  tokenCiphertext: string;
  /**
   * The shortest `reminders.everySeconds` accepted (default
   * `DEFAULT_MIN_REMINDER_INTERVAL_SECONDS`); local tests lower it through configuration.
   */
  minReminderIntervalSeconds?: number;
}

/** Why a request cannot become an approval; `field` is the payload path at fault. */
export interface InvalidRequest {
  ok: false;
  reason: "invalid-request";
  field: string;
  message: string;
}

export type BuildApprovalResult = { ok: true; approval: Approval } | InvalidRequest;

/**
 * Builds the PENDING approval for a request, or says which field makes it impossible.
 * The quorum must be reachable from the start: the requester cannot count toward it.
 */
export function buildApproval(
  input: NewApprovalInput,
  options: BuildApprovalOptions,
): BuildApprovalResult {
  const approvers = [...new Set(input.approvers.map(normalizeEmail))];
  const required = input.policy?.required ?? 1;

  if (input.taskToken.length === 0) return invalid("taskToken", "taskToken must not be empty");
  if (approvers.length === 0) return invalid("approvers", "approvers must name at least one email");
  if (approvers.some((email) => email.length === 0)) {
    return invalid("approvers", "approvers must not contain empty emails");
  }
  if (approvers.length > MAX_APPROVERS) {
    return invalid("approvers", `approvers must name at most ${MAX_APPROVERS} emails`);
  }
  const people = checkPeople("approvers", approvers, []);
  if (people !== undefined) return people;
  let requestedBy: string | undefined;
  if (input.requestedBy !== undefined) {
    requestedBy = parseMailboxAddress(input.requestedBy);
    if (requestedBy === undefined) {
      return invalid(
        "requestedBy",
        "requestedBy must be an email address, or a name and an address as in Alice Smith <alice@example.com>",
      );
    }
    const problem = findIdentityProblem(requestedBy);
    if (problem !== undefined) return invalid("requestedBy", `requestedBy ${problem}`);
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
  const eligible = approvers.filter(
    (email) => requestedBy === undefined || mailboxOf(email) !== mailboxOf(requestedBy),
  ).length;
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
  const reminders = normalizeReminders(input.reminders, {
    timeoutSeconds: input.timeoutSeconds,
    minIntervalSeconds: options.minReminderIntervalSeconds ?? DEFAULT_MIN_REMINDER_INTERVAL_SECONDS,
  });
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

  const slack = input.slack;
  if (slack !== undefined && slack.channel === undefined && slack.directMessages !== true) {
    return invalid(
      "slack",
      'slack must name a "channel", or ask for "directMessages": true, or both',
    );
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

  const form = parseForm(input.form);
  if (!form.ok) return invalid(form.field, `${form.field} ${form.message}`);

  const approval: Approval = {
    id: deriveApprovalId(input.taskToken),
    status: "PENDING",
    callback: "NONE",
    tokenCiphertext: options.tokenCiphertext,
    approvers,
    // A workflow may pass the token along (`"task.$": "$$.Task"`): never keep it where it is shown.
    subject: redactTokenText(input.subject, input.taskToken),
    context: redactTokenDeep(input.context, input.taskToken),
    policy: { required },
    onTimeout: input.onTimeout ?? "fail",
    rejectAs: input.rejectAs ?? "failure",
    createdAt: options.now.toISOString(),
    deadline: deadline.toISOString(),
    decisions: {},
    version: 0,
    callbackAttempts: 0,
    requestAttempts: 1,
  };
  // Optional fields are only set when present: DynamoDB and equality checks treat a key holding
  // `undefined` differently from a missing key.
  if (requestedBy !== undefined) approval.requestedBy = requestedBy;
  if (input.details !== undefined)
    approval.details = redactTokenDeep(input.details, input.taskToken);
  if (input.executionArn !== undefined) approval.executionArn = input.executionArn;
  if (reminders !== undefined) approval.reminders = reminders.plan;
  if (escalation !== undefined) approval.escalation = escalation.plan;
  if (heartbeatSeconds !== undefined) approval.heartbeatSeconds = heartbeatSeconds;
  if (tags !== undefined && tags.length > 0) approval.tags = tags;
  if (form.form.length > 0) approval.form = redactTokenDeep(form.form, input.taskToken);
  if (slack !== undefined) {
    approval.slack = {
      ...(slack.channel !== undefined && { channel: slack.channel }),
      ...(slack.directMessages === true && { directMessages: true }),
    };
  }
  approval.dueAt = computeDueAt(approval);
  return { ok: true, approval };
}

type Normalized<T> = { ok: true; plan: T } | InvalidRequest;

/**
 * Fractions sorted and de-duplicated; every value checked, since core trusts no caller. A plan
 * may not remind more often than `minIntervalSeconds` nor more than `MAX_REMINDERS_PER_APPROVER`
 * times: reminders every second for a year would mail every approver at every sweep.
 */
function normalizeReminders(
  plan: ReminderPlan | undefined,
  limits: { timeoutSeconds: number; minIntervalSeconds: number },
): Normalized<ReminderPlan> | undefined {
  if (plan === undefined) return undefined;
  if ("everySeconds" in plan) {
    if (!Number.isInteger(plan.everySeconds) || plan.everySeconds <= 0) {
      return invalid(
        "reminders.everySeconds",
        "reminders.everySeconds must be a positive whole number",
      );
    }
    if (plan.everySeconds < limits.minIntervalSeconds) {
      return invalid(
        "reminders.everySeconds",
        `reminders.everySeconds must be at least ${limits.minIntervalSeconds}`,
      );
    }
    const steps = countReminderSteps({
      createdAt: new Date(0).toISOString(),
      deadline: new Date(limits.timeoutSeconds * 1000).toISOString(),
      reminders: plan,
    });
    if (steps > MAX_REMINDERS_PER_APPROVER) {
      return invalid(
        "reminders.everySeconds",
        `reminders.everySeconds would send ${steps} reminders before the deadline; at most ${MAX_REMINDERS_PER_APPROVER} are allowed (remind every ${Math.ceil(limits.timeoutSeconds / (MAX_REMINDERS_PER_APPROVER + 1))} seconds or less often)`,
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
  const people = checkPeople("escalation.to", to, approvers);
  if (people !== undefined) return people;
  if (new Set([...approvers, ...to]).size > MAX_APPROVERS) {
    return invalid(
      "escalation.to",
      `approvers and escalation.to together must name at most ${MAX_APPROVERS} emails`,
    );
  }
  return { ok: true, plan: { afterSeconds: plan.afterSeconds, to } };
}

/**
 * Each address in `emails` must name one person unambiguously, and a different person from every
 * other one (and from those in `others`), mailbox aliases included: N-of-M needs N people.
 */
function checkPeople(
  field: string,
  emails: readonly string[],
  others: readonly string[],
): InvalidRequest | undefined {
  const seen = new Map(others.map((email) => [mailboxOf(email), email]));
  for (const [i, email] of emails.entries()) {
    const problem = findIdentityProblem(email);
    if (problem !== undefined) return invalid(`${field}[${i}]`, `${field}[${i}] ${problem}`);
    const mailbox = mailboxOf(email);
    const earlier = seen.get(mailbox);
    if (earlier !== undefined && earlier !== email) {
      return invalid(
        `${field}[${i}]`,
        `${field}[${i}] (${email}) is the same mailbox as ${earlier}: each approver must be a different person`,
      );
    }
    seen.set(mailbox, email);
  }
  return undefined;
}

function invalid(field: string, message: string): InvalidRequest {
  return { ok: false, reason: "invalid-request", field, message };
}

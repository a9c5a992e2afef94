/**
 * The approval model: what is stored, what can change, and the values its fields may take.
 * Transitions live in `transitions.ts`; this file only names things.
 */
import type { FormResponse, ResponseForm } from "./form.ts";

export const ApprovalStatus = {
  Pending: "PENDING",
  Approved: "APPROVED",
  Rejected: "REJECTED",
  Expired: "EXPIRED",
  Cancelled: "CANCELLED",
} as const;
export type ApprovalStatus = (typeof ApprovalStatus)[keyof typeof ApprovalStatus];
export type FinalStatus = Exclude<ApprovalStatus, "PENDING">;

/** Whether the Step Functions task still has to be told the outcome. */
export const CallbackState = {
  None: "NONE",
  Pending: "PENDING",
  Delivered: "DELIVERED",
  GaveUp: "GAVE_UP",
} as const;
export type CallbackState = (typeof CallbackState)[keyof typeof CallbackState];

/** What happens when the deadline passes with no final outcome. */
export const OnTimeout = { Fail: "fail", Reject: "reject", Approve: "approve" } as const;
export type OnTimeout = (typeof OnTimeout)[keyof typeof OnTimeout];

/** How a rejection reaches the state machine: as a task failure (default) or as task output. */
export const RejectAs = { Failure: "failure", Output: "output" } as const;
export type RejectAs = (typeof RejectAs)[keyof typeof RejectAs];

/**
 * How an execution ended without hearing from its approval: the statuses of an EventBridge
 * "Step Functions Execution Status Change" event that cancel the approvals it was waiting on.
 */
export const ExecutionEndStatus = {
  Aborted: "ABORTED",
  TimedOut: "TIMED_OUT",
  Failed: "FAILED",
} as const;
export type ExecutionEndStatus = (typeof ExecutionEndStatus)[keyof typeof ExecutionEndStatus];

export type DecisionKind = "approve" | "reject";

/**
 * Where a decision came from: an email link, the REST API, the inbox page, a Slack button, or the
 * deadline.
 */
export type DecisionChannel = "link" | "api" | "inbox" | "slack" | "timeout";

export interface Decision {
  /** Lower-cased email of the approver, or "signoff" for a decision made by the deadline. */
  approver: string;
  decision: DecisionKind;
  comment?: string;
  /** ISO-8601 timestamp. */
  at: string;
  channel: DecisionChannel;
  /**
   * 1, 2, 3, ...: the order in which decisions were recorded on this approval. The policy replays
   * decisions in this order. Absent only on decisions recorded before signoff numbered them.
   */
  seq?: number;
  /**
   * The API caller's `Idempotency-Key`, recorded with the decision in the same conditional write:
   * a retry carrying it is answered with this decision instead of a conflict.
   */
  idempotencyKey?: string;
  /**
   * The approver's answers to the request's form (see `form.ts`), validated and stored in the
   * same conditional write as the decision. Present exactly when the form asks fields for this
   * decision.
   */
  response?: FormResponse;
}

/**
 * When to remind approvers who have not decided: every `everySeconds` after the request, or at
 * fractions of the time between the request and the deadline (`at: [0.5, 0.9]`). Each point is
 * one reminder step; `{ "at": [] }` means none.
 */
export type ReminderPlan = { everySeconds: number } | { at: number[] };

/** After `afterSeconds` without a final outcome, `to` join the approvers (and are told why). */
export interface EscalationPlan {
  afterSeconds: number;
  /** Lower-cased, de-duplicated emails. */
  to: string[];
}

/**
 * Where a request asks to be posted in Slack (request field `slack`): a channel, and/or a direct
 * message to each approver Slack finds by email (`users.lookupByEmail`). At least one of the two.
 */
export interface SlackRequest {
  /** A channel id (`C0123ABC`) or name the bot can post to. */
  channel?: string;
  /** Also message each approver (escalated ones included) directly. */
  directMessages?: boolean;
}

/** One Slack message signoff posted for an approval, so it can be updated when it settles. */
export interface SlackMessageRef {
  /** The conversation id Slack answered with (a channel, or the direct-message conversation). */
  channel: string;
  /** The message's timestamp: its id within the conversation. */
  ts: string;
  /** For a direct message: the approver it was sent to (lower-cased email). */
  to?: string;
}

export interface Policy {
  /** N of M: how many approvals settle the request as approved. Any rejection is final. */
  required: number;
}

/** Why an approval reached its final status. */
export type OutcomeReason =
  | "quorum" // enough approvals
  | "rejected" // an approver rejected
  | "quorum-unreachable" // too few approvers left who could still approve
  | "timeout" // the deadline passed; `onTimeout` decided
  | "execution-ended" // the execution stopped, failed or timed out
  | "task-closed" // SendTask* answered TaskTimedOut / TaskDoesNotExist
  | "undeliverable"; // the request could not be emailed to every approver, however often tried

export interface Outcome {
  status: FinalStatus;
  reason: OutcomeReason;
  /** ISO-8601 timestamp of settlement. */
  at: string;
  /** With reason "undeliverable": the approvers the request never reached. */
  undelivered?: string[];
}

export interface Approval {
  /** `base32(sha256(taskToken))[:26]`, so a retried request maps to the same approval. */
  id: string;
  status: ApprovalStatus;
  callback: CallbackState;
  /** The task token, encrypted (compact JWE). Never shown, logged or returned. */
  tokenCiphertext: string;
  /** Lower-cased, de-duplicated emails. */
  approvers: string[];
  requestedBy?: string;
  subject: string;
  /** Object or text from the request; rendered escaped. */
  details?: unknown;
  /** Every other request field, kept to show the approver. */
  context: Record<string, unknown>;
  policy: Policy;
  onTimeout: OnTimeout;
  rejectAs: RejectAs;
  /** Labels from the request, for listings (`?tag=`); absent when none. */
  tags?: string[];
  /** The fields approvers are asked to fill in (`form.ts`); absent when the request has none. */
  form?: ResponseForm;
  /**
   * Where this approval's signed webhook messages go (the deployment's URLs and the request's),
   * fixed when it is requested; absent when none (webhooks.ts).
   */
  webhookUrls?: string[];
  /** `$$.Execution.Id` when the request carried it; used to cancel when the execution ends. */
  executionArn?: string;
  /** What the request asked of Slack; absent when it did not ask. */
  slack?: SlackRequest;
  /** The Slack messages posted for this approval, oldest first; absent when none. */
  slackMessages?: SlackMessageRef[];
  /** ISO-8601. */
  createdAt: string;
  /** ISO-8601; links expire here and the sweeper applies `onTimeout`. */
  deadline: string;
  /** Decisions keyed by approver. */
  decisions: Record<string, Decision>;
  /**
   * Counts the writes that change what the policy reads: a decision, the approvers (escalation),
   * the status. A decision is written only if the version it was evaluated on is still stored,
   * together with the outcome it settles, so the outcome always follows the recorded decisions.
   */
  version: number;
  outcome?: Outcome;
  callbackAttempts: number;
  /**
   * How many invocations of the request function have handled this approval (Lambda's retries
   * of an asynchronous invocation, a Task's Retry); the last one allowed gives up on delivery.
   */
  requestAttempts?: number;
  /** The last callback failure, for operators (never contains the token). */
  callbackError?: string;
  reminders?: ReminderPlan;
  /**
   * The last reminder step claimed (1-based; absent = none). The sweeper claims a step with a
   * conditional write before sending its emails, so a step is sent at most once.
   */
  reminderStep?: number;
  escalation?: EscalationPlan;
  /** ISO-8601; set once, by the conditional write that added `escalation.to` to the approvers. */
  escalatedAt?: string;
  /**
   * The Task's `HeartbeatSeconds`, when the request asks signoff to keep it alive: while PENDING,
   * the sweeper sends SendTaskHeartbeat every third of it.
   */
  heartbeatSeconds?: number;
  /** ISO-8601; the last resend, claimed by a conditional write so resends keep a cooldown apart. */
  lastResentAt?: string;
  /** Epoch milliseconds of the last heartbeat claimed (absent: none yet; the clock starts at createdAt). */
  heartbeatAt?: number;
  /**
   * Epoch milliseconds of the next thing the sweeper must do for this approval (reminder,
   * escalation, heartbeat, deadline, callback retry; see `computeDueAt`); absent when nothing is due.
   */
  dueAt?: number;
  /**
   * Mail to an approver that SES reported did not get through (bounced, complained of, rejected,
   * delayed), oldest first; absent when none. At most `MAX_EMAIL_PROBLEMS` are kept.
   */
  emailProblems?: EmailProblem[];
  /**
   * The audit chain's head and its newest events, kept on the approval so an append is one
   * conditional write of this item and needs no Query (see `AuditHead`). Absent on approvals
   * stored before chains had heads. Never shown: views drop it.
   */
  audit?: AuditHead;
}

/**
 * Where an approval's audit chain ends, stored on the approval item itself.
 *
 * Invariant: every event with `seq <= head.seq` is stored as its own event item, or is in `tail`,
 * or both (identically); no event item exists with a `seq` above the stored head. The conditional
 * write that moves the head (conditioned on the `seq` it chained onto) is the chain's only
 * serialization point: it assigns the sequence numbers and hashes and puts the new events in
 * `tail` in the same write, so a crash before the event items are written loses nothing. Event
 * items are written afterwards, unconditionally (an event's content is fixed by the head write
 * that chained it), and a later head write drops a tail whose events it knows are written.
 */
export interface AuditHead {
  /** The last event's `seq` (0: none yet). */
  seq: number;
  /** The last event's `hash` (`GENESIS_HASH`: none yet). */
  hash: string;
  /** Events that may not be written as event items yet, oldest first, ending with the last. */
  tail: AuditEvent[];
}

/**
 * What SES reported about one email: `bounce` (the receiving server refused it), `complaint`
 * (the recipient marked it as spam), `reject` (SES would not send it), `delay` (SES is still
 * trying). Values are SES's own; the raw message is never kept.
 */
export type EmailProblemKind = "bounce" | "complaint" | "reject" | "delay";

export interface EmailProblem {
  /** The approver the email was addressed to (lower-cased). */
  approver: string;
  kind: EmailProblemKind;
  /** `bounce`: Permanent, Transient or Undetermined. */
  bounceType?: string;
  /** `bounce`: e.g. General, NoEmail, Suppressed, MailboxFull. */
  bounceSubType?: string;
  /** `complaint`: the feedback type the mailbox provider reported (abuse, fraud, ...), if any. */
  complaintType?: string;
  /** `delay`: e.g. MailboxFull, SpamDetected, TransientCommunicationFailure. */
  delayType?: string;
  /** Which email it was (request, reminder, escalation, cancelled), when the mail says. */
  email?: string;
  /** ISO-8601: when SES says it happened. */
  at: string;
  /** ISO-8601: when signoff recorded it. */
  recordedAt: string;
  /** The EventBridge event that reported it: the same event delivered again is recorded once. */
  eventId: string;
}

/** The most email problems kept on one approval; later ones are logged, not stored. */
export const MAX_EMAIL_PROBLEMS = 100;

/** Audit trail event types. */
export type AuditEventType =
  | "requested"
  | "emailed"
  | "viewed"
  | "decided"
  | "settled"
  | "callback-sent"
  | "callback-failed"
  | "expired"
  | "cancelled"
  | "reminded"
  | "escalated"
  | "resent"
  | "email-problem"
  | "slack-posted"
  | "webhook-failed"
  | "webhook-replayed";

/** An event as a flow records it, before it is chained. */
export interface AuditEventInput {
  type: AuditEventType;
  /** ISO-8601. */
  at: string;
  /** Who caused it: an approver's email, "signoff" for the system. */
  actor: string;
  data?: Record<string, unknown>;
}

/** An event in the approval's hash chain: `hash = sha256(prevHash + canonical(event))`. */
export interface AuditEvent extends AuditEventInput {
  approvalId: string;
  /** 1, 2, 3, ... within the approval. */
  seq: number;
  prevHash: string;
  hash: string;
}

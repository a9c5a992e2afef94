/**
 * Ports: what the domain needs from the outside world. Adapters in packages/functions
 * implement them over DynamoDB, SES v2 and Step Functions; expected outcomes are values,
 * exceptions are for the unexpected (network down, a bug).
 */
import type {
  Approval,
  ApprovalStatus,
  AuditEvent,
  AuditEventInput,
  AuditHead,
  CallbackState,
  Decision,
  EmailProblem,
  ExecutionEndStatus,
  Outcome,
  SlackMessageRef,
} from "./approval.ts";
import type { WebhookDelivery } from "./webhooks.ts";

/** An approval as it may be shown: everything but the encrypted task token and the chain head. */
export type ApprovalView = Omit<Approval, "tokenCiphertext" | "audit">;

/** What an `appendEvents` write may record beside its events, so it costs no write of its own. */
export interface AppendAlso {
  /** Slack messages just posted: appended to `slackMessages`. */
  slackMessages?: SlackMessageRef[];
}

export type CreateApprovalResult =
  | { ok: true; approval: Approval }
  | { ok: false; reason: "exists"; approval: Approval };

/**
 * A decision and everything it determines, written together by one conditional write: the write
 * happens only if the approval is still PENDING at `version` (the one the policy was evaluated
 * on) and the approver has not decided, so no decision is ever recorded that the outcome does not
 * account for.
 */
export interface DecisionCommit {
  /** The approval's `version` when it was read; the write bumps it. */
  version: number;
  /** With `seq` = the number of decisions at `version` plus one. */
  decision: Decision;
  /** Present when the decisions including this one settle the approval. */
  settlement?: Settlement;
  /** Audit events the same write chains onto the approval's audit head (decided, settled). */
  audit?: AuditAppend;
  /**
   * Only without `settlement`: moves the approval's `dueAt` to this (earlier) time in the same
   * write, so the sweeper queues the decision's webhook message soon (webhooks.ts). The sweeper
   * corrects an early `dueAt` as it does any.
   */
  dueAt?: number;
}

/**
 * Events to chain onto an approval's audit head in the write that carries them (see `AuditHead`).
 * The write is conditioned on `head` still being the stored head; a store that loses that
 * condition re-reads, or reports the conflict where its method says so.
 */
export interface AuditAppend {
  /** The head as the caller read it; undefined when the approval had none. */
  head: AuditHead | undefined;
  events: AuditEventInput[];
  /** True when every event in `head.tail` is known to be written as an event item. */
  tailStored?: boolean;
}

export type CommitDecisionResult =
  | { ok: true; approval: Approval }
  | { ok: false; reason: "not-found" }
  /** Someone else wrote first; `approval` is what is stored now (read consistently). */
  | { ok: false; reason: "conflict"; approval: Approval };

export type SettleResult =
  | { ok: true; approval: Approval }
  | { ok: false; reason: "not-found" }
  | { ok: false; reason: "not-pending"; approval: Approval };

export interface Settlement {
  outcome: Outcome;
  /**
   * When the task must be told: the settling write claims the callback's first attempt itself
   * (callback PENDING, `callbackAttempts` 1, `dueAt` = `retryAt`), so the settler sends at once and
   * the sweeper retries at `retryAt` if it dies first. Absent when nobody is waiting (the
   * execution ended): callback NONE and nothing due.
   */
  firstAttempt?: { retryAt: number };
}

export interface CallbackFinish {
  callback: Extract<CallbackState, "DELIVERED" | "GAVE_UP">;
  /** Replaces the outcome, e.g. EXPIRED when the task had already timed out. */
  outcome?: Outcome;
  error?: string;
  /** Audit events the finishing write chains onto the head (callback-sent, callback-failed). */
  audit?: AuditAppend;
}

/**
 * What the sweeper claims on a PENDING approval before acting, in one conditional write. Each
 * action is claimed before it is done, so a step is done at most once however many sweeps race.
 */
export interface ScheduleClaim {
  /**
   * The `dueAt` the sweeper read. The write happens only if it is still the stored one: every
   * claim moves `dueAt` forward, so a second sweep acting on the same reading loses.
   */
  seenDueAt: number;
  /** The new `dueAt`: `computeDueAt` of the approval with this claim applied. */
  dueAt: number;
  /** Claims reminder step `to`; `from` is the last step claimed before (0 = none). */
  reminder?: { from: number; to: number };
  /** Adds `add` to the approvers and sets `escalatedAt` to `at`, only if not escalated before. */
  escalation?: { at: string; add: string[] };
  /** Claims a heartbeat at `at`; `from` is the stored `heartbeatAt` (undefined: none yet). */
  heartbeat?: { from: number | undefined; at: number };
}

/**
 * A listing of approvals, newest first. Every filter is answered from a key or an index, never a
 * Scan: the approver, else the execution, else the tag picks the index partition (with the
 * status, when given), and the other filters are checked on the approvals it yields.
 */
export interface ApprovalQuery {
  status?: ApprovalStatus;
  /** A lower-cased email: approvals addressed to this approver (escalation included). */
  approver?: string;
  /** `$$.Execution.Id` as the request carried it. */
  executionArn?: string;
  /** One of the request's `tags`. */
  tag?: string;
  /** At most this many approvals on the page (1..100). */
  limit: number;
  /** Where the previous page stopped; opaque. */
  cursor?: string;
}

export type EmailProblemsResult =
  | { ok: true; approval: Approval }
  | { ok: false; reason: "not-found" }
  /** `duplicate`: this event's problems are stored already; `full`: no room for more. */
  | { ok: false; reason: "duplicate" | "full"; approval: Approval };

export interface ApprovalListPage {
  approvals: Approval[];
  /** Present when more may follow: pass it back as `cursor` for the next page. */
  cursor?: string;
}

export interface DuePage {
  approvals: Approval[];
  /** Webhook deliveries due (outbox items share the due index); absent when none. */
  webhooks?: WebhookDelivery[];
  /** Items DynamoDB read for this page, for the sweeper's figures. */
  read: number;
  cursor?: string;
}

/**
 * Where approvals and their audit trail live. Every method that changes state is a single
 * conditional write; losing a race is reported as a value, never by overwriting.
 */
export interface ApprovalStore {
  /** Puts the approval only if no approval with its id exists; otherwise returns the stored one. */
  create(approval: Approval): Promise<CreateApprovalResult>;
  get(id: string): Promise<Approval | undefined>;
  /**
   * Counts one more invocation of the request for an approval already stored (a Lambda or Task
   * retry with the same token). Returns the approval as updated, undefined when there is none.
   */
  countRequestAttempt(id: string): Promise<Approval | undefined>;
  /** Writes a decision and what it settles in one conditional write (see `DecisionCommit`). */
  commitDecision(id: string, commit: DecisionCommit): Promise<CommitDecisionResult>;
  /**
   * Writes the final outcome, only while the approval is PENDING (then see `refreshListing`);
   * with `audit`, chains its events onto the audit head in the same write (re-chaining onto a
   * head that moved while the approval stayed PENDING).
   */
  settle(id: string, settlement: Settlement, audit?: AuditAppend): Promise<SettleResult>;
  /**
   * Claims callback attempt number `attempt` (= stored callbackAttempts + 1) while the callback is
   * PENDING, and pushes `dueAt` to `retryAt` so a crashed sender is retried then. Returns the
   * approval when this caller won the claim, undefined when another sender has it or it is done.
   */
  claimCallback(id: string, attempt: number, retryAt: number): Promise<Approval | undefined>;
  /** Records a failed attempt's error; the callback stays PENDING until the claimed retryAt. */
  failCallback(id: string, attempt: number, error: string): Promise<boolean>;
  /** Ends the callback (DELIVERED or GAVE_UP) if `attempt` is still the latest claim. */
  finishCallback(id: string, attempt: number, finish: CallbackFinish): Promise<boolean>;
  /**
   * Applies `claim` only while the approval is PENDING, its `dueAt` is still `claim.seenDueAt`
   * and each claimed step is still unclaimed. Returns the updated approval when this caller won,
   * undefined when it lost (or the approval is settled or gone).
   */
  advanceSchedule(id: string, claim: ScheduleClaim): Promise<Approval | undefined>;
  /**
   * Sets `lastResentAt` to `at`, only while the approval is PENDING and its last resend (if any)
   * was at or before `notAfter`. Returns the updated approval when claimed, undefined when not.
   */
  claimResend(id: string, at: string, notAfter: string): Promise<Approval | undefined>;
  /**
   * Claims the right to record `approver`'s view of the approval at `at` (epoch ms): true when
   * they have no view recorded after `at - windowMs`. Keeps a link holder from growing the audit
   * trail without bound; writes nothing to the approval item itself.
   */
  claimView(approvalId: string, approver: string, at: number, windowMs: number): Promise<boolean>;
  /**
   * Adds `problems` (all reported by one event, `problems[0].eventId`) to the approval's
   * `emailProblems` in one conditional write, unless that event is recorded already or the
   * approval holds `MAX_EMAIL_PROBLEMS`. Never changes the status, the version or anything due.
   */
  recordEmailProblems(approvalId: string, problems: EmailProblem[]): Promise<EmailProblemsResult>;
  /** Appends an event to the approval's hash chain (retrying on a concurrent append). */
  appendEvent(approvalId: string, event: AuditEventInput): Promise<AuditEvent>;
  /**
   * Appends `events` to the approval's hash chain in one conditional write of the approval item,
   * conditioned on the head of `seen` (the approval as the caller last read or wrote it, which
   * saves a read) and re-reading when another append won. Returns the approval as written.
   */
  appendEvents(
    approvalId: string,
    events: AuditEventInput[],
    seen?: Approval,
    also?: AppendAlso,
  ): Promise<Approval>;
  /** The whole audit trail, oldest first. */
  listEvents(approvalId: string): Promise<AuditEvent[]>;
  /**
   * Approvals whose `dueAt <= now`, from the sparse due-items index (never a Scan): up to `limit`
   * from `shard` (one of `dueShards()`), or, without one, from each shard in turn.
   */
  listDue(now: number, limit: number, cursor?: string, shard?: string): Promise<DuePage>;
  /** The due index's shards, each of which a sweeper can read (and hand off) on its own. */
  dueShards(): Promise<readonly string[]>;
  /**
   * The PENDING approvals a given execution asked for (request field `executionArn`), from the
   * sparse execution index (never a Scan), each read back consistently.
   */
  listPendingForExecution(executionArn: string): Promise<Approval[]>;
  /** A page of approvals matching `query`, newest first (see `ApprovalQuery`). */
  listApprovals(query: ApprovalQuery): Promise<ApprovalListPage>;
  /**
   * Brings the approval's listing entries up to its status after `settle`, and writes the events
   * of its audit tail as event items, in one batch. Best effort: a listing repairs an entry it
   * finds stale, and the tail stays on the approval. True when everything was written (so the
   * next head write may drop that tail: `AuditAppend.tailStored`).
   *
   * When the approval names webhook URLs, the webhook messages planned from the tail
   * (`planWebhookDeliveries`) are queued beside the batch, each outbox item put only if absent,
   * and true also means they are queued. Every write that drops tail events writes them out this
   * way first, so no message is lost with the tail.
   */
  refreshListing(approval: Approval): Promise<boolean>;
}

/**
 * Which email this is: the request itself, a reminder to someone who has not decided, the request
 * sent to an approver added by escalation, or the notice that a request is no longer needed.
 */
export type ApprovalEmailKind = "request" | "reminder" | "escalation" | "cancelled";

/** The emails that ask for a decision, and so carry the approver's two signed links. */
export type DecisionEmailKind = Exclude<ApprovalEmailKind, "cancelled">;

/** One email to one approver. */
export type ApprovalEmail = DecisionEmail | CancelledEmail;

/** The request, a reminder, or the request to an escalated approver: with the two links. */
export interface DecisionEmail {
  kind: DecisionEmailKind;
  to: string;
  /** The approval as it is after the step that sent this email. */
  approval: ApprovalView;
  approveUrl: string;
  rejectUrl: string;
  /** "reminder" and "escalation": seconds left until the deadline when the email was sent. */
  secondsLeft?: number;
}

/**
 * The notice that a request is no longer needed. It has nothing to decide, so no links: sending
 * it needs no signing key. The earlier emails' links open the "no longer needed" page.
 */
export interface CancelledEmail {
  kind: "cancelled";
  to: string;
  /** The approval as settled; `approval.outcome.reason` says why. */
  approval: ApprovalView;
  /** When the execution ended: how it ended. */
  executionStatus?: ExecutionEndStatus;
}

/** Sends approvers their mail. Rendering (HTML + text, escaped) belongs to the adapter. */
export interface Mailer {
  sendApprovalEmail(email: ApprovalEmail): Promise<void>;
}

export type TaskCallbackFailureReason =
  | "task-timed-out" // the task is already closed (succeeded, failed, timed out, stopped)
  | "task-does-not-exist"
  | "invalid-token"
  | "invalid-output"
  | "retryable"; // throttling, 5xx, network: try again later

export type TaskCallbackResult =
  | { ok: true }
  /**
   * `message` names the error only; it never contains the token. `resent` says the client sent
   * the call more than once (its own retry after a lost response), so a "task closed" answer may
   * be about our own first send.
   */
  | { ok: false; reason: TaskCallbackFailureReason; message: string; resent?: true };

/** Tells Step Functions how the task ended. The token is plaintext only inside this call. */
export interface TaskCallback {
  sendSuccess(taskToken: string, output: string): Promise<TaskCallbackResult>;
  sendFailure(taskToken: string, error: string, cause: string): Promise<TaskCallbackResult>;
  sendHeartbeat(taskToken: string): Promise<TaskCallbackResult>;
}

/** Where in Slack a message goes: a channel, or a direct message to an approver (by email). */
export type SlackDestination = { channel: string } | { approver: string };

export type SlackPostResult =
  | { ok: true; message: SlackMessageRef }
  /** `no-user`: Slack knows no user with the approver's email; `failed`: Slack said no, or was unreachable. */
  | { ok: false; reason: "no-user" | "failed"; error: string };

/** A note threaded under an approval's messages: a reminder, or who the request escalated to. */
export type SlackNotice =
  | { kind: "reminder"; secondsLeft: number; waitingOn: string[] }
  | { kind: "escalation"; secondsLeft: number; added: string[] };

/**
 * Posts approvals to Slack and keeps their messages current. Rendering (Block Kit, escaped for
 * mrkdwn) belongs to the adapter; the buttons carry the approval id and the decision, never the
 * task token. Expected failures are values; nothing here may hold up a decision.
 */
export interface SlackMessenger {
  /** Posts the request with Approve / Reject buttons. */
  postRequest(approval: ApprovalView, to: SlackDestination): Promise<SlackPostResult>;
  /**
   * Rewrites one posted message as the approval is now: the decisions so far, and once settled
   * the outcome, who and when, with the buttons gone. True when Slack took it.
   */
  updateMessage(approval: ApprovalView, message: SlackMessageRef): Promise<boolean>;
  /** Replies in the message's thread. True when Slack took it. */
  postNotice(
    approval: ApprovalView,
    message: SlackMessageRef,
    notice: SlackNotice,
  ): Promise<boolean>;
}
/** Where a webhook delivery is, by the keys of its outbox item. */
export interface WebhookDeliveryKey {
  approvalId: string;
  seq: number;
}

/**
 * The webhook outbox: deliveries queued by the store beside audit events (see
 * `ApprovalStore.refreshListing`), each claimed with a conditional write before it is sent.
 */
export interface WebhookOutbox {
  /**
   * Claims attempt `attempt` (= stored attempts + 1) while the delivery is PENDING and moves its
   * `dueAt` to `retryAt`, so a sender that dies is retried then. Undefined when it lost the claim.
   */
  claimWebhook(
    key: WebhookDeliveryKey,
    attempt: number,
    retryAt: number,
  ): Promise<WebhookDelivery | undefined>;
  /**
   * Records attempt `attempt`'s result if it is still the latest claim: the URLs now delivered,
   * the error, and, when `state` is DELIVERED or GAVE_UP, the end (out of the due index).
   */
  finishWebhook(
    key: WebhookDeliveryKey,
    attempt: number,
    result: { delivered: number[]; state: WebhookDelivery["state"]; error?: string },
  ): Promise<boolean>;
  /** Every message queued for the approval, oldest first (read consistently). */
  listWebhooks(approvalId: string): Promise<WebhookDelivery[]>;
  /**
   * Puts a given-up message back in the due index for a fresh round of attempts (to the URLs
   * that never answered 2xx), due at `dueAt`. False unless it was GAVE_UP (conditional write).
   */
  requeueWebhook(key: WebhookDeliveryKey, dueAt: number): Promise<boolean>;
}

/** One signed POST; the adapter signs (Standard Webhooks) and times the request out. */
export interface WebhookMessage {
  url: string;
  webhookId: string;
  /** The JSON body, exactly as signed and sent. */
  body: string;
  /** The attempt's time, for `webhook-timestamp`. */
  at: Date;
}

export type WebhookSendResult =
  | { ok: true; status: number }
  /** `status` when the receiver answered; `message` names the error, never a secret. */
  | { ok: false; status?: number; message: string };

/** Sends webhook messages, signed with the deployment's secret. */
export interface WebhookSender {
  send(message: WebhookMessage): Promise<WebhookSendResult>;
}

/**
 * SES reported that mail to an approver did not get through (a bounce, a complaint, a rejection,
 * a delay). The approval shows it (`emailProblems`) and its audit trail records it, each once per
 * report however often the report is delivered: the reporting event's id is the key.
 */
import type { EmailProblem, EmailProblemKind } from "../approval.ts";
import { normalizeEmail } from "../identity.ts";
import { describeError, log, type StoreDeps } from "./flow-deps.ts";

/** One report, as the handler read it from SES's event (never the raw message). */
export interface EmailProblemReport {
  approvalId: string;
  /** The reporting event's id: a report delivered again carries the same one. */
  eventId: string;
  kind: EmailProblemKind;
  /** Whom the email was addressed to. */
  recipients: readonly string[];
  /** ISO-8601: when SES says it happened. */
  at: string;
  bounceType?: string;
  bounceSubType?: string;
  complaintType?: string;
  delayType?: string;
  /** Which email it was (request, reminder, ...), when the mail says. */
  email?: string;
}

export type RecordEmailProblemResult =
  /** Stored on the approval and appended to its trail now. */
  | { status: "recorded"; problems: EmailProblem[] }
  /** Delivered before: the approval and its trail have it. */
  | { status: "duplicate" }
  /** Delivered before, but that delivery stopped before the trail had it: appended now. */
  | { status: "repaired"; problems: EmailProblem[] }
  /**
   * Delivered before, moments ago, and the trail does not have it yet: that delivery is still
   * writing it, or failed, and then Lambda's retry of it (a minute or more later) appends it.
   */
  | { status: "in-progress" }
  | { status: "not-found" }
  /** The approval holds `MAX_EMAIL_PROBLEMS` already: logged, not stored. */
  | { status: "full" }
  /** The report names no recipient. */
  | { status: "no-recipient" };

/**
 * How long after a report was stored a trail still lacking it is taken as abandoned rather than
 * in progress: longer than the function that records it runs (30 s), shorter than the minute
 * Lambda waits before retrying a failed asynchronous invocation, so that retry repairs it.
 */
export const EMAIL_PROBLEM_REPAIR_AFTER_MS = 45_000;

/**
 * Records `report` on its approval:
 *
 * 1. Store one problem per recipient on the approval with a single conditional write that
 *    happens only if no problem of this event is stored (and there is room).
 * 2. The writer that stored them appends one `email-problem` event per recipient.
 * 3. A repeat delivery finds them stored; if the trail lacks any (the first delivery stopped
 *    between the two writes) and they were stored long enough ago, it appends what is missing.
 */
export async function recordEmailProblem(
  deps: StoreDeps,
  report: EmailProblemReport,
): Promise<RecordEmailProblemResult> {
  const now = deps.clock();
  const recipients = [...new Set(report.recipients.map(normalizeEmail))].filter(Boolean);
  if (recipients.length === 0) return { status: "no-recipient" };

  // 1. One conditional write, keyed by the event.
  const problems = recipients.map((approver) => toProblem(report, approver, now));
  const stored = await deps.store.recordEmailProblems(report.approvalId, problems);
  if (!stored.ok && stored.reason === "not-found") return { status: "not-found" };
  if (!stored.ok && stored.reason === "full") {
    log(deps, "warn", "email problem not stored: the approval holds the most it keeps", {
      approvalId: report.approvalId,
      kind: report.kind,
      eventId: report.eventId,
    });
    return { status: "full" };
  }

  // 2. The writer records it on the trail.
  if (stored.ok) {
    await appendProblems(deps, report.approvalId, problems);
    log(deps, "warn", "email problem recorded", {
      approvalId: report.approvalId,
      kind: report.kind,
      approvers: recipients,
      ...(report.bounceType === undefined ? {} : { bounceType: report.bounceType }),
    });
    return { status: "recorded", problems };
  }

  // 3. A repeat: finish what an earlier delivery may have left undone.
  const mine = (stored.approval.emailProblems ?? []).filter((p) => p.eventId === report.eventId);
  const events = await deps.store.listEvents(report.approvalId);
  const onTrail = new Set(
    events
      .filter((event) => event.type === "email-problem" && event.data?.eventId === report.eventId)
      .map((event) => event.data?.approver),
  );
  const missing = mine.filter((problem) => !onTrail.has(problem.approver));
  if (missing.length === 0) return { status: "duplicate" };
  const storedAt = Math.min(...missing.map((problem) => Date.parse(problem.recordedAt)));
  if (now.getTime() - storedAt < EMAIL_PROBLEM_REPAIR_AFTER_MS) return { status: "in-progress" };
  await appendProblems(deps, report.approvalId, missing);
  log(deps, "warn", "email problem added to the trail by a repeat delivery", {
    approvalId: report.approvalId,
    eventId: report.eventId,
  });
  return { status: "repaired", problems: missing };
}

function toProblem(report: EmailProblemReport, approver: string, now: Date): EmailProblem {
  const optional = {
    bounceType: report.bounceType,
    bounceSubType: report.bounceSubType,
    complaintType: report.complaintType,
    delayType: report.delayType,
    email: report.email,
  };
  return {
    approver,
    kind: report.kind,
    ...Object.fromEntries(Object.entries(optional).filter(([, value]) => value !== undefined)),
    at: report.at,
    recordedAt: now.toISOString(),
    eventId: report.eventId,
  };
}

async function appendProblems(
  deps: StoreDeps,
  approvalId: string,
  problems: readonly EmailProblem[],
): Promise<void> {
  for (const { recordedAt, ...data } of problems) {
    try {
      await deps.store.appendEvent(approvalId, {
        type: "email-problem",
        at: recordedAt,
        actor: "signoff",
        data: { ...data },
      });
    } catch (error) {
      // The problem is stored; a repeat delivery (the thrown error causes one) appends the rest.
      log(deps, "error", "email problem not added to the trail", {
        approvalId,
        error: describeError(error),
      });
      throw error;
    }
  }
}

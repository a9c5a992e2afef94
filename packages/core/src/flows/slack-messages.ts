/**
 * Slack, beside email: posting a request to the channel and direct messages it asked for, and
 * keeping those messages current. Slack is an extra channel; email stays the channel of record.
 * Nothing here throws into the flow that called it and nothing here decides anything: a Slack
 * that is down, slow or refusing costs a log line, never a decision, a callback or a retry of the
 * request. A message left stale (the process died between settling and updating) heals itself:
 * a click on it is refused as already settled, and that refusal updates the message.
 */
import type { Approval, AuditEventInput, SlackMessageRef } from "../approval.ts";
import { toApprovalView } from "../approval-view.ts";
import type { ApprovalView, SlackDestination, SlackMessenger, SlackNotice } from "../ports.ts";
import type { DeliverCallbackResult } from "./deliver-callback.ts";
import { describeError, type FlowDeps, log } from "./flow-deps.ts";

export interface SlackPosted {
  /** Messages posted by this call, to record on the approval. */
  messages: SlackMessageRef[];
  /** Their `slack-posted` audit events, to chain in the same write. */
  events: AuditEventInput[];
}

/**
 * Posts `approval` to every Slack destination its request asked for that has no message yet
 * (a retried request posts only what the first invocation did not record): the channel, and a
 * direct message to each of `approvers` (default: all of them) when it asked for those.
 */
export async function postSlackRequest(
  deps: Pick<FlowDeps, "slack" | "clock" | "log">,
  approval: Approval,
  approvers: readonly string[] = approval.approvers,
): Promise<SlackPosted> {
  const posted: SlackPosted = { messages: [], events: [] };
  const slack = deps.slack;
  const asked = approval.slack;
  if (slack === undefined || asked === undefined) return posted;
  const have = approval.slackMessages ?? [];
  const destinations: SlackDestination[] = [];
  if (asked.channel !== undefined && !have.some((message) => message.to === undefined)) {
    destinations.push({ channel: asked.channel });
  }
  if (asked.directMessages === true) {
    for (const approver of approvers) {
      if (!have.some((message) => message.to === approver)) destinations.push({ approver });
    }
  }
  const view = toApprovalView(approval);
  const results = await Promise.all(
    destinations.map((to) =>
      slack.postRequest(view, to).catch((error: unknown) => ({
        ok: false as const,
        reason: "failed" as const,
        error: describeError(error),
      })),
    ),
  );
  const at = deps.clock().toISOString();
  for (const [index, result] of results.entries()) {
    const to = destinations[index]!;
    if (!result.ok) {
      log(deps, result.reason === "no-user" ? "warn" : "error", "slack post failed", {
        approvalId: approval.id,
        ...("channel" in to ? { channel: to.channel } : { to: to.approver }),
        reason: result.reason,
        error: result.error,
      });
      continue;
    }
    posted.messages.push(result.message);
    posted.events.push({
      type: "slack-posted",
      at,
      actor: "signoff",
      data: {
        channel: result.message.channel,
        ts: result.message.ts,
        ...(result.message.to !== undefined && { to: result.message.to }),
      },
    });
  }
  return posted;
}

/**
 * The after-settle hook for Slack: rewrites every Slack message of `approval` to show how it
 * ended, buttons removed. Also used after a decision that settles nothing (the messages show the
 * decisions so far). Best effort: failures are logged, never thrown.
 */
export async function updateSlackMessages(
  deps: Pick<FlowDeps, "slack" | "log">,
  approval: Approval | ApprovalView,
): Promise<void> {
  const slack = deps.slack;
  const messages = approval.slackMessages ?? [];
  if (slack === undefined || messages.length === 0) return;
  const view = "tokenCiphertext" in approval ? toApprovalView(approval) : approval;
  await eachMessage(deps, approval, "slack update failed", (message) =>
    slack.updateMessage(view, message),
  );
}

/**
 * The after-settle hook for Slack, called by whoever settled an approval (a decision, the
 * deadline, a cancellation, an undeliverable request) once the callback is sent: every message
 * shows the outcome, and a task found closed by the callback shows what that made of it.
 */
export async function updateSlackAfterSettle(
  deps: Pick<FlowDeps, "slack" | "log">,
  approval: Approval,
  callback?: DeliverCallbackResult,
): Promise<void> {
  if (callback?.status !== "task-closed") return updateSlackMessages(deps, approval);
  const { outcome } = callback;
  return updateSlackMessages(deps, { ...approval, outcome, status: outcome.status });
}

/** Threads `notice` (a reminder, an escalation) under every Slack message of `approval`. */
export async function postSlackNotice(
  deps: Pick<FlowDeps, "slack" | "log">,
  approval: Approval,
  notice: SlackNotice,
): Promise<void> {
  const slack = deps.slack;
  const messages = approval.slackMessages ?? [];
  if (slack === undefined || messages.length === 0) return;
  const view = toApprovalView(approval);
  await eachMessage(deps, approval, `slack ${notice.kind} failed`, (message) =>
    slack.postNotice(view, message, notice),
  );
}

async function eachMessage(
  deps: Pick<FlowDeps, "log">,
  approval: Approval | ApprovalView,
  failure: string,
  act: (message: SlackMessageRef) => ReturnType<SlackMessenger["updateMessage"]>,
): Promise<void> {
  const messages = approval.slackMessages ?? [];
  const results = await Promise.allSettled(messages.map(act));
  for (const [index, result] of results.entries()) {
    if (result.status === "fulfilled" && result.value) continue;
    log(deps, "warn", failure, {
      approvalId: approval.id,
      channel: messages[index]!.channel,
      ...(result.status === "rejected" && { error: describeError(result.reason) }),
    });
  }
}

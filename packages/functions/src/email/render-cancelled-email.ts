/**
 * The short notice that a request is no longer needed: its execution ended, or the task waiting
 * for it closed, before anyone decided. It carries no buttons: there is nothing left to decide.
 */
import type { CancelledEmail, ExecutionEndStatus } from "@signoff/core";
import { html } from "hono/html";
import {
  formatUtc,
  type RenderedEmail,
  renderEmailShell,
  renderSubjectLine,
} from "./email-format.ts";

const ENDED_TEXT: Record<ExecutionEndStatus, string> = {
  ABORTED: "was stopped",
  TIMED_OUT: "timed out",
  FAILED: "failed",
};

const NOTHING_TO_DO =
  "You do not need to do anything. The links in the earlier emails now show that the request is no longer needed.";

/** Renders the "no longer needed" notice for one approver. */
export function renderCancelledEmail(
  content: Pick<CancelledEmail, "approval" | "executionStatus">,
): RenderedEmail {
  const { approval } = content;
  const why = describeWhy(content);
  const when = approval.outcome ? formatUtc(approval.outcome.at) : undefined;
  const body = html`<p style="margin:0 0 8px;color:#57606a">No longer needed</p>
<h1 style="margin:0 0 16px;font-size:20px">${approval.subject}</h1>
<p style="margin:0 0 8px">${why}${when ? ` (${when})` : ""}</p>
<p style="margin:0;color:#57606a">${NOTHING_TO_DO}</p>`;
  const text = [
    "No longer needed",
    "",
    approval.subject,
    "",
    `${why}${when ? ` (${when})` : ""}`,
    "",
    NOTHING_TO_DO,
  ];
  return {
    subject: renderSubjectLine("No longer needed", approval.subject),
    html: renderEmailShell(approval.subject, body),
    text: `${text.join("\n")}\n`,
  };
}

function describeWhy({
  approval,
  executionStatus,
}: Pick<CancelledEmail, "approval" | "executionStatus">): string {
  if (approval.outcome?.reason === "task-closed") {
    return "The workflow step that was waiting for your approval has already closed, so no decision is needed any more.";
  }
  const ended = executionStatus === undefined ? "ended" : ENDED_TEXT[executionStatus];
  return `The workflow that asked for your approval ${ended} before anyone decided, so no decision is needed any more.`;
}

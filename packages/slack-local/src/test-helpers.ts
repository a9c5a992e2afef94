import type { PressButtonOptions, SlackStandIn } from "./stand-in.ts";

/** Calls a Web API method the way @slack/web-api does: POST, form-encoded, bearer token. */
export async function callApi(
  slack: Pick<SlackStandIn, "apiUrl" | "botToken">,
  method: string,
  args: Record<string, string> = {},
  /** null sends no token at all. */
  token: string | null = slack.botToken,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`${slack.apiUrl}${method}`, {
    method: "POST",
    headers: {
      "content-type": "application/x-www-form-urlencoded",
      ...(token === null ? {} : { authorization: `Bearer ${token}` }),
    },
    body: new URLSearchParams(args),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

/**
 * Presses a button as an app's user would, then opens `view` with the press's trigger_id, as an
 * app answering that press does. Returns the modal's id; throws if Slack refused to open it.
 */
export async function openModalAfterPress(
  slack: SlackStandIn,
  press: PressButtonOptions,
  view: Record<string, unknown>,
): Promise<string> {
  const pressed = await slack.pressButton(press);
  const opened = await callApi(slack, "views.open", {
    trigger_id: pressed.payload.trigger_id as string,
    view: JSON.stringify(view),
  });
  if (opened.body.ok !== true) throw new Error(`views.open: ${String(opened.body.error)}`);
  return (opened.body.view as { id: string }).id;
}

/** An approval-like message: a section, and Approve / Reject buttons, Reject with a confirm. */
export const APPROVAL_BLOCKS = [
  { type: "header", text: { type: "plain_text", text: "Deploy checkout-service" } },
  {
    type: "section",
    block_id: "details",
    text: { type: "mrkdwn", text: "*Version* 2.3.0 &lt;script&gt;alert(1)&lt;/script&gt;" },
  },
  { type: "context", elements: [{ type: "mrkdwn", text: "Deadline in 1 hour" }] },
  {
    type: "actions",
    block_id: "decide",
    elements: [
      {
        type: "button",
        action_id: "approve",
        value: "approval-1",
        style: "primary",
        text: { type: "plain_text", text: "Approve" },
      },
      {
        type: "button",
        action_id: "reject",
        value: "approval-1",
        style: "danger",
        text: { type: "plain_text", text: "Reject" },
        confirm: {
          title: { type: "plain_text", text: "Reject this?" },
          text: { type: "mrkdwn", text: "The &lt;b&gt;deploy&lt;/b&gt; stops." },
          confirm: { type: "plain_text", text: "Reject" },
          deny: { type: "plain_text", text: "Keep it" },
        },
      },
    ],
  },
];

/**
 * `POST /slack/interactions`: Slack's Interactivity Request URL. A click on Approve / Reject
 * arrives here as a signed `block_actions` payload, a submitted form modal as `view_submission`;
 * anything unsigned, forged or stale is answered 401 before it is parsed. The Slack user becomes an email through `users.info`, and the decision
 * goes through the same `decide` as links, the inbox and the API (`channel: "slack"`), so every
 * policy rule applies. Refusals (not an approver, already decided, settled) are told to the one
 * user who clicked (`chat.postEphemeral`); nothing is recorded for them.
 */
import {
  type Approval,
  type ApprovalView,
  checkDecisionAllowed,
  type DecideResult,
  decide,
  type FlowDeps,
  fieldsFor,
  log,
  updateSlackMessages,
} from "@signoff/core";
import { Hono } from "hono";
import * as z from "zod/mini";
import { parseButtonValue, SlackActionId } from "./slack-blocks.ts";
import type { SlackApi } from "./slack-messenger.ts";
import { describeSlackError } from "./slack-messenger.ts";
import {
  modalErrors,
  readModalAnswers,
  readModalMetadata,
  renderDecisionModal,
  renderNoticeModal,
  SLACK_MODAL_CALLBACK,
  ViewStateValues,
} from "./slack-modal.ts";
import { verifySlackSignature } from "./slack-signature.ts";

export interface SlackInteractions {
  signingSecret: string;
  api: SlackApi;
}

/** Slack's form bodies are small; a body past this is not Slack's. */
const MAX_BODY_BYTES = 256 * 1024;

const BlockActionsPayload = z.object({
  type: z.literal("block_actions"),
  trigger_id: z.optional(z.string().check(z.maxLength(256))),
  user: z.object({ id: z.string().check(z.minLength(1), z.maxLength(64)) }),
  channel: z.optional(z.object({ id: z.string().check(z.maxLength(64)) })),
  container: z.optional(
    z.object({ channel_id: z.optional(z.string()), message_ts: z.optional(z.string()) }),
  ),
  message: z.optional(z.object({ ts: z.optional(z.string()) })),
  actions: z.array(
    z.object({
      action_id: z.string(),
      value: z.optional(z.string()),
    }),
  ),
});

const ViewSubmissionPayload = z.object({
  type: z.literal("view_submission"),
  user: z.object({ id: z.string().check(z.minLength(1), z.maxLength(64)) }),
  view: z.object({
    callback_id: z.optional(z.string()),
    private_metadata: z.optional(z.string()),
    state: z.object({ values: ViewStateValues }),
  }),
});

const InteractionPayload = z.discriminatedUnion("type", [
  BlockActionsPayload,
  ViewSubmissionPayload,
]);

const PROFILE_LOOKUP_FAILED =
  "signoff could not look up your Slack profile just now. Nothing was recorded; please try again.";
const NO_PROFILE_EMAIL =
  "Your Slack profile has no email signoff can match to the approvers. Nothing was recorded.";

const REFUSALS: Record<Exclude<DecideResult, { ok: true }>["reason"], string> = {
  "not-found": "signoff does not know this request. Nothing was recorded.",
  "not-an-approver":
    "You are not an approver of this request, so your click was not recorded. (signoff matches your Slack profile's email against the approvers.)",
  "self-approval":
    "You asked for this approval, so you cannot approve it yourself. Nothing was recorded.",
  "already-decided": "You have already decided on this request; your first decision stands.",
  "not-pending": "This request is already settled. Nothing was recorded.",
  expired: "The deadline for this request has passed. Nothing was recorded.",
  "idempotency-key-reused": "Nothing was recorded.",
  "invalid-response": "Your answers do not fit this request's form. Nothing was recorded.",
};

/** The `/slack` routes; without Slack configured every request is refused as unsigned. */
export function createSlackRoutes(deps: FlowDeps, slack: SlackInteractions | undefined): Hono {
  const app = new Hono();

  app.post("/interactions", async (c) => {
    // 1. Verify before anything is parsed: unsigned, forged or stale requests change nothing.
    const length = Number(c.req.header("content-length") ?? "0");
    if (slack === undefined || length > MAX_BODY_BYTES) return unauthorized(c);
    const rawBody = await c.req.text();
    const check = verifySlackSignature({
      signingSecret: slack.signingSecret,
      timestamp: c.req.header("x-slack-request-timestamp"),
      signature: c.req.header("x-slack-signature"),
      rawBody,
      now: deps.clock(),
    });
    if (!check.ok) {
      log(deps, "warn", "slack request refused", { reason: check.reason });
      return unauthorized(c);
    }

    // 2. A signed payload signoff has nothing to do with is acknowledged and ignored.
    const payload = parsePayload(rawBody);
    if (payload?.type === "view_submission") {
      const answer = await onSubmission(deps, slack.api, payload);
      return answer === undefined ? c.body(null, 200) : c.json(answer);
    }
    if (payload !== undefined) await onPress(deps, slack.api, payload);
    return c.body(null, 200);
  });

  return app;
}

/** Who pressed or submitted, as an email; undefined (after telling them why) when unknown. */
async function emailOf(
  deps: FlowDeps,
  api: SlackApi,
  userId: string,
  tell: (text: string) => Promise<void>,
): Promise<string | undefined> {
  let approver: string | undefined;
  try {
    approver = await api.emailOfUser(userId);
  } catch (error) {
    log(deps, "warn", "slack users.info failed", { error: describeSlackError(error) });
    await tell(PROFILE_LOOKUP_FAILED);
    return undefined;
  }
  if (approver === undefined) await tell(NO_PROFILE_EMAIL);
  return approver;
}

/** A button press: decides at once, or opens the form's modal when the decision asks for answers. */
async function onPress(deps: FlowDeps, api: SlackApi, payload: BlockActions): Promise<void> {
  const action = payload.actions.find(
    (a) => a.action_id === SlackActionId.approve || a.action_id === SlackActionId.reject,
  );
  const button = parseButtonValue(action?.value);
  if (action === undefined || button === undefined) return;
  const expected = action.action_id === SlackActionId.approve ? "approve" : "reject";
  if (button.decision !== expected) return;
  const userId = payload.user.id;
  const pressed: PressedMessage = {
    channel: payload.channel?.id ?? payload.container?.channel_id,
    ts: payload.container?.message_ts ?? payload.message?.ts,
  };
  const tell = async (text: string) => {
    if (pressed.channel !== undefined) await api.tellUser(pressed.channel, userId, text);
  };

  // 3. Who clicked (the email on their Slack profile), while the approval is read.
  const read = deps.store.get(button.approvalId);
  read.catch(() => undefined); // awaited below unless the lookup fails first
  const approver = await emailOf(deps, api, userId, tell);
  if (approver === undefined) return;
  const approval = await read;

  // 4. A decision that asks for answers opens the form; it decides when submitted.
  const fields = fieldsFor(approval?.form, button.decision);
  if (approval !== undefined && fields.length > 0) {
    const allowed = checkDecisionAllowed(approval, approver, button.decision, {
      now: deps.clock(),
    });
    if (!allowed.ok) {
      await tell(REFUSALS[allowed.reason]);
      await refreshIfSettled(deps, allowed.reason, approval);
      return;
    }
    const view = renderDecisionModal(approval, fields, {
      approvalId: approval.id,
      decision: button.decision,
      ...pressed,
    });
    try {
      if (payload.trigger_id === undefined) throw new Error("the press carried no trigger_id");
      await api.openView(payload.trigger_id, view);
    } catch (error) {
      log(deps, "warn", "slack views.open failed", { error: describeSlackError(error) });
      await tell(
        "signoff could not open this request's form just now. Nothing was recorded; please press the button again.",
      );
    }
    return;
  }

  // 5. The same decision path as every other channel.
  const result = await decide(
    deps,
    { approvalId: button.approvalId, approver, decision: button.decision, channel: "slack" },
    read,
  );
  if (result.ok) await reportRecorded(deps, result, pressed, tell);
  else {
    await tell(REFUSALS[result.reason]);
    if ("approval" in result) await refreshIfSettled(deps, result.reason, result.approval);
  }
}

/**
 * A submitted form modal: decides with its answers. Returns the `response_action` that keeps the
 * modal open with problems under their inputs, or replaces it with why nothing was recorded;
 * undefined (an empty 200) closes it.
 */
async function onSubmission(
  deps: FlowDeps,
  api: SlackApi,
  payload: ViewSubmission,
): Promise<Record<string, unknown> | undefined> {
  const { view } = payload;
  const metadata = readModalMetadata(view.private_metadata);
  if (view.callback_id !== SLACK_MODAL_CALLBACK || metadata === undefined) return undefined;
  const userId = payload.user.id;
  const pressed: PressedMessage = { channel: metadata.channel, ts: metadata.ts };
  const tell = async (text: string) => {
    if (pressed.channel !== undefined) await api.tellUser(pressed.channel, userId, text);
  };
  let problem: string | undefined;
  const approver = await emailOf(deps, api, userId, async (text) => {
    problem = text;
  });
  if (approver === undefined) {
    return notice("Not recorded", problem ?? NO_PROFILE_EMAIL);
  }

  const result = await decide(deps, {
    approvalId: metadata.approvalId,
    approver,
    decision: metadata.decision,
    channel: "slack",
    response: readModalAnswers(view.state.values),
  });
  if (result.ok) {
    await reportRecorded(deps, result, pressed, tell);
    return undefined;
  }
  if (result.reason === "invalid-response") {
    const fields = fieldsFor(result.approval.form, metadata.decision);
    const errors = modalErrors(result.problems, fields);
    // No input to show them under (the form has none for this decision): say so instead.
    if (Object.keys(errors).length === 0) return notice("Not recorded", REFUSALS[result.reason]);
    return { response_action: "errors", errors };
  }
  if ("approval" in result) await refreshIfSettled(deps, result.reason, result.approval);
  return notice("Not recorded", REFUSALS[result.reason]);
}

function notice(title: string, text: string): Record<string, unknown> {
  return { response_action: "update", view: renderNoticeModal(title, text) };
}

/** Where the button was pressed: the reply goes there, and that message is kept up to date. */
interface PressedMessage {
  channel: string | undefined;
  ts: string | undefined;
}

/** Tells the approver their decision is recorded, and brings the pressed message up to date. */
async function reportRecorded(
  deps: FlowDeps,
  result: Extract<DecideResult, { ok: true }>,
  pressed: PressedMessage,
  tell: (text: string) => Promise<void>,
): Promise<void> {
  // A press can come before the request's write records where it posted (a fast approver):
  // the pressed message is then unknown to the approval, so bring it up to date here.
  const { channel, ts } = pressed;
  const known = (result.approval.slackMessages ?? []).some(
    (m) => m.channel === channel && m.ts === ts,
  );
  if (!known && channel !== undefined && ts !== undefined) {
    await updateSlackMessages(deps, { ...result.approval, slackMessages: [{ channel, ts }] });
  }
  const what = result.decision.decision === "approve" ? "approval" : "rejection";
  const status = result.approval.status;
  await tell(
    `Your ${what} is recorded${status === "PENDING" ? "; the request waits for more decisions." : `. The request is ${status.toLowerCase()}.`}`,
  );
}

/** A press on a message that still shows buttons for a settled request: bring it up to date. */
async function refreshIfSettled(
  deps: FlowDeps,
  reason: string,
  /** The approval as the refusal read it (settled is final: no need to read it again). */
  approval: Approval | ApprovalView,
) {
  if (reason !== "not-pending" && reason !== "expired") return;
  if (approval.status !== "PENDING") await updateSlackMessages(deps, approval);
}

type BlockActions = z.infer<typeof BlockActionsPayload>;
type ViewSubmission = z.infer<typeof ViewSubmissionPayload>;

/**
 * `payload=<json>` from the form body; undefined when it is neither a block_actions nor a
 * view_submission payload.
 */
function parsePayload(rawBody: string): BlockActions | ViewSubmission | undefined {
  const json = new URLSearchParams(rawBody).get("payload");
  if (json === null) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    return undefined;
  }
  const parsed = InteractionPayload.safeParse(value);
  return parsed.success ? parsed.data : undefined;
}

function unauthorized(c: { body: (data: null, status: 401) => Response }): Response {
  return c.body(null, 401);
}

/**
 * `POST /slack/interactions`: Slack's Interactivity Request URL. A click on Approve / Reject
 * arrives here as a signed `block_actions` payload; anything unsigned, forged or stale is answered
 * 401 before it is parsed. The Slack user becomes an email through `users.info`, and the decision
 * goes through the same `decide` as links, the inbox and the API (`channel: "slack"`), so every
 * policy rule applies. Refusals (not an approver, already decided, settled) are told to the one
 * user who clicked (`chat.postEphemeral`); nothing is recorded for them.
 */
import { type DecideResult, decide, type FlowDeps, log, updateSlackMessages } from "@signoff/core";
import { Hono } from "hono";
import * as z from "zod/mini";
import { parseButtonValue, SlackActionId } from "./slack-blocks.ts";
import type { SlackApi } from "./slack-messenger.ts";
import { describeSlackError } from "./slack-messenger.ts";
import { verifySlackSignature } from "./slack-signature.ts";

export interface SlackInteractions {
  signingSecret: string;
  api: SlackApi;
}

/** Slack's form bodies are small; a body past this is not Slack's. */
const MAX_BODY_BYTES = 256 * 1024;

const BlockActionsPayload = z.object({
  type: z.literal("block_actions"),
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
  "invalid-response":
    "This request asks for answers with your decision, which Slack cannot collect yet. Please decide from the link in your email or from your inbox. Nothing was recorded.",
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
    const action = payload?.actions.find(
      (a) => a.action_id === SlackActionId.approve || a.action_id === SlackActionId.reject,
    );
    const button = parseButtonValue(action?.value);
    if (payload === undefined || action === undefined || button === undefined) {
      return c.body(null, 200);
    }
    const userId = payload.user.id;
    const channel = payload.channel?.id ?? payload.container?.channel_id;
    const tell = async (text: string) => {
      if (channel !== undefined) await slack.api.tellUser(channel, userId, text);
    };
    const expected = action.action_id === SlackActionId.approve ? "approve" : "reject";
    if (button.decision !== expected) return c.body(null, 200);

    // 3. Who clicked: the email on their Slack profile.
    let approver: string | undefined;
    try {
      approver = await slack.api.emailOfUser(userId);
    } catch (error) {
      log(deps, "warn", "slack users.info failed", { error: describeSlackError(error) });
      await tell(
        "signoff could not look up your Slack profile just now. Nothing was recorded; please try again.",
      );
      return c.body(null, 200);
    }
    if (approver === undefined) {
      await tell(
        "Your Slack profile has no email signoff can match to the approvers. Nothing was recorded.",
      );
      return c.body(null, 200);
    }

    // 4. The same decision path as every other channel.
    const result = await decide(deps, {
      approvalId: button.approvalId,
      approver,
      decision: button.decision,
      channel: "slack",
    });
    if (result.ok) {
      // A press can come before the request's write records where it posted (a fast approver):
      // the pressed message is then unknown to the approval, so bring it up to date here.
      const pressedTs = payload.container?.message_ts ?? payload.message?.ts;
      const known = (result.approval.slackMessages ?? []).some(
        (m) => m.channel === channel && m.ts === pressedTs,
      );
      if (!known && channel !== undefined && pressedTs !== undefined) {
        await updateSlackMessages(deps, {
          ...result.approval,
          slackMessages: [{ channel, ts: pressedTs }],
        });
      }
      await tell(
        `Your ${button.decision === "approve" ? "approval" : "rejection"} is recorded${result.approval.status === "PENDING" ? "; the request waits for more decisions." : `. The request is ${result.approval.status.toLowerCase()}.`}`,
      );
      return c.body(null, 200);
    }
    await tell(REFUSALS[result.reason]);
    // A click on a message that still shows buttons for a settled request: bring it up to date.
    if (result.reason === "not-pending" || result.reason === "expired") {
      const stored = await deps.store.get(button.approvalId);
      if (stored !== undefined && stored.status !== "PENDING")
        await updateSlackMessages(deps, stored);
    }
    return c.body(null, 200);
  });

  return app;
}

type BlockActions = z.infer<typeof BlockActionsPayload>;

/** `payload=<json>` from the form body; undefined when it is not a block_actions payload. */
function parsePayload(rawBody: string): BlockActions | undefined {
  const json = new URLSearchParams(rawBody).get("payload");
  if (json === null) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    return undefined;
  }
  const parsed = BlockActionsPayload.safeParse(value);
  return parsed.success ? parsed.data : undefined;
}

function unauthorized(c: { body: (data: null, status: 401) => Response }): Response {
  return c.body(null, 401);
}

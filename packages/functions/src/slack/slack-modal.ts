/**
 * The Slack modal for a request's form: when a decision asks for answers (an amount, a reason, a
 * choice), pressing its button in Slack opens a modal with one input per field; submitting it
 * decides with those answers through the same `decide` as every channel, which validates them.
 * Problems come back under their inputs (`response_action: "errors"`); a refusal that is not
 * about the answers replaces the modal with the reason. The modal carries the approval id, the
 * decision and where the button was pressed in `private_metadata`, never the task token.
 */
import type { ApprovalView, DecisionKind, FormField, ResponseProblem } from "@signoff/core";
import type { ViewsOpenArguments } from "@slack/web-api";
import * as z from "zod/mini";
import { cap, escapeMrkdwn, oneLine } from "./slack-blocks.ts";

/** The `callback_id` of signoff's decision modals. */
export const SLACK_MODAL_CALLBACK = "signoff_decide";
/** Every input element's `action_id`; the field's name is its block's `block_id`. */
export const SLACK_INPUT_ACTION = "value";

/** A modal, as the Web API client types views. */
export type SlackModalView = Extract<ViewsOpenArguments["view"], { type: "modal" }>;

/** What `private_metadata` holds: the decision and the message whose button opened the modal. */
export interface ModalMetadata {
  approvalId: string;
  decision: DecisionKind;
  /** The conversation and message pressed, for the reply and the message's update. */
  channel?: string;
  ts?: string;
}

// Slack's limits: a modal's title and buttons 24 characters, a section 3,000, labels and hints
// 2,000 (signoff's own limits on labels and descriptions are lower), private_metadata 3,000.
const MAX_TITLE = 24;
const MAX_SECTION = 3_000;

const CHANNEL_ID = /^[A-Z0-9]{1,32}$/;
const MESSAGE_TS = /^\d{1,12}\.\d{1,8}$/;

const Metadata = z.object({
  a: z.string().check(z.regex(/^[a-z2-7]{26}$/)),
  d: z.enum(["approve", "reject"]),
  c: z.optional(z.string().check(z.regex(CHANNEL_ID))),
  t: z.optional(z.string().check(z.regex(MESSAGE_TS))),
});

const plain = (text: string) => ({ type: "plain_text" as const, text, emoji: false });

/** The modal asking `fields` (the form's fields for `decision`) of one approver. */
export function renderDecisionModal(
  approval: Pick<ApprovalView, "id" | "subject">,
  fields: readonly FormField[],
  metadata: ModalMetadata,
): SlackModalView {
  const verb = metadata.decision === "approve" ? "Approve" : "Reject";
  const subject = oneLine(approval.subject);
  return {
    type: "modal",
    callback_id: SLACK_MODAL_CALLBACK,
    private_metadata: writeMetadata(metadata),
    title: plain(cap(`${verb} request`, MAX_TITLE)),
    submit: plain(verb),
    close: plain("Cancel"),
    blocks: [
      {
        type: "section",
        text: {
          type: "mrkdwn",
          text: cap(
            `*${escapeMrkdwn(subject)}*\nThis request asks for answers with your ${metadata.decision === "approve" ? "approval" : "rejection"}.`,
            MAX_SECTION,
          ),
        },
      },
      ...fields.map(renderInput),
    ],
  };
}

type ModalBlock = SlackModalView["blocks"][number];

function renderInput(field: FormField): ModalBlock {
  const common = {
    type: "input" as const,
    block_id: field.name,
    label: plain(field.label),
    ...(field.description !== undefined ? { hint: plain(field.description) } : {}),
    // A required checkbox is a confirmation: Slack then insists it is checked.
    optional: !field.required,
  };
  switch (field.type) {
    case "text":
      return {
        ...common,
        element: {
          type: "plain_text_input",
          action_id: SLACK_INPUT_ACTION,
          multiline: field.multiline,
          max_length: field.maxLength,
          ...(field.minLength !== undefined && field.minLength > 0
            ? { min_length: field.minLength }
            : {}),
        },
      };
    case "number":
      return {
        ...common,
        element: {
          type: "number_input",
          action_id: SLACK_INPUT_ACTION,
          is_decimal_allowed: !field.integer,
          ...(field.min !== undefined ? { min_value: String(field.min) } : {}),
          ...(field.max !== undefined ? { max_value: String(field.max) } : {}),
        },
      };
    case "select":
      return {
        ...common,
        element: {
          type: "static_select",
          action_id: SLACK_INPUT_ACTION,
          placeholder: plain("Choose…"),
          // Options are at most 75 characters, Slack's limit for both text and value.
          options: field.options.map((option) => ({ text: plain(option), value: option })),
        },
      };
    case "boolean":
      return {
        ...common,
        element: {
          type: "checkboxes",
          action_id: SLACK_INPUT_ACTION,
          options: [{ text: plain(field.label), value: "true" }],
        },
      };
  }
}

/** A modal that says why nothing was recorded, with no submit button. */
export function renderNoticeModal(title: string, text: string): SlackModalView {
  return {
    type: "modal",
    callback_id: SLACK_MODAL_CALLBACK,
    title: plain(cap(title, MAX_TITLE)),
    close: plain("Close"),
    blocks: [
      { type: "section", text: { type: "mrkdwn", text: cap(escapeMrkdwn(text), MAX_SECTION) } },
    ],
  };
}

/** Where the button was pressed is kept only in a shape `readModalMetadata` accepts back. */
function writeMetadata(metadata: ModalMetadata): string {
  const { channel, ts } = metadata;
  return JSON.stringify({
    a: metadata.approvalId,
    d: metadata.decision,
    ...(channel !== undefined && CHANNEL_ID.test(channel) ? { c: channel } : {}),
    ...(ts !== undefined && MESSAGE_TS.test(ts) ? { t: ts } : {}),
  });
}

/** Reads `private_metadata` back; undefined for anything signoff did not put there. */
export function readModalMetadata(text: string | undefined): ModalMetadata | undefined {
  if (text === undefined || text.length > 3_000) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  const parsed = Metadata.safeParse(value);
  if (!parsed.success) return undefined;
  const { a, d, c, t } = parsed.data;
  return {
    approvalId: a,
    decision: d,
    ...(c !== undefined ? { channel: c } : {}),
    ...(t !== undefined ? { ts: t } : {}),
  };
}

/** One input's state in a view_submission, as Slack sends it. */
const InputState = z.object({
  type: z.string(),
  value: z.optional(z.nullable(z.string())),
  selected_option: z.optional(z.nullable(z.object({ value: z.string() }))),
  selected_options: z.optional(z.array(z.object({ value: z.string() }))),
});

export const ViewStateValues = z.record(z.string(), z.record(z.string(), InputState));

/**
 * The answers in a submitted modal's `state.values`, as `decide` takes them (field name → value;
 * numbers as the decimal text Slack sends, a checkbox as true/false). Blocks that are not the
 * form's inputs are passed on as they are, so `decide` refuses them rather than this guessing.
 */
export function readModalAnswers(
  values: z.infer<typeof ViewStateValues>,
): Record<string, string | boolean | null> {
  const answers: Record<string, string | boolean | null> = {};
  for (const [blockId, actions] of Object.entries(values)) {
    const input = actions[SLACK_INPUT_ACTION];
    if (input === undefined) continue;
    switch (input.type) {
      case "plain_text_input":
      case "number_input":
        answers[blockId] = input.value ?? null;
        break;
      case "static_select":
        answers[blockId] = input.selected_option?.value ?? null;
        break;
      case "checkboxes":
        answers[blockId] = (input.selected_options ?? []).some((o) => o.value === "true");
        break;
      default:
        answers[blockId] = null;
    }
  }
  return answers;
}

/**
 * `response_action: "errors"`: each problem under its field's input. A problem with the whole
 * response (or a field the modal does not show) goes under the first input, so it is seen.
 */
export function modalErrors(
  problems: readonly ResponseProblem[],
  fields: readonly FormField[],
): Record<string, string> {
  const errors: Record<string, string> = {};
  const first = fields[0]?.name;
  for (const problem of problems) {
    const shown = fields.some((field) => field.name === problem.field);
    const block = shown ? problem.field : first;
    if (block === undefined) continue;
    const message = shown ? `This ${problem.message}.` : `${problem.field} ${problem.message}.`;
    errors[block] = errors[block] === undefined ? message : `${errors[block]} ${message}`;
  }
  return errors;
}

import type { FormField } from "@signoff/core";
import { parseForm } from "@signoff/core";
import { describe, expect, it } from "vitest";
import {
  modalErrors,
  readModalAnswers,
  readModalMetadata,
  renderDecisionModal,
  renderNoticeModal,
  SLACK_INPUT_ACTION,
  SLACK_MODAL_CALLBACK,
} from "./slack-modal.ts";

const ID = "abcdefghijklmnopqrstuvwxyz";

function formOf(raw: unknown[]): FormField[] {
  const parsed = parseForm(raw);
  if (!parsed.ok) throw new Error(parsed.message);
  return parsed.form;
}

const FIELDS = formOf([
  { name: "amount", type: "number", label: "Amount", required: true, min: 1, max: 100 },
  { name: "ratio", type: "number", integer: false, description: "0 to 1", min: 0, max: 1 },
  { name: "count", type: "number", integer: true },
  { name: "tier", type: "select", options: ["standard", "priority <b>"] },
  { name: "note", type: "text", multiline: true, maxLength: 300, minLength: 3 },
  { name: "ok", type: "boolean", label: "Budget checked", required: true },
]);

describe("renderDecisionModal", () => {
  const view = renderDecisionModal({ id: ID, subject: "Deploy\n<!channel> & co" }, FIELDS, {
    approvalId: ID,
    decision: "approve",
    channel: "C0APPROVALS",
    ts: "1764936000.000100",
  });

  it("is a modal titled and submitted by the decision, its subject escaped for mrkdwn", () => {
    expect(view).toMatchObject({
      type: "modal",
      callback_id: SLACK_MODAL_CALLBACK,
      title: { type: "plain_text", text: "Approve request" },
      submit: { type: "plain_text", text: "Approve" },
      close: { type: "plain_text", text: "Cancel" },
    });
    expect(view.blocks[0]).toMatchObject({
      type: "section",
      text: { type: "mrkdwn", text: expect.stringContaining("*Deploy &lt;!channel&gt; &amp; co*") },
    });
  });

  it("asks each field with the input Slack has for it, its limits Slack's client enforces", () => {
    expect(view.blocks.slice(1)).toEqual([
      {
        type: "input",
        block_id: "amount",
        label: { type: "plain_text", text: "Amount", emoji: false },
        optional: false,
        element: {
          type: "number_input",
          action_id: SLACK_INPUT_ACTION,
          is_decimal_allowed: true,
          min_value: "1",
          max_value: "100",
        },
      },
      expect.objectContaining({
        block_id: "ratio",
        hint: { type: "plain_text", text: "0 to 1", emoji: false },
        optional: true,
        element: expect.objectContaining({ min_value: "0", max_value: "1" }),
      }),
      expect.objectContaining({
        block_id: "count",
        element: { type: "number_input", action_id: SLACK_INPUT_ACTION, is_decimal_allowed: false },
      }),
      expect.objectContaining({
        block_id: "tier",
        element: expect.objectContaining({
          type: "static_select",
          options: [
            { text: { type: "plain_text", text: "standard", emoji: false }, value: "standard" },
            {
              text: { type: "plain_text", text: "priority <b>", emoji: false },
              value: "priority <b>",
            },
          ],
        }),
      }),
      expect.objectContaining({
        block_id: "note",
        element: {
          type: "plain_text_input",
          action_id: SLACK_INPUT_ACTION,
          multiline: true,
          max_length: 300,
          min_length: 3,
        },
      }),
      expect.objectContaining({
        block_id: "ok",
        optional: false,
        element: {
          type: "checkboxes",
          action_id: SLACK_INPUT_ACTION,
          options: [
            { text: { type: "plain_text", text: "Budget checked", emoji: false }, value: "true" },
          ],
        },
      }),
    ]);
  });

  it("carries the decision and the pressed message in private_metadata, and reads it back", () => {
    expect(readModalMetadata(view.private_metadata)).toEqual({
      approvalId: ID,
      decision: "approve",
      channel: "C0APPROVALS",
      ts: "1764936000.000100",
    });
    const bare = renderDecisionModal({ id: ID, subject: "x" }, FIELDS, {
      approvalId: ID,
      decision: "reject",
    });
    expect(bare.title.text).toBe("Reject request");
    expect(readModalMetadata(bare.private_metadata)).toEqual({
      approvalId: ID,
      decision: "reject",
    });
    // A pressed message in a shape it would not read back is left out, not a broken modal.
    const odd = renderDecisionModal({ id: ID, subject: "x" }, FIELDS, {
      approvalId: ID,
      decision: "approve",
      channel: "<!channel>",
      ts: "soon",
    });
    expect(readModalMetadata(odd.private_metadata)).toEqual({
      approvalId: ID,
      decision: "approve",
    });
  });
});

describe("readModalMetadata", () => {
  it("refuses anything signoff did not write", () => {
    for (const text of [
      undefined,
      "",
      "not json",
      "null",
      JSON.stringify({ a: "short", d: "approve" }),
      JSON.stringify({ a: ID, d: "maybe" }),
      JSON.stringify({ a: ID, d: "approve", c: "<!channel>" }),
      JSON.stringify({ a: ID, d: "approve", t: "soon" }),
      `{"a":"${ID}","d":"approve","x":"${"y".repeat(3_000)}"}`,
    ]) {
      expect(readModalMetadata(text), String(text).slice(0, 40)).toBeUndefined();
    }
  });
});

describe("readModalAnswers", () => {
  it("turns Slack's state values into the answers decide validates", () => {
    expect(
      readModalAnswers({
        amount: { [SLACK_INPUT_ACTION]: { type: "number_input", value: "42" } },
        note: { [SLACK_INPUT_ACTION]: { type: "plain_text_input", value: null } },
        tier: {
          [SLACK_INPUT_ACTION]: { type: "static_select", selected_option: { value: "standard" } },
        },
        none: { [SLACK_INPUT_ACTION]: { type: "static_select", selected_option: null } },
        ok: { [SLACK_INPUT_ACTION]: { type: "checkboxes", selected_options: [{ value: "true" }] } },
        no: { [SLACK_INPUT_ACTION]: { type: "checkboxes", selected_options: [] } },
        odd: { [SLACK_INPUT_ACTION]: { type: "datepicker" } },
        other: { another_action: { type: "plain_text_input", value: "ignored" } },
      }),
    ).toEqual({
      amount: "42",
      note: null,
      tier: "standard",
      none: null,
      ok: true,
      no: false,
      odd: null,
    });
  });
});

describe("modalErrors", () => {
  it("puts each problem under its input, and one about the whole response under the first", () => {
    expect(
      modalErrors(
        [
          { field: "amount", message: "must be at most 100" },
          { field: "ok", message: "must be checked" },
          { field: "response", message: "the answers together are too long" },
          { field: "stray", message: "is not a field of this form" },
        ],
        FIELDS,
      ),
    ).toEqual({
      amount:
        "This must be at most 100. response the answers together are too long. stray is not a field of this form.",
      ok: "This must be checked.",
    });
    expect(modalErrors([{ field: "response", message: "x" }], [])).toEqual({});
  });
});

describe("renderNoticeModal", () => {
  it("says why with no submit button, escaped", () => {
    const view = renderNoticeModal("Not recorded", "Already <settled> & done");
    expect(view.submit).toBeUndefined();
    expect(view.blocks).toEqual([
      { type: "section", text: { type: "mrkdwn", text: "Already &lt;settled&gt; &amp; done" } },
    ]);
  });
});

/**
 * Malformed `POST /v1/approvals/{id}/decisions` requests, by category: broken JSON, the wrong
 * Content-Type, wrong types, huge bodies, deep nesting, prototype-pollution keys, awkward text
 * and bad ids, plus random mixtures. None is a valid decision, so each must be answered 400 (404
 * for an id the router cannot place) as `application/problem+json`, and never 5xx.
 */
import { MAX_COMMENT_LENGTH } from "@signoff/core";
import {
  AWKWARD_STRINGS,
  hugeString,
  nestedJson,
  POLLUTING_OBJECTS,
  WRONG_TYPES,
} from "./hostile-values.ts";
import type { SeededRandom } from "./seeded-random.ts";

/** One request to send; `id` replaces the approval's id in the path when given. */
export interface DecisionBodyCase {
  category: string;
  label: string;
  /** Omitted: no Content-Type header at all. */
  contentType?: string;
  body: string | Uint8Array;
  id?: string;
  /** Statuses that are a correct refusal; default 400. */
  statuses?: readonly number[];
}

const JSON_TYPE = "application/json";

function json(category: string, label: string, value: unknown): DecisionBodyCase {
  return { category, label, contentType: JSON_TYPE, body: JSON.stringify(value) ?? "" };
}

/** The fixed cases. */
export function fixedDecisionBodyCases(): DecisionBodyCase[] {
  const cases: DecisionBodyCase[] = [];
  const valid = '{"decision":"approve"}';

  for (const text of [
    "",
    "{",
    "}",
    '{"decision":',
    '{"decision":"approve"',
    "{'decision':'approve'}",
    '{"decision":"approve",}',
    '{"decision":"approve"}garbage',
    "nul",
    "undefined",
    "NaN",
    "\u0000",
    '{"decision":"approve"}{"decision":"reject"}',
  ]) {
    cases.push({
      category: "malformed JSON",
      label: JSON.stringify(text).slice(0, 40),
      contentType: JSON_TYPE,
      body: text,
    });
  }
  cases.push({
    category: "malformed JSON",
    label: "invalid UTF-8 bytes",
    contentType: JSON_TYPE,
    body: new Uint8Array([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x3a, 0xc3, 0x28, 0x7d]),
  });
  cases.push({
    category: "malformed JSON",
    label: "UTF-16 encoded",
    contentType: JSON_TYPE,
    body: new Uint8Array(Buffer.from(valid, "utf16le")),
  });

  for (const [contentType, body] of [
    [undefined, valid],
    ["text/plain", valid],
    ["application/x-www-form-urlencoded", "decision=approve"],
    [
      "multipart/form-data; boundary=x",
      '--x\r\nContent-Disposition: form-data; name="decision"\r\n\r\napprove\r\n--x--\r\n',
    ],
    ["application/xml", "<decision>approve</decision>"],
    ["text/html", valid],
    ["image/png", valid],
  ] as const) {
    cases.push({
      category: "wrong content type",
      label: contentType ?? "none",
      ...(contentType && { contentType }),
      body,
    });
  }

  for (const [label, value] of WRONG_TYPES) {
    cases.push(json("wrong type", `body = ${label}`, value));
    cases.push(json("wrong type", `decision = ${label}`, { decision: value }));
    if (typeof value !== "string") {
      cases.push(json("wrong type", `comment = ${label}`, { decision: "approve", comment: value }));
    }
  }
  for (const decision of [
    "APPROVE",
    "Approve",
    "approve ",
    "approved",
    "yes",
    "accept",
    "reject\n",
  ]) {
    cases.push(json("wrong type", `decision = ${JSON.stringify(decision)}`, { decision }));
  }
  cases.push(json("wrong type", "no decision", {}));
  cases.push(json("wrong type", "comment only", { comment: "looks good" }));
  cases.push(
    json("wrong type", "approver smuggled in", {
      decision: "approve",
      approver: "mallory@example.com",
    }),
  );
  cases.push(
    json("wrong type", "channel smuggled in", { decision: "approve", channel: "timeout" }),
  );

  cases.push(
    json("huge", `comment of ${MAX_COMMENT_LENGTH + 1} characters`, {
      decision: "approve",
      comment: "c".repeat(MAX_COMMENT_LENGTH + 1),
    }),
  );
  cases.push(
    json("huge", "comment of 500 KB", { decision: "approve", comment: hugeString(500_000) }),
  );
  cases.push(
    json("huge", "comment of 5 MB", { decision: "reject", comment: hugeString(5_000_000) }),
  );
  cases.push(
    json(
      "huge",
      "array of 1,000,000 numbers",
      Array.from({ length: 1_000_000 }, () => 1),
    ),
  );
  cases.push(
    json("huge", "100,000 extra fields", {
      decision: "approve",
      ...Object.fromEntries(Array.from({ length: 100_000 }, (_, i) => [`f${i}`, i])),
    }),
  );

  cases.push({
    category: "deep nesting",
    label: "body 10,000 objects deep",
    contentType: JSON_TYPE,
    body: nestedJson(10_000),
  });
  cases.push({
    category: "deep nesting",
    label: "body 1,000,000 objects deep",
    contentType: JSON_TYPE,
    body: nestedJson(1_000_000),
  });
  cases.push({
    category: "deep nesting",
    label: "comment 10,000 arrays deep",
    contentType: JSON_TYPE,
    // Written out as text: JSON.stringify itself overflows the stack on this.
    body: `{"decision":"approve","comment":${"[".repeat(10_000)}${"]".repeat(10_000)}}`,
  });
  cases.push({
    category: "deep nesting",
    label: "decision 10,000 objects deep",
    contentType: JSON_TYPE,
    body: `{"decision":${nestedJson(10_000)}}`,
  });

  for (const [label, pollution] of POLLUTING_OBJECTS) {
    cases.push({
      category: "prototype pollution",
      label: `body = ${label}`,
      contentType: JSON_TYPE,
      body: pollution,
    });
    cases.push({
      category: "prototype pollution",
      label: `decision with ${label}`,
      contentType: JSON_TYPE,
      body: `{"decision":"approve",${pollution.slice(1, -1)}}`,
    });
  }

  for (const [label, text] of AWKWARD_STRINGS) {
    cases.push(json("unicode and control text", `decision = ${label}`, { decision: text }));
    cases.push(
      json("unicode and control text", `decision with ${label} appended`, {
        decision: `approve${text}`,
      }),
    );
  }
  cases.push(
    json("unicode and control text", "Cyrillic а in approve", { decision: "\u0430pprove" }),
  );
  cases.push(
    json("unicode and control text", "zero-width inside approve", { decision: "app\u200brove" }),
  );

  for (const [label, id] of [
    ["not the id pattern", "NOT-AN-ID"],
    ["upper case", "K5Q3V7B2MFZ4XW6N8D2CJ3H7TA"],
    ["27 characters", "k5q3v7b2mfz4xw6n8d2cj3h7taa"],
    ["5,000 characters", "a".repeat(5000)],
    ["percent-encoded NUL", "%00"],
    ["percent-encoded slash", "..%2f..%2fhealth"],
    ["unicode", "%F0%9F%9A%80"],
    ["DynamoDB key syntax", "APPROVAL%23x"],
  ] as const) {
    cases.push({
      category: "bad id",
      label,
      contentType: JSON_TYPE,
      body: valid,
      id,
      statuses: [400, 404],
    });
  }
  return cases;
}

/** `count` random bodies, none a valid decision: a random decision, comment and extra field. */
export function randomDecisionBodyCases(random: SeededRandom, count: number): DecisionBodyCase[] {
  const values = [...WRONG_TYPES.map(([, v]) => v), ...AWKWARD_STRINGS.map(([, v]) => v)];
  return Array.from({ length: count }, (_, index) => {
    const body: Record<string, unknown> = {};
    // The decision is never one of the two valid ones, so the body can never decide.
    if (random.chance(0.8)) body.decision = random.pick(values);
    if (random.chance(0.5)) body.comment = random.pick(values);
    if (random.chance(0.3)) body[random.pick(AWKWARD_STRINGS)[1]] = random.pick(values);
    return json("random", `#${index}`, body);
  });
}

/**
 * Malformed request-approval payloads, by category: not an object, token problems, a wrong type
 * for every field (and every nested field), invalid emails, awkward unicode, sizes past every
 * limit, nesting 10,000 deep, prototype-pollution keys, non-finite numbers, and random mixtures
 * of all of these. Each must be refused as `Approval.InvalidRequest` or stored, nothing else.
 */
import { randomBytes } from "node:crypto";
import {
  AWKWARD_STRINGS,
  BAD_EMAILS,
  hugeObject,
  hugeString,
  nestedArray,
  nestedObject,
  POLLUTING_OBJECTS,
  WRONG_TYPES,
} from "./hostile-values.ts";
import type { SeededRandom } from "./seeded-random.ts";

/** One payload to invoke request-approval with. */
export interface PayloadCase {
  category: string;
  label: string;
  payload: unknown;
  /** The token the payload carries, so errors can be searched for it. */
  token?: string;
}

/** The fields of the request contract, each of which gets every wrong type. */
const FIELDS = [
  "taskToken",
  "token",
  "TaskToken",
  "approvers",
  "subject",
  "details",
  "requestedBy",
  "policy",
  "timeoutSeconds",
  "onTimeout",
  "rejectAs",
  "executionArn",
  "reminders",
  "heartbeatSeconds",
  "escalation",
] as const;

/** A token shaped like Step Functions' (opaque base64), unique per case. */
export function fakeTaskToken(): string {
  return `AQB${randomBytes(384).toString("base64")}`;
}

/** A payload signoff accepts: the base every case breaks in one place. */
function validPayload(token = fakeTaskToken()): Record<string, unknown> {
  return {
    taskToken: token,
    approvers: ["alice@example.com", "bob@example.com"],
    subject: "Payload case",
    timeoutSeconds: 3600,
  };
}

/** The valid payload with `field` set to `value` (or removed, for undefined). */
function withField(field: string, value: unknown): { payload: unknown; token: string } {
  const payload = validPayload();
  const token = payload.taskToken as string;
  if (value === undefined) delete payload[field];
  else payload[field] = value;
  return { payload, token };
}

/** The valid payload with `field` holding the object JSON.parse makes of `json` (own `__proto__`). */
function withParsedField(field: string | undefined, json: string) {
  const payload = validPayload();
  const base = JSON.stringify(payload).slice(1, -1);
  const text =
    field === undefined ? `{${base},${json.slice(1, -1)}}` : `{${base},"${field}":${json}}`;
  return { payload: JSON.parse(text) as unknown, token: payload.taskToken as string };
}

/** The fixed cases: every category, every field. */
export function fixedPayloadCases(): PayloadCase[] {
  const cases: PayloadCase[] = [];
  const add = (category: string, label: string, built: { payload: unknown; token?: string }) =>
    cases.push({ category, label, ...built });

  for (const [label, payload] of [
    ["null", null],
    ["undefined", undefined],
    ["a number", 42],
    ["a string", "approve please"],
    ["an array", []],
    ["an array holding a payload", [validPayload()]],
    ["true", true],
  ] as const) {
    add("payload not an object", label, { payload });
  }

  add("task token", "missing", withField("taskToken", undefined));
  add("task token", "2,049 characters", withField("taskToken", "A".repeat(2049)));
  add("task token", "5 MB", withField("taskToken", hugeString(5_000_000)));
  const conflicting = validPayload();
  add("task token", "three names, three values", {
    payload: { ...conflicting, token: fakeTaskToken(), TaskToken: fakeTaskToken() },
    token: conflicting.taskToken as string,
  });

  for (const field of FIELDS) {
    for (const [label, value] of WRONG_TYPES) {
      add("wrong type", `${field} = ${label}`, withField(field, value));
    }
  }

  for (const [label, value] of WRONG_TYPES) {
    add("wrong nested type", `approvers[0] = ${label}`, withField("approvers", [value]));
    add(
      "wrong nested type",
      `policy.required = ${label}`,
      withField("policy", { required: value }),
    );
    add(
      "wrong nested type",
      `reminders.everySeconds = ${label}`,
      withField("reminders", { everySeconds: value }),
    );
    add("wrong nested type", `reminders.at[0] = ${label}`, withField("reminders", { at: [value] }));
    add(
      "wrong nested type",
      `escalation.afterSeconds = ${label}`,
      withField("escalation", { afterSeconds: value, to: ["carol@example.com"] }),
    );
    add(
      "wrong nested type",
      `escalation.to = ${label}`,
      withField("escalation", { afterSeconds: 60, to: value }),
    );
  }

  for (const [label, email] of BAD_EMAILS) {
    add("invalid email", `approvers: ${label}`, withField("approvers", [email]));
    add("invalid email", `requestedBy: ${label}`, withField("requestedBy", email));
    add(
      "invalid email",
      `escalation.to: ${label}`,
      withField("escalation", { afterSeconds: 60, to: [email] }),
    );
  }

  for (const [label, text] of AWKWARD_STRINGS) {
    add("unicode and control text", `subject: ${label}`, withField("subject", text));
    add("unicode and control text", `details: ${label}`, withField("details", text));
    add("unicode and control text", `requestedBy: ${label}`, withField("requestedBy", text));
    add("unicode and control text", `context key: ${label}`, withField(text, text));
    add("unicode and control text", `details key: ${label}`, withField("details", { [text]: 1 }));
  }

  for (const [label, field, value] of [
    ["details text 500 KB", "details", hugeString(500_000)],
    ["details object 5 MB", "details", hugeObject(5_000_000)],
    ["context field 5 MB", "notes", hugeString(5_000_000)],
    ["subject 5 MB", "subject", hugeString(5_000_000)],
    ["requestedBy 500 KB", "requestedBy", hugeString(500_000)],
    ["executionArn 5 MB", "executionArn", `arn:${hugeString(5_000_000)}`],
    [
      "100,000 approvers",
      "approvers",
      Array.from({ length: 100_000 }, (_, i) => `a${i}@example.com`),
    ],
    [
      "details with 100,000 keys",
      "details",
      Object.fromEntries(Array.from({ length: 100_000 }, (_, i) => [`k${i}`, i])),
    ],
  ] as const) {
    add("huge", label, withField(field, value));
  }

  for (const [label, field, value] of [
    ["details 10,000 objects deep", "details", nestedObject(10_000)],
    ["details 10,000 arrays deep", "details", { list: nestedArray(10_000) }],
    ["context 10,000 objects deep", "deep", nestedObject(10_000)],
    ["approvers 10,000 arrays deep", "approvers", nestedArray(10_000)],
    ["policy 10,000 objects deep", "policy", nestedObject(10_000)],
    ["reminders 10,000 arrays deep", "reminders", { at: nestedArray(10_000) }],
    ["details 15 deep (within the limit)", "details", nestedObject(15)],
    ["details 17 deep (past the limit)", "details", nestedObject(17)],
  ] as const) {
    add("deep nesting", label, withField(field, value));
  }

  for (const [label, json] of POLLUTING_OBJECTS) {
    add("prototype pollution", `top level ${label}`, withParsedField(undefined, json));
    for (const field of ["details", "policy", "reminders", "escalation"]) {
      add("prototype pollution", `${field} = ${label}`, withParsedField(field, json));
    }
  }

  for (const [label, value] of [
    ["-0", -0],
    ["2^53", 2 ** 53],
    ["1e21", 1e21],
    ["one year and a second", 365 * 24 * 3600 + 1],
    ["NaN", Number.NaN],
    ["Infinity", Number.POSITIVE_INFINITY],
  ] as const) {
    add("numbers", `timeoutSeconds = ${label}`, withField("timeoutSeconds", value));
    add("numbers", `heartbeatSeconds = ${label}`, withField("heartbeatSeconds", value));
    add("numbers", `policy.required = ${label}`, withField("policy", { required: value }));
  }
  return cases;
}

/** Values the random cases draw from: everything above, small enough to run by the hundred. */
function randomValue(random: SeededRandom): unknown {
  return random.pick<() => unknown>([
    () => random.pick(WRONG_TYPES)[1],
    () => random.pick(AWKWARD_STRINGS)[1],
    () => random.pick(BAD_EMAILS)[1],
    () => [random.pick(BAD_EMAILS)[1], random.pick(AWKWARD_STRINGS)[1]],
    () => nestedObject(random.int(1, 40)),
    () => JSON.parse(random.pick(POLLUTING_OBJECTS)[1]) as unknown,
    () => ({ [random.pick(AWKWARD_STRINGS)[1]]: random.pick(WRONG_TYPES)[1] }),
    () => hugeString(random.int(0, 70_000)),
  ])();
}

/** `count` random cases: one to three fields of a valid payload replaced, the token sometimes dropped. */
export function randomPayloadCases(random: SeededRandom, count: number): PayloadCase[] {
  const fieldNames = [...FIELDS, "context", "__proto__", "constructor"];
  return Array.from({ length: count }, (_, index) => {
    const payload = validPayload();
    const token = payload.taskToken as string;
    const changed: string[] = [];
    for (let i = random.int(1, 3); i > 0; i--) {
      const field = random.pick(fieldNames);
      // defineProperty, so `__proto__` becomes an own key as JSON.parse would make it.
      Object.defineProperty(payload, field, {
        value: randomValue(random),
        enumerable: true,
        configurable: true,
        writable: true,
      });
      changed.push(field);
    }
    if (random.chance(0.1)) delete payload.taskToken;
    return { category: "random", label: `#${index} (${changed.join(", ")})`, payload, token };
  });
}

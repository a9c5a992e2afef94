/**
 * Turns a raw request-approval payload into the domain's input, or throws an error named
 * `Approval.InvalidRequest` (what a state machine Catches) whose message names the field.
 */
import {
  DEFAULT_SUBJECT,
  type NewApprovalInput,
  parseForm,
  type ReminderPlan,
} from "@signoff/core";
import { prettifyError } from "zod/mini";
import {
  KNOWN_FIELDS,
  MAX_DEPTH,
  MAX_SHOWN_BYTES,
  RequestFields,
  TOKEN_MAX_LENGTH,
} from "./request-schema.ts";

/** The error a state machine sees for a payload signoff cannot accept. Never carries the token. */
export class InvalidRequestError extends Error {
  override readonly name = "Approval.InvalidRequest";
  readonly code = "InvalidRequest" as const;
  /** The payload field at fault, e.g. `approvers[1]`. */
  readonly field: string;

  constructor(field: string, problem: string, options?: ErrorOptions) {
    super(`${field}: ${problem}`, options);
    this.field = field;
  }
}

export interface RequestDefaults {
  approvers: readonly string[];
  timeoutSeconds: number;
  /** Reminders for requests that do not say (`SIGNOFF_DEFAULT_REMINDERS`). */
  reminders?: ReminderPlan;
  /** True when the deployment has Slack (a bot token and a signing secret); else `slack` is refused. */
  slack?: boolean;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * What makes free-form data unstorable: a number JSON cannot hold, nesting deeper than `limit`,
 * or an object key that
 * JavaScript objects treat specially. The DynamoDB marshaller reads `constructor` as the object's
 * class (a `{"name": "Set"}` under it even changes how the object is stored), and assigning a
 * `__proto__` key (which JSON.parse makes an own property) replaces an object's prototype instead.
 * Walked iteratively so hostile nesting cannot blow the stack.
 */
function findShapeProblem(value: unknown, limit: number): string | undefined {
  const stack: Array<[unknown, number]> = [[value, 0]];
  while (stack.length > 0) {
    const [current, depth] = stack.pop()!;
    if (typeof current === "number" && !isStorableNumber(current)) {
      return "must hold only numbers DynamoDB can keep exactly: whole numbers within ±9007199254740991, fractions no smaller than 1e-130 (send others as text)";
    }
    if (typeof current !== "object" || current === null) continue;
    if (depth >= limit) return `must not nest deeper than ${limit} levels`;
    const special = Array.isArray(current) ? undefined : specialKeyOf(current);
    if (special !== undefined) return `must not use "${special}" as a key`;
    for (const child of Object.values(current)) stack.push([child, depth + 1]);
  }
  return undefined;
}

/**
 * Whether a number survives the DynamoDB marshaller and DynamoDB itself unchanged. NaN and
 * Infinity only come from code (JSON has neither); whole numbers past 2^53 were already rounded by
 * JSON.parse, and DynamoDB holds no magnitude below 1e-130.
 */
function isStorableNumber(value: number): boolean {
  if (Number.isInteger(value)) return Number.isSafeInteger(value);
  return Number.isFinite(value) && Math.abs(value) >= 1e-130;
}

/** Keys JavaScript objects treat specially, which user data may not use. */
const SPECIAL_KEYS = ["__proto__", "constructor"] as const;

function specialKeyOf(object: object): string | undefined {
  return SPECIAL_KEYS.find((key) => Object.hasOwn(object, key));
}

function formatPath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const part of path) {
    out += typeof part === "number" ? `[${part}]` : `${out ? "." : ""}${String(part)}`;
  }
  return out || "payload";
}

/**
 * The task tokens a payload carries, valid or not otherwise: every string under the token's
 * three names that could be a token (1 to 2,048 characters). Used to fail those tasks when the
 * payload is refused.
 */
export function findTaskTokens(payload: unknown): string[] {
  if (!isPlainObject(payload)) return [];
  return TOKEN_FIELDS.map((name) => payload[name]).filter(
    (value): value is string =>
      typeof value === "string" && value.length > 0 && value.length <= TOKEN_MAX_LENGTH,
  );
}

const TOKEN_FIELDS = ["taskToken", "token", "TaskToken"] as const;

/**
 * Validates a payload against the request contract.
 * @throws InvalidRequestError naming the first bad field.
 */
export function parseApprovalRequest(
  payload: unknown,
  defaults: RequestDefaults,
): NewApprovalInput {
  // 1. The payload is a JSON object; split known fields from context.
  if (!isPlainObject(payload)) throw new InvalidRequestError("payload", "must be a JSON object");
  // Checked before the split below, whose assignments would turn a `__proto__` key into a prototype.
  const special = specialKeyOf(payload);
  if (special !== undefined) {
    throw new InvalidRequestError("context", `must not use "${special}" as a key`);
  }
  const known: Record<string, unknown> = {};
  const context: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(payload)) {
    (KNOWN_FIELDS.has(key) ? known : context)[key] = value;
  }

  // 2. What will be stored and shown stays small and shallow.
  for (const [field, value] of [
    ["details", known.details],
    ["context", context],
  ] as const) {
    const problem = findShapeProblem(value, MAX_DEPTH);
    if (problem !== undefined) throw new InvalidRequestError(field, problem);
  }
  const shownBytes = Buffer.byteLength(JSON.stringify([known.details ?? null, context]));
  if (shownBytes > MAX_SHOWN_BYTES) {
    throw new InvalidRequestError(
      "details",
      `details and context must total at most ${MAX_SHOWN_BYTES} bytes of JSON (got ${shownBytes})`,
    );
  }

  // 3. Known fields by schema; the first issue names the field.
  const parsed = RequestFields.safeParse(known);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new InvalidRequestError(formatPath(issue.path), issue.message, {
      cause: prettifyError(parsed.error),
    });
  }
  const fields = parsed.data;

  // 4. Exactly one task token, under any of its accepted names.
  const tokens = new Set(
    [fields.taskToken, fields.token, fields.TaskToken].filter((t) => t !== undefined),
  );
  if (tokens.size === 0)
    throw new InvalidRequestError("taskToken", "is required (also accepted as token or TaskToken)");
  if (tokens.size > 1)
    throw new InvalidRequestError("taskToken", "was given more than once with different values");
  const [taskToken] = tokens as Set<string>;

  // 5. Defaults from configuration.
  const approvers = [...new Set(fields.approvers ?? defaults.approvers)];
  if (approvers.length === 0) {
    throw new InvalidRequestError(
      "approvers",
      "none given and no default approvers are configured",
    );
  }
  const required = fields.policy?.required ?? 1;
  if (required > approvers.length) {
    throw new InvalidRequestError(
      "policy.required",
      `is ${required} but there are only ${approvers.length} approvers`,
    );
  }

  const reminders = fields.reminders ?? defaults.reminders;
  if (fields.slack !== undefined && defaults.slack !== true) {
    throw new InvalidRequestError(
      "slack",
      "Slack is not configured for this deployment (no bot token and signing secret)",
    );
  }

  // 6. The response form, by the same parser `buildApproval` checks it with.
  const form = parseForm(fields.form);
  if (!form.ok) throw new InvalidRequestError(form.field, form.message);

  return {
    taskToken: taskToken!,
    approvers,
    subject: fields.subject ?? DEFAULT_SUBJECT,
    ...(fields.details !== undefined && { details: fields.details }),
    ...(fields.requestedBy !== undefined && { requestedBy: fields.requestedBy }),
    policy: { required },
    timeoutSeconds: fields.timeoutSeconds ?? defaults.timeoutSeconds,
    onTimeout: fields.onTimeout ?? "fail",
    rejectAs: fields.rejectAs ?? "failure",
    ...(fields.executionArn !== undefined && { executionArn: fields.executionArn }),
    ...(reminders !== undefined && { reminders }),
    ...(fields.escalation !== undefined && { escalation: fields.escalation }),
    ...(fields.heartbeatSeconds !== undefined && { heartbeatSeconds: fields.heartbeatSeconds }),
    ...(fields.tags !== undefined && { tags: fields.tags }),
    ...(form.form.length > 0 && { form: form.form }),
    ...(fields.slack !== undefined && { slack: fields.slack }),
    ...(fields.webhooks !== undefined && { webhooks: fields.webhooks }),
    context,
  };
}

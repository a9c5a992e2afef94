/**
 * Parses `signoff approvals <action> …` with node's `util.parseArgs` into one of the commands
 * the CLI runs, or a UsageError that names what is wrong.
 */
import { parseArgs } from "node:util";
import { UsageError } from "./errors.ts";

export const APPROVAL_STATUSES = [
  "PENDING",
  "APPROVED",
  "REJECTED",
  "EXPIRED",
  "CANCELLED",
] as const;
export type ApprovalStatusFilter = (typeof APPROVAL_STATUSES)[number];

/** How to reach the API, as the flags say; config.ts fills the gaps from env and stack.json. */
export interface ConnectionFlags {
  url?: string;
  token?: string;
  as?: string;
}

export interface ListFilters {
  status?: ApprovalStatusFilter;
  /** `me` or an email. */
  approver: string;
  execution?: string;
  tag?: string;
  limit?: number;
  cursor?: string;
}

export type Command =
  | { action: "list"; filters: ListFilters; all: boolean }
  | { action: "show"; id: string }
  | {
      action: "approve" | "reject";
      id: string;
      comment?: string;
      /** Answers to the approval's form, by field name (checked by the server). */
      response?: Record<string, string | number | boolean>;
    }
  | { action: "resend"; id: string }
  | { action: "webhooks" | "replay-webhooks"; id: string };

export type ParsedArgs =
  | { kind: "help" }
  | { kind: "run"; command: Command; connection: ConnectionFlags; json: boolean };

/** The text `--help` prints. */
export const USAGE = `Usage: signoff approvals <command> [options]

Commands:
  list                  approvals addressed to you, newest first
  show <id>             one approval: context, decisions, deadline, outcome
  approve <id>          approve as the token's owner
  reject <id>           reject as the token's owner
  resend <id>           email the request again to those who have not decided
  webhooks <id>         admins: the approval's webhook messages and their delivery
  replay-webhooks <id>  admins: send its given-up webhook messages again

Options:
  --comment TEXT        with approve or reject: a comment stored with the decision
  --response JSON       with approve or reject: answers to the approval's form, as a
                        JSON object, e.g. '{"amount": 2500, "region": "eu"}'
  --status STATUS       list: PENDING, APPROVED, REJECTED, EXPIRED or CANCELLED
  --approver WHO        list: me (default) or an approver's email
  --execution ARN       list: approvals of one Step Functions execution
  --tag TAG             list: approvals whose request carries this tag
  --limit N             list: at most N per page (1-100)
  --cursor CURSOR       list: continue where a previous page stopped
  --all                 list: follow the cursor through every page
  --json                print the API's JSON instead of tables
  --url URL             the API (else SIGNOFF_URL, else the local stack's stack.json)
  --token JWT           a bearer token (else SIGNOFF_TOKEN, else a dev token from stack.json)
  --as EMAIL            with the local stack: whose dev token to use
                        (default: the first approver in stack.json who is not an admin)
  -h, --help            show this text

A token and its URL come from the same place: --token or SIGNOFF_TOKEN needs --url or
SIGNOFF_URL too, and stack.json's dev tokens go only to the local stack's own API. The
local stack (npm start) writes stack.json to SIGNOFF_STATE_DIR (default .local/ at the
repository root). Exit codes: 0 done, 1 the API refused or could not be reached,
2 a wrong command line or nothing to connect to.`;

const OPTIONS = {
  help: { type: "boolean", short: "h" },
  json: { type: "boolean" },
  all: { type: "boolean" },
  comment: { type: "string" },
  response: { type: "string" },
  status: { type: "string" },
  approver: { type: "string" },
  execution: { type: "string" },
  tag: { type: "string" },
  limit: { type: "string" },
  cursor: { type: "string" },
  url: { type: "string" },
  token: { type: "string" },
  as: { type: "string" },
} as const;

type Values = ReturnType<
  typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true }>
>["values"];

const LIST_ONLY = ["status", "approver", "execution", "tag", "limit", "cursor", "all"] as const;

/** Parses argv (without node and the script); throws UsageError naming the problem. */
export function parseCliArgs(argv: readonly string[]): ParsedArgs {
  let values: Values;
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({
      args: [...argv],
      options: OPTIONS,
      allowPositionals: true,
      strict: true,
    }));
  } catch (error) {
    // parseArgs says what it found ("Unknown option '--x'"), not how to recover.
    throw new UsageError(`${(error as Error).message.replace(/\.$/, "")}; see signoff --help`);
  }
  if (values.help) return { kind: "help" };

  const [group, action, id, ...extra] = positionals;
  if (group === undefined) throw new UsageError("no command given; see signoff --help");
  if (group !== "approvals") {
    throw new UsageError(`unknown command "${group}"; the commands are signoff approvals …`);
  }
  if (action === undefined) {
    throw new UsageError(
      "approvals needs a command: list, show, approve, reject, resend, webhooks or replay-webhooks",
    );
  }
  if (extra.length > 0) throw new UsageError(`unexpected argument "${extra[0]}"`);

  return {
    kind: "run",
    command: toCommand(action, id, values),
    connection: toConnection(values),
    json: values.json === true,
  };
}

function toCommand(action: string, id: string | undefined, values: Values): Command {
  if (action !== "list") {
    const misplaced = LIST_ONLY.find((name) => values[name] !== undefined);
    if (misplaced) throw new UsageError(`--${misplaced} only applies to approvals list`);
  }
  if (values.comment !== undefined && action !== "approve" && action !== "reject") {
    throw new UsageError("--comment only applies to approve and reject");
  }
  if (values.response !== undefined && action !== "approve" && action !== "reject") {
    throw new UsageError("--response only applies to approve and reject");
  }
  switch (action) {
    case "list":
      if (id !== undefined) throw new UsageError(`unexpected argument "${id}"`);
      return { action, filters: toFilters(values), all: values.all === true };
    case "show":
    case "resend":
    case "webhooks":
    case "replay-webhooks":
      return { action, id: requireId(action, id) };
    case "approve":
    case "reject":
      return {
        action,
        id: requireId(action, id),
        ...(values.comment !== undefined && { comment: values.comment }),
        ...(values.response !== undefined && { response: parseResponse(values.response) }),
      };
    default:
      throw new UsageError(
        `unknown command "approvals ${action}"; use list, show, approve, reject, resend, webhooks or replay-webhooks`,
      );
  }
}

/** `--response`: a JSON object of text, numbers and booleans; the server checks it further. */
function parseResponse(text: string): Record<string, string | number | boolean> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new UsageError("--response must be a JSON object, e.g. '{\"amount\": 2500}'");
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw new UsageError("--response must be a JSON object, e.g. '{\"amount\": 2500}'");
  }
  for (const [name, value] of Object.entries(parsed)) {
    if (!["string", "number", "boolean"].includes(typeof value)) {
      throw new UsageError(`--response: "${name}" must be text, a number or true/false`);
    }
  }
  return parsed as Record<string, string | number | boolean>;
}

function requireId(action: string, id: string | undefined): string {
  if (id === undefined || id.trim() === "") {
    throw new UsageError(`approvals ${action} needs an approval id`);
  }
  return id;
}

function toFilters(values: Values): ListFilters {
  const filters: ListFilters = { approver: nonEmpty("approver", values.approver) ?? "me" };
  const status = values.status?.toUpperCase();
  if (status !== undefined) {
    if (!isStatus(status)) {
      throw new UsageError(`--status must be one of ${APPROVAL_STATUSES.join(", ")}`);
    }
    filters.status = status;
  }
  if (values.limit !== undefined) filters.limit = parseLimit(values.limit);
  for (const name of ["execution", "tag", "cursor"] as const) {
    const value = nonEmpty(name, values[name]);
    if (value !== undefined) filters[name] = value;
  }
  return filters;
}

function isStatus(value: string): value is ApprovalStatusFilter {
  return (APPROVAL_STATUSES as readonly string[]).includes(value);
}

function parseLimit(raw: string): number {
  const limit = Number(raw);
  if (!/^\d+$/.test(raw) || limit < 1 || limit > 100) {
    throw new UsageError("--limit must be a whole number from 1 to 100");
  }
  return limit;
}

function nonEmpty(name: string, value: string | undefined): string | undefined {
  if (value !== undefined && value.trim() === "") throw new UsageError(`--${name} needs a value`);
  return value;
}

function toConnection(values: Values): ConnectionFlags {
  if (values.token !== undefined && values.as !== undefined) {
    throw new UsageError("use --token or --as, not both");
  }
  return {
    ...(nonEmpty("url", values.url) !== undefined && { url: values.url }),
    ...(nonEmpty("token", values.token) !== undefined && { token: values.token }),
    ...(nonEmpty("as", values.as) !== undefined && { as: values.as }),
  };
}

import { mkdir, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { DevOidcIssuer } from "@signoff/dev-issuer";
import type { SlackStandIn } from "@signoff/slack-local";
import type { Stack } from "./stack-types.ts";

/**
 * How to call the stack's `/v1` API and sign in to its inbox: the dev OIDC issuer and a
 * ready-made token per demo person. Dev-only: anyone can mint these on the local stack.
 */
export interface StackFileAuth {
  /** The `iss` the API expects, e.g. `http://127.0.0.1:8086`. */
  issuer: string;
  /** The `aud` the API expects. */
  audience: string;
  jwksUrl: string;
  /** The dev issuer's login page, which signs people in to the inbox. */
  login: string;
  /**
   * A bearer JWT per person, keyed by lower-cased email: the demo approvers
   * (`alice@example.com`, `bob@example.com`) and the admin (`admin@example.com`, in the admin
   * group). Valid for DEV_TOKEN_TTL_SECONDS (12 h) from the start.
   */
  tokens: Record<string, string>;
}

/**
 * How to reach the Slack stand-in: its page, its Web API (for `@slack/web-api`'s `slackApiUrl`),
 * the bot token it accepts and the secret it signs button presses with. Dev-only values, fresh
 * at every start.
 */
export interface StackFileSlack {
  url: string;
  apiUrl: string;
  botToken: string;
  signingSecret: string;
}

/** The contents of `.local/stack.json`: how other tools find a running stack. */
export interface StackFile {
  region: string;
  endpoints: {
    dynamodb: string;
    sesv2: string;
    stepfunctions: string;
    /** null until the stack runs an API. */
    api: string | null;
    inbox: string;
  };
  stateMachines: Record<string, string>;
  /** null when the stack runs no dev issuer. */
  auth: StackFileAuth | null;
  /** null when the stack runs no Slack stand-in. */
  slack: StackFileSlack | null;
}

/** The file's name inside the state directory. */
export const STACK_FILE_NAME = "stack.json";

/** What a running stack writes about itself. */
export function toStackFile(
  stack: Stack,
  auth: StackFileAuth | null = null,
  slack: StackFileSlack | null = null,
): StackFile {
  const { dynamodb, sesv2, stepfunctions, api, inbox } = stack.endpoints;
  return {
    region: stack.region,
    endpoints: { dynamodb, sesv2, stepfunctions, api: api ?? null, inbox },
    stateMachines: { ...stack.stateMachines },
    auth,
    slack,
  };
}

/** The `auth` block for a dev issuer: its addresses and a fresh token for each of its people. */
export async function toStackFileAuth(issuer: DevOidcIssuer): Promise<StackFileAuth> {
  const tokens: Record<string, string> = {};
  for (const person of issuer.people) {
    tokens[person.email.toLowerCase()] = await issuer.token(person.email, {
      admin: person.admin === true,
    });
  }
  return {
    issuer: issuer.issuer,
    audience: issuer.audience,
    jwksUrl: issuer.jwksUrl,
    login: issuer.loginUrl,
    tokens,
  };
}

/** The `slack` block for a running stand-in. */
export function toStackFileSlack(standIn: SlackStandIn): StackFileSlack {
  const { url, apiUrl, botToken, signingSecret } = standIn;
  return { url, apiUrl, botToken, signingSecret };
}

/**
 * Writes `stack.json` into `dir` (created if missing) and returns its path. The file holds
 * bearer tokens, so only its owner may read it: an old file (perhaps readable by others) is
 * removed first, and the new one is created 0600. It holds the Slack stand-in's token and secret too.
 */
export async function writeStackFile(
  dir: string,
  stack: Stack,
  auth: StackFileAuth | null = null,
  slack: StackFileSlack | null = null,
): Promise<string> {
  await mkdir(dir, { recursive: true });
  const path = join(dir, STACK_FILE_NAME);
  await rm(path, { force: true });
  await writeFile(path, `${JSON.stringify(toStackFile(stack, auth, slack), null, 2)}\n`, {
    mode: 0o600,
    flag: "wx",
  });
  return path;
}

/** Removes `stack.json` when the stack stops, so no tool mistakes a stopped stack for a running one. */
export async function removeStackFile(path: string): Promise<void> {
  await rm(path, { force: true });
}

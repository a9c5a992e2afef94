/**
 * CSRF protection for the inbox's decision forms, with the links' stateless form nonce: signed by
 * the link keyring (no new secret), bound to the approval, the approver and this session's token.
 * The binding stands where a link's `jti` stands; a link's `jti` is random base64url and never
 * starts with `inbox.`, so a nonce from a link page cannot serve the inbox, nor the reverse.
 */
import { createHash } from "node:crypto";
import {
  type ApprovalView,
  type FlowDeps,
  type FormNonceVerification,
  LINK_AUDIENCE,
  type LinkClaims,
} from "@signoff/core";
import type { InboxSession } from "./inbox-session.ts";

function sessionBinding(token: string): string {
  return `inbox.${createHash("sha256").update(token).digest("base64url").slice(0, 22)}`;
}

function deadlineSeconds(approval: Pick<ApprovalView, "deadline">): number {
  return Math.floor(Date.parse(approval.deadline) / 1000);
}

/** A nonce for one approval's form on this session's inbox page. */
export function signInboxNonce(
  deps: Pick<FlowDeps, "links" | "clock">,
  session: InboxSession,
  approval: Pick<ApprovalView, "id" | "deadline">,
): Promise<string> {
  return deps.links.signFormNonce(
    {
      aid: approval.id,
      sub: session.caller.email,
      jti: sessionBinding(session.token),
      exp: deadlineSeconds(approval),
    },
    { now: deps.clock() },
  );
}

/** Checks a posted nonce against the approval in the URL and this session. */
export function verifyInboxNonce(
  deps: Pick<FlowDeps, "links" | "clock">,
  session: InboxSession,
  approvalId: string,
  nonce: string,
): Promise<FormNonceVerification> {
  const now = deps.clock();
  // The nonce check reads only `aid`, `sub` and `jti`; the rest keeps the type honest.
  const binding: LinkClaims = {
    aud: LINK_AUDIENCE,
    aid: approvalId,
    sub: session.caller.email,
    act: "approve",
    jti: sessionBinding(session.token),
    iat: Math.floor(now.getTime() / 1000),
    exp: Math.floor(now.getTime() / 1000),
  };
  return deps.links.verifyFormNonce(nonce, binding, { now });
}

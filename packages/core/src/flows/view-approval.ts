/**
 * What `GET /a/{link}` shows. It changes no approval state, because mail scanners and link
 * previewers open every link; a decision needs the page's form (see `decideByLink`).
 */
import type { Approval, Decision } from "../approval.ts";
import { toApprovalView } from "../approval-view.ts";
import { isRequester } from "../identity.ts";
import type { LinkAction, LinkClaims } from "../links.ts";
import type { ApprovalView } from "../ports.ts";
import { describeError, type FlowDeps, log } from "./flow-deps.ts";

export type ApprovalPage =
  | {
      kind: "confirm";
      approval: ApprovalView;
      approver: string;
      /** The button the link came from; the page offers both and preselects this one. */
      action: LinkAction;
      /** Goes into the page's form; `decideByLink` requires it back. */
      formNonce: string;
      /** False for the requester, who may reject but not approve their own request. */
      canApprove: boolean;
    }
  | {
      kind: "decided";
      approval: ApprovalView;
      approver: string;
      /** This approver's own decision, when they made one (the approval may be settled by others). */
      decision?: Decision;
    }
  | { kind: "expired"; approval: ApprovalView }
  | { kind: "cancelled"; approval: ApprovalView }
  | { kind: "invalid" };

/**
 * One `viewed` event per approver per approval per window: every open of a link would otherwise
 * append one, and anyone holding a link could grow the audit trail without bound.
 */
export const VIEW_WINDOW_MS = 10 * 60_000;

export interface ViewApprovalOptions {
  /**
   * Append a `viewed` audit event: true for GET, false for HEAD (a HEAD shows nothing, so it
   * is not a view). The event records who opened which link, once per `VIEW_WINDOW_MS`;
   * scanners' opens show up too.
   */
  recordView: boolean;
}

/** The page model for a link; `invalid` for any link that is not ours, intact and current. */
export async function viewApproval(
  deps: FlowDeps,
  linkToken: string,
  options: ViewApprovalOptions,
): Promise<ApprovalPage> {
  const now = deps.clock();

  // 1. Verify the link; an expired but authentic one still shows the approval's fate.
  const verified = await deps.links.verifyLink(linkToken, { now });
  if (!verified.ok && verified.reason !== "expired") {
    log(deps, "info", "link refused", { reason: verified.reason });
    return { kind: "invalid" };
  }
  const claims = verified.claims;
  const approval = await deps.store.get(claims.aid);
  if (approval === undefined || !approval.approvers.includes(claims.sub)) {
    log(deps, "warn", "link names no such approval or approver", { approvalId: claims.aid });
    return { kind: "invalid" };
  }

  // 2. Build the page for the approval's current state.
  const page = await buildPage(deps, approval, claims, !verified.ok, now);

  // 3. Record the view, at most once per approver per window; best effort, since a page must
  // not fail over an audit line.
  if (options.recordView) {
    try {
      const claimed = await deps.store.claimView(
        approval.id,
        claims.sub,
        now.getTime(),
        VIEW_WINDOW_MS,
      );
      if (claimed)
        await deps.store.appendEvent(approval.id, {
          type: "viewed",
          at: now.toISOString(),
          actor: claims.sub,
          data: { action: claims.act, page: page.kind },
        });
    } catch (error) {
      log(deps, "warn", "viewed event not recorded", {
        approvalId: approval.id,
        error: describeError(error),
      });
    }
  }
  return page;
}

async function buildPage(
  deps: FlowDeps,
  approval: Approval,
  claims: LinkClaims,
  linkExpired: boolean,
  now: Date,
): Promise<ApprovalPage> {
  const view = toApprovalView(approval);
  const decision = approval.decisions[claims.sub];
  switch (approval.status) {
    case "APPROVED":
    case "REJECTED":
      return decidedPage(view, claims.sub, decision);
    case "EXPIRED":
      return { kind: "expired", approval: view };
    case "CANCELLED":
      return { kind: "cancelled", approval: view };
    case "PENDING":
      if (linkExpired || now.getTime() >= Date.parse(approval.deadline)) {
        return { kind: "expired", approval: view };
      }
      if (decision !== undefined) return decidedPage(view, claims.sub, decision);
      return {
        kind: "confirm",
        approval: view,
        approver: claims.sub,
        action: claims.act,
        formNonce: await deps.links.signFormNonce(claims, { now }),
        canApprove: !isRequester(approval.requestedBy, claims.sub),
      };
  }
}

function decidedPage(
  approval: ApprovalView,
  approver: string,
  decision: Decision | undefined,
): ApprovalPage {
  return decision === undefined
    ? { kind: "decided", approval, approver }
    : { kind: "decided", approval, approver, decision };
}

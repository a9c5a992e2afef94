/**
 * Counting how the link pages answered a flood of hostile requests, per kind: how many were
 * made, how many were accepted (a confirmation form offered, or a decision recorded), how many
 * failed with 5xx, and how many were refused with some other page than the one expected. Failure
 * messages name the kind, the case number and the page's heading, never the link itself.
 */
import { headingOf, type PageResponse } from "../../support/pages.ts";

/** How one kind of request fared. */
export interface KindTally {
  requests: number;
  accepted: number;
  serverErrors: number;
  /** Refused, but not with the expected page (or without the security headers). */
  unexpected: number;
}

/** What a refusal page must look like. */
export interface ExpectedPage {
  status: number;
  heading: RegExp;
}

/** A tally per kind plus a few examples of anything that went wrong. */
export function createRefusalTally() {
  const kinds = new Map<string, KindTally>();
  const problems: string[] = [];
  const tallyOf = (kind: string) => {
    let tally = kinds.get(kind);
    if (tally === undefined) {
      tally = { requests: 0, accepted: 0, serverErrors: 0, unexpected: 0 };
      kinds.set(kind, tally);
    }
    return tally;
  };
  const note = (problem: string) => {
    if (problems.length < 20) problems.push(problem);
  };

  return {
    kinds,
    problems,
    /** Counts one response to a request of `kind` that should have been refused as `expected`. */
    count(kind: string, label: string, page: PageResponse, expected: ExpectedPage): void {
      const tally = tallyOf(kind);
      tally.requests++;
      const heading = headingOf(page);
      const where = `${kind} ${label} ${page.method} → ${page.status} "${heading.slice(0, 80)}"`;
      if (page.status >= 500) {
        tally.serverErrors++;
        note(`5xx: ${where}`);
      } else if (page.nonce !== undefined || /: your decision is recorded$/.test(heading)) {
        tally.accepted++;
        note(`accepted: ${where}`);
      } else if (
        page.status !== expected.status ||
        !expected.heading.test(heading) ||
        !(page.headers["content-security-policy"] ?? "").includes("default-src 'none'")
      ) {
        tally.unexpected++;
        note(`unexpected page: ${where}`);
      }
    },
    /** Sums over every kind. */
    total(): KindTally {
      const sum: KindTally = { requests: 0, accepted: 0, serverErrors: 0, unexpected: 0 };
      for (const tally of kinds.values()) {
        sum.requests += tally.requests;
        sum.accepted += tally.accepted;
        sum.serverErrors += tally.serverErrors;
        sum.unexpected += tally.unexpected;
      }
      return sum;
    },
  };
}

/**
 * Malformed input at both doors. The request-approval handler gets hundreds of malformed
 * payloads (wrong types everywhere, missing tokens, megabytes, 10,000-deep nesting, invalid
 * emails, hostile unicode, prototype-pollution keys, NaN): each is refused as
 * `Approval.InvalidRequest` (without echoing the token) or stored, never another error. The `/v1`
 * decisions endpoint gets malformed bodies over real HTTP: each is a 400 (or 413) problem+json, never 5xx,
 * and nothing is decided.
 */
import { createRequestApprovalHandler } from "@signoff/functions";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { useSignoffStack } from "../support/signoff-stack.ts";
import { type ApiWithAuth, startApiWithAuth } from "./support/api-with-auth.ts";
import {
  type DecisionBodyCase,
  fixedDecisionBodyCases,
  randomDecisionBodyCases,
} from "./support/decision-body-cases.ts";
import { recordFigure, scaled } from "./support/figures.ts";
import { prototypeIsPolluted } from "./support/hostile-values.ts";
import {
  fakeTaskToken,
  fixedPayloadCases,
  type PayloadCase,
  randomPayloadCases,
} from "./support/request-payload-cases.ts";
import { chooseSeed, createSeededRandom } from "./support/seeded-random.ts";

const SUITE = "bad requests";
const PROBLEM_JSON = /^application\/problem\+json/;
/** Bodies past this may be refused as too large (413); the API's limit is below it. */
const LARGE_BODY_BYTES = 64 * 1024;

const signoff = useSignoffStack({ sweeper: false });

/** Per-category counts, recorded as one figure row each. */
function createCategoryCounts<K extends string>(outcomes: readonly K[]) {
  const counts = new Map<string, Record<K, number>>();
  return {
    counts,
    add(category: string, outcome: K) {
      let row = counts.get(category);
      if (row === undefined) {
        row = Object.fromEntries(outcomes.map((o) => [o, 0])) as Record<K, number>;
        counts.set(category, row);
      }
      row[outcome]++;
    },
  };
}

describe("malformed request-approval payloads", () => {
  it("are each refused as Approval.InvalidRequest naming a field, or stored, and never fail any other way", async () => {
    const handler = createRequestApprovalHandler(signoff.runtime());
    const seed = chooseSeed();
    const cases: PayloadCase[] = [
      ...fixedPayloadCases(),
      ...randomPayloadCases(createSeededRandom(seed), scaled({ full: 2_000, ci: 200 })),
    ];
    const tally = createCategoryCounts(["invalid", "stored", "other"] as const);
    const problems: string[] = [];
    const note = (problem: string) => problems.length < 20 && problems.push(problem);

    for (const { category, label, payload, token } of cases) {
      try {
        const { approvalId } = await handler(payload);
        if ((await signoff.approval(approvalId)) === undefined) {
          tally.add(category, "other");
          note(`${category} ${label}: returned an approval id that is not stored`);
        } else {
          tally.add(category, "stored");
        }
      } catch (error) {
        const { name, message, field, cause } = error as Error & { field?: unknown };
        if (name !== "Approval.InvalidRequest") {
          tally.add(category, "other");
          note(`${category} ${label}: threw ${name}`);
          continue;
        }
        tally.add(category, "invalid");
        if (typeof field !== "string" || field.length === 0 || !message.startsWith(field)) {
          note(`${category} ${label}: the InvalidRequest names no field`);
        }
        // The error reaches the execution's history: it must not carry the token.
        if (token !== undefined && `${message} ${String(cause)}`.includes(token.slice(0, 64))) {
          note(`${category} ${label}: the InvalidRequest carries the task token`);
        }
      }
    }

    let total = { invalid: 0, stored: 0, other: 0 };
    for (const [category, row] of tally.counts) {
      total = {
        invalid: total.invalid + row.invalid,
        stored: total.stored + row.stored,
        other: total.other + row.other,
      };
      recordFigure({
        suite: SUITE,
        measure: `payloads, ${category}: cases / InvalidRequest / stored / other error`,
        value: `${row.invalid + row.stored + row.other} / ${row.invalid} / ${row.stored} / ${row.other}`,
        target: "other 0",
      });
    }
    recordFigure({ suite: SUITE, measure: "payloads tried", value: cases.length });
    recordFigure({
      suite: SUITE,
      measure: "payloads failing otherwise",
      value: total.other,
      target: "0",
    });

    expect(problems, `seed ${seed}`).toEqual([]);
    expect(total.other).toBe(0);
    // Both outcomes occur, so neither check above is vacuous.
    expect(total.invalid).toBeGreaterThan(0);
    expect(total.stored).toBeGreaterThan(0);
    expect(prototypeIsPolluted()).toBe(false);
  });
});

describe("malformed /v1 decision bodies", () => {
  let api: ApiWithAuth;

  beforeAll(async () => {
    api = await startApiWithAuth(signoff.runtime().deps);
  });

  afterAll(async () => {
    await api?.stop();
  });

  /** Requests an approval for alice and bob straight through the handler. */
  async function requestForAliceAndBob(subject: string) {
    const handler = createRequestApprovalHandler(signoff.runtime());
    const { approvalId } = await handler({
      taskToken: fakeTaskToken(),
      approvers: ["alice@example.com", "bob@example.com"],
      subject,
      timeoutSeconds: 3600,
    });
    return approvalId;
  }

  async function post(approvalId: string, bearer: string, sent: DecisionBodyCase) {
    const headers: Record<string, string> = { Authorization: `Bearer ${bearer}` };
    if (sent.contentType !== undefined) headers["Content-Type"] = sent.contentType;
    return fetch(`${api.url}/v1/approvals/${sent.id ?? approvalId}/decisions`, {
      method: "POST",
      headers,
      body: sent.body,
    });
  }

  it("are each answered 400 (413 when too large) as application/problem+json, never 5xx, and decide nothing", async () => {
    const approvalId = await requestForAliceAndBob("Malformed bodies");
    const alice = await api.issuer.token("alice@example.com");
    const seed = chooseSeed();
    const cases = [
      ...fixedDecisionBodyCases(),
      ...randomDecisionBodyCases(createSeededRandom(seed), scaled({ full: 2_000, ci: 200 })),
    ];
    const tally = createCategoryCounts(["refused", "serverError", "other"] as const);
    const problems: string[] = [];
    let largestProblem = 0;
    let closedEarly = 0;

    for (const sent of cases) {
      const size = typeof sent.body === "string" ? Buffer.byteLength(sent.body) : sent.body.length;
      // Past the API's body limit a 413 is the right refusal too; the server may then also
      // close the connection before the client has finished sending, which fetch reports as
      // an error rather than a response. Both refuse; neither is a 5xx.
      const refusals = sent.statuses ?? (size > LARGE_BODY_BYTES ? [400, 413] : [400]);
      let response: Response;
      try {
        response = await post(approvalId, alice, sent);
      } catch (error) {
        const closed = size > LARGE_BODY_BYTES && (error as Error).name === "TypeError";
        tally.add(sent.category, closed ? "refused" : "other");
        if (closed) closedEarly++;
        else if (problems.length < 20)
          problems.push(`${sent.category} ${sent.label}: fetch failed`);
        continue;
      }
      const text = await response.text();
      const where = `${sent.category} ${sent.label}: ${response.status}`;
      let problem: { status?: unknown } | undefined;
      try {
        problem = JSON.parse(text) as { status?: unknown };
      } catch {
        problem = undefined;
      }
      const refused =
        refusals.includes(response.status) &&
        PROBLEM_JSON.test(response.headers.get("content-type") ?? "") &&
        problem?.status === response.status &&
        // A refusal may name what was wrong, but never answers with more than it was sent.
        text.length <= size + 2048;
      const outcome = response.status >= 500 ? "serverError" : refused ? "refused" : "other";
      tally.add(sent.category, outcome);
      largestProblem = Math.max(largestProblem, text.length);
      if (outcome !== "refused" && problems.length < 20) problems.push(where);
    }

    // A well-formed body, from bob on another approval, is accepted: the door is not just shut.
    const controlId = await requestForAliceAndBob("Well-formed body");
    const control = await post(controlId, await api.issuer.token("bob@example.com"), {
      category: "control",
      label: "valid",
      contentType: "application/json",
      body: '{"decision":"reject","comment":"a well-formed body"}',
    });

    let total = { refused: 0, serverError: 0, other: 0 };
    for (const [category, row] of tally.counts) {
      total = {
        refused: total.refused + row.refused,
        serverError: total.serverError + row.serverError,
        other: total.other + row.other,
      };
      recordFigure({
        suite: SUITE,
        measure: `API bodies, ${category}: requests / refused (400, 413) / 5xx / other`,
        value: `${row.refused + row.serverError + row.other} / ${row.refused} / ${row.serverError} / ${row.other}`,
        target: "5xx 0, other 0",
      });
    }
    const approval = await signoff.approval(approvalId);
    const decisions = Object.keys(approval?.decisions ?? {}).length;
    recordFigure({ suite: SUITE, measure: "API requests made", value: cases.length });
    recordFigure({
      suite: SUITE,
      measure: "API large bodies cut off by the server",
      value: closedEarly,
    });
    recordFigure({
      suite: SUITE,
      measure: "API 5xx responses",
      value: total.serverError,
      target: "0",
    });
    recordFigure({
      suite: SUITE,
      measure: "API decisions made by malformed bodies",
      value: decisions,
      target: "0",
    });

    expect(problems, `seed ${seed}`).toEqual([]);
    expect(total).toEqual({ refused: cases.length, serverError: 0, other: 0 });
    expect(approval?.status).toBe("PENDING");
    expect(decisions).toBe(0);
    expect(control.status).toBe(201);
    expect(prototypeIsPolluted()).toBe(false);
  });
});

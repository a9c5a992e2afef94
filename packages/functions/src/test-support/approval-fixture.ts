/**
 * Approvals for adapter tests: valid, PENDING, unique per call, with a deadline an hour out.
 */
import { randomBytes } from "node:crypto";
import type { Approval } from "@signoff/core";

const BASE32 = "abcdefghijklmnopqrstuvwxyz234567";

/** A random 26-character base32 id, shaped like the ids the domain derives from task tokens. */
export function randomApprovalId(): string {
  return Array.from(randomBytes(26), (byte) => BASE32[byte % 32]).join("");
}

/** A PENDING approval due at its deadline; override any field. */
export function makeApproval(overrides: Partial<Approval> = {}): Approval {
  const created = Date.UTC(2026, 0, 14, 15, 4, 0);
  const deadline = created + 3_600_000;
  return {
    id: randomApprovalId(),
    status: "PENDING",
    callback: "NONE",
    tokenCiphertext: "eyJhbGciOiJkaXIiLCJlbmMiOiJBMjU2R0NNIiwia2lkIjoidDEifQ..iv.ciphertext.tag",
    approvers: ["ann@example.com", "bob@example.com"],
    requestedBy: "carol@example.com",
    subject: "Deploy release 1.4 to production",
    details: { release: "1.4.0", changes: 12 },
    context: { ticket: "OPS-42" },
    policy: { required: 1 },
    onTimeout: "fail",
    rejectAs: "failure",
    createdAt: new Date(created).toISOString(),
    deadline: new Date(deadline).toISOString(),
    decisions: {},
    version: 0,
    callbackAttempts: 0,
    dueAt: deadline,
    ...overrides,
  };
}

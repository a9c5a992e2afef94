import { describe, expect, it } from "vitest";
import { InvalidTransitionError } from "./errors.ts";
import {
  assertCallbackTransition,
  assertTransition,
  canRewriteOutcome,
  canTransition,
  canTransitionCallback,
  isFinalStatus,
} from "./transitions.ts";

describe("status transitions", () => {
  it("lets a pending approval reach every final status", () => {
    for (const to of ["APPROVED", "REJECTED", "EXPIRED", "CANCELLED"] as const) {
      expect(canTransition("PENDING", to)).toBe(true);
      expect(isFinalStatus(to)).toBe(true);
    }
    expect(isFinalStatus("PENDING")).toBe(false);
  });

  it("never changes a final status or returns to pending", () => {
    expect(canTransition("APPROVED", "REJECTED")).toBe(false);
    expect(canTransition("REJECTED", "PENDING")).toBe(false);
    expect(canTransition("PENDING", "PENDING")).toBe(false);
    expect(() => assertTransition("EXPIRED", "APPROVED")).toThrow(InvalidTransitionError);
    expect(() => assertTransition("PENDING", "APPROVED")).not.toThrow();
  });

  it("lets only a pending callback rewrite an outcome, and only to expired or cancelled", () => {
    expect(canRewriteOutcome("PENDING", "EXPIRED")).toBe(true);
    expect(canRewriteOutcome("PENDING", "CANCELLED")).toBe(true);
    expect(canRewriteOutcome("PENDING", "APPROVED")).toBe(false);
    expect(canRewriteOutcome("DELIVERED", "EXPIRED")).toBe(false);
  });
});

describe("callback transitions", () => {
  it("goes NONE → PENDING → DELIVERED or GAVE_UP and no other way", () => {
    expect(canTransitionCallback("NONE", "PENDING")).toBe(true);
    expect(canTransitionCallback("PENDING", "DELIVERED")).toBe(true);
    expect(canTransitionCallback("PENDING", "GAVE_UP")).toBe(true);
    expect(canTransitionCallback("NONE", "DELIVERED")).toBe(false);
    expect(canTransitionCallback("DELIVERED", "PENDING")).toBe(false);
    expect(canTransitionCallback("GAVE_UP", "DELIVERED")).toBe(false);
    expect(() => assertCallbackTransition("DELIVERED", "GAVE_UP")).toThrow(/DELIVERED to GAVE_UP/);
  });
});

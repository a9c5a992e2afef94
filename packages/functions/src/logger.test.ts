import { describe, expect, it, vi } from "vitest";
import { createLogger, REDACTED, redactSecrets } from "./logger.ts";

const TOKEN = `AQCEAAAAKgAAAAMAAAAAAAAAA${"x7Kq+/Zz".repeat(60)}`;
const JWE = `eyJhbGciOiJkaXIiLCJlbmMiOiJBMjU2R0NNIiwia2lkIjoidDEifQ..bm9uY2Vub25jZQ.${"Q2lwaGVy".repeat(40)}.dGFnZ2luZw`;

describe("redactSecrets", () => {
  it("replaces task tokens and long JWE segments but keeps ordinary text", () => {
    expect(redactSecrets(`token ${TOKEN} leaked`)).toBe(`token ${REDACTED} leaked`);
    expect(redactSecrets(JWE)).not.toContain("Q2lwaGVy");
    const ordinary = `approval ${"a".repeat(26)} hash ${"0f".repeat(32)} at /var/task/index.mjs:12:3`;
    expect(redactSecrets(ordinary)).toBe(ordinary);
    expect(redactSecrets(42)).toBe(42);
  });
});

describe("logger", () => {
  it("logs as service signoff and redacts token-like values, including inside errors", () => {
    // Powertools writes through its own Console onto the process streams.
    const lines: string[] = [];
    const capture = (chunk: unknown) => {
      lines.push(String(chunk));
      return true;
    };
    const stdout = vi.spyOn(process.stdout, "write").mockImplementation(capture);
    const stderr = vi.spyOn(process.stderr, "write").mockImplementation(capture);
    try {
      const logger = createLogger();
      logger.info("callback sent", { taskToken: TOKEN });
      logger.error("callback failed", new Error(`SendTaskSuccess failed for ${TOKEN}`));
    } finally {
      stdout.mockRestore();
      stderr.mockRestore();
    }
    const output = lines.join("\n");
    expect(output).toContain('"service":"signoff"');
    expect(output).toContain("callback failed");
    expect(output).not.toContain(TOKEN.slice(20, 80));
    expect(output).toContain(REDACTED);
  });
});

/**
 * Figures the reliability suite reports: each test records what it measured, and the suite's
 * global teardown prints them all as one table. Records go to JSON-lines files in a directory the
 * global setup provides, since test files run in separate workers.
 */
import { appendFileSync } from "node:fs";
import { join } from "node:path";
import { inject } from "vitest";

export interface Figure {
  /** The suite's section: "concurrency", "callback faults", "forged links", ... */
  suite: string;
  /** What was measured: "SendTask* calls per approval", "p99 decision latency", ... */
  measure: string;
  value: number | string;
  /** The unit, when the value has one: "ms", "calls", "links". */
  unit?: string;
  /** What it must be, in words: "= 1", "0", "≤ 50 ms". */
  target?: string;
}

declare module "vitest" {
  export interface ProvidedContext {
    figuresDir: string;
    reliabilityScale: "ci" | "full";
  }
}

/** Records one figure for the table printed at the end of the run. */
export function recordFigure(figure: Figure): void {
  const file = join(inject("figuresDir"), `figures-${process.pid}.jsonl`);
  appendFileSync(file, `${JSON.stringify(figure)}\n`);
}

/**
 * How big to make each scenario: `full` for `npm run test:reliability`, a CI-sized fraction for
 * `npm test`. Returns `full` or `ci` accordingly.
 */
export function scaled(sizes: { full: number; ci: number }): number {
  return inject("reliabilityScale") === "full" ? sizes.full : sizes.ci;
}

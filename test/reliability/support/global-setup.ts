/**
 * The reliability suite's global setup: a fresh directory for figures, the scale to run at, and
 * at the end a table of every figure recorded.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TestProject } from "vitest/node";
import type { Figure } from "./figures.ts";

export default function setup(project: TestProject): () => void {
  const dir = mkdtempSync(join(tmpdir(), "signoff-figures-"));
  const scale = process.env.SIGNOFF_RELIABILITY === "full" ? "full" : "ci";
  project.provide("figuresDir", dir);
  project.provide("reliabilityScale", scale);
  return () => {
    const figures: Figure[] = readdirSync(dir)
      .filter((name) => name.endsWith(".jsonl"))
      .flatMap((name) => readFileSync(join(dir, name), "utf8").split("\n"))
      .filter((line) => line.length > 0)
      .map((line) => JSON.parse(line) as Figure);
    rmSync(dir, { recursive: true, force: true });
    if (figures.length > 0) console.log(formatFigures(figures, scale));
  };
}

/** The figures as a plain-text table, suites in alphabetical order, each in the order recorded. */
export function formatFigures(figures: Figure[], scale: string): string {
  const rows = [...figures]
    .sort((a, b) => a.suite.localeCompare(b.suite))
    .map((figure) => [
      figure.suite,
      figure.measure,
      `${figure.value}${figure.unit === undefined ? "" : ` ${figure.unit}`}`,
      figure.target ?? "",
    ]);
  const header = ["suite", "measure", "value", "target"];
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => row[column]?.length ?? 0)),
  );
  const line = (cells: string[]) =>
    cells
      .map((cell, column) => cell.padEnd(widths[column] ?? 0))
      .join("  ")
      .trimEnd();
  return [
    `\nsignoff reliability figures (scale: ${scale}, ${new Date().toISOString()})`,
    line(header),
    line(widths.map((width) => "-".repeat(width))),
    ...rows.map(line),
  ].join("\n");
}

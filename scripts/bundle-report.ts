/**
 * `npm run bundle:report`: builds the Lambda bundles (see bundle-handlers.ts) and prints each
 * one's size and its cold module-init time: a fresh `node` per run timing the `import()` of the
 * bundle (read, parse, evaluate; no handler call), the median of several runs.
 * Usage: npm run bundle:report [-- --runs N]
 */
import { execFile } from "node:child_process";
import { dirname } from "node:path";
import { pathToFileURL } from "node:url";
import { parseArgs, promisify } from "node:util";
import { bundleHandlers, formatKiB, type HandlerBundle } from "./bundle-handlers.ts";

const run = promisify(execFile);

const { values } = parseArgs({ options: { runs: { type: "string", default: "7" } } });
const runs = Number(values.runs);
if (!Number.isInteger(runs) || runs < 1 || runs > 100) {
  console.error("--runs must be a whole number from 1 to 100");
  process.exit(2);
}

/** Milliseconds the `import()` of `bundle` took in a new Node process with an empty environment. */
async function timeColdImport(bundle: HandlerBundle): Promise<number> {
  const script = `const t = performance.now();
await import(${JSON.stringify(pathToFileURL(bundle.file).href)});
process.stdout.write(String(performance.now() - t));
process.exit(0);`;
  const { stdout } = await run(process.execPath, ["--input-type=module", "--eval", script], {
    cwd: dirname(bundle.file),
    env: { PATH: process.env.PATH ?? "" },
  });
  return Number(stdout);
}

function median(samples: number[]): number {
  const sorted = [...samples].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

const { bundles, warnings } = await bundleHandlers();
for (const warning of warnings) console.warn(`warning: ${warning}`);

const rows: string[][] = [["bundle", "bytes", "KiB", `init median of ${runs}`, "init min-max"]];
for (const bundle of bundles) {
  // One at a time, so the runs do not compete for the CPU.
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) samples.push(await timeColdImport(bundle));
  rows.push([
    bundle.name,
    bundle.bytes.toLocaleString("en-US"),
    formatKiB(bundle.bytes),
    `${median(samples).toFixed(0)} ms`,
    `${Math.min(...samples).toFixed(0)}-${Math.max(...samples).toFixed(0)} ms`,
  ]);
}

const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
for (const [index, row] of rows.entries()) {
  // Names left-aligned, numbers right-aligned.
  const cells = row.map((cell, column) =>
    column === 0 ? cell.padEnd(widths[column]!) : cell.padStart(widths[column]!),
  );
  console.log(cells.join("  "));
  if (index === 0) console.log(widths.map((width) => "-".repeat(width)).join("  "));
}
console.log(
  `\nNode ${process.version} on ${process.arch}; Lambda runs nodejs22.x on arm64, so read these as relative.`,
);

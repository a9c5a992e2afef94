/**
 * `npm run bundle:report`: builds the Lambda bundles (see bundle-handlers.ts) and a floor bundle
 * (a bare handler constructing the same AWS SDK clients, scripts/floor-handler.ts), and prints
 * each one's size and its cold module-init time beside the floor's: a fresh `node` per run timing
 * the `import()` of the bundle (read, parse, evaluate; no handler call), the median of several
 * runs. A bundle whose code imports chunks lazily (code splitting: the API's `/v1`) is also timed
 * importing those chunks after its entry: what a first request that needs them loads. The runs go round-robin over the bundles, so a busy moment slows them all alike.
 * Usage: npm run bundle:report [-- --runs N]
 */
import { execFile } from "node:child_process";
import { dirname } from "node:path";
import { pathToFileURL } from "node:url";
import { parseArgs, promisify } from "node:util";
import {
  bundleFloor,
  bundleHandlers,
  FLOOR_NAME,
  formatKiB,
  type HandlerBundle,
} from "./bundle-handlers.ts";

const run = promisify(execFile);

/** Issue 13's targets: each bundle at most this big, and its cold init within this of the floor's. */
const MAX_BUNDLE_BYTES = 400 * 1024;
const MAX_INIT_RATIO = 1.3;

const { values } = parseArgs({ options: { runs: { type: "string", default: "7" } } });
const runs = Number(values.runs);
if (!Number.isInteger(runs) || runs < 1 || runs > 100) {
  console.error("--runs must be a whole number from 1 to 100");
  process.exit(2);
}

/**
 * Milliseconds the `import()` of `bundle` took in a new Node process with an empty environment;
 * with `deferred`, the entry and then each chunk our code loads lazily (`ownDeferredChunks`):
 * what a cold start whose first request needs them loads in all.
 */
async function timeColdImport(bundle: HandlerBundle, deferred = false): Promise<number> {
  const files = [bundle.file, ...(deferred ? bundle.ownDeferredChunks : [])];
  const script = `const t = performance.now();
${files.map((file) => `await import(${JSON.stringify(pathToFileURL(file).href)});`).join("\n")}
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
const floorBuild = await bundleFloor();
for (const warning of [...warnings, ...floorBuild.warnings]) console.warn(`warning: ${warning}`);
const floor = floorBuild.bundle;
const measured = [floor, ...bundles];

// One sample of each bundle per round; a bundle's samples are never taken side by side.
const samples = new Map<HandlerBundle, number[]>(measured.map((bundle) => [bundle, []]));
const lazy = measured.filter((bundle) => bundle.ownDeferredChunks.length > 0);
const deferredSamples = new Map<HandlerBundle, number[]>(lazy.map((bundle) => [bundle, []]));
for (let i = 0; i < runs; i++) {
  for (const bundle of measured) samples.get(bundle)!.push(await timeColdImport(bundle));
  for (const bundle of lazy) deferredSamples.get(bundle)!.push(await timeColdImport(bundle, true));
}
const floorInit = median(samples.get(floor)!);

const rows: string[][] = [
  [
    "bundle",
    "bytes",
    "KiB",
    "loaded at init",
    `init median of ${runs}`,
    "init min-max",
    "size ÷ floor",
    "init ÷ floor",
  ],
];
for (const bundle of measured) {
  const times = samples.get(bundle)!;
  rows.push([
    bundle.name,
    bundle.bytes.toLocaleString("en-US"),
    formatKiB(bundle.bytes),
    formatKiB(bundle.initialBytes),
    `${median(times).toFixed(0)} ms`,
    `${Math.min(...times).toFixed(0)}-${Math.max(...times).toFixed(0)} ms`,
    `${(bundle.bytes / floor.bytes).toFixed(2)}×`,
    `${(median(times) / floorInit).toFixed(2)}×`,
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

for (const bundle of lazy) {
  const times = deferredSamples.get(bundle)!;
  const deferredBytes = bundle.bytes - bundle.initialBytes;
  console.log(
    `${bundle.name} + lazy chunks: ${median(times).toFixed(0)} ms (${Math.min(...times).toFixed(0)}-${Math.max(...times).toFixed(0)} ms, ${(median(times) / floorInit).toFixed(2)}× the floor): init and then the ${bundle.ownDeferredChunks.length} chunk(s) our code imports on first use (the API's /v1), of ${formatKiB(deferredBytes)} not loaded at init.`,
  );
}

const handlers = bundles.map((bundle) => ({
  name: bundle.name,
  small: bundle.bytes <= MAX_BUNDLE_BYTES,
  quick: median(samples.get(bundle)!) <= MAX_INIT_RATIO * floorInit,
}));
const failing = (test: (h: (typeof handlers)[number]) => boolean) =>
  handlers.filter((h) => !test(h)).map((h) => h.name);
const tooBig = failing((h) => h.small);
const tooSlow = failing((h) => h.quick);
console.log(
  `\n${FLOOR_NAME}: the same AWS SDK clients and nothing else (${formatKiB(floor.bytes)}, ${floorInit.toFixed(0)} ms).`,
);
console.log(
  `Target: each ≤ ${formatKiB(MAX_BUNDLE_BYTES)}: ${tooBig.length ? `no (${tooBig.join(", ")})` : "yes"}${floor.bytes > MAX_BUNDLE_BYTES ? ` — the floor alone is ${formatKiB(floor.bytes)}` : ""}.`,
);
console.log(
  `Target: each cold init ≤ ${MAX_INIT_RATIO}× the floor's: ${tooSlow.length ? `no (${tooSlow.join(", ")})` : "yes"}.`,
);
console.log(
  `Node ${process.version} on ${process.arch}; Lambda runs nodejs22.x on arm64, so read these as relative.`,
);

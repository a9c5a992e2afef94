/**
 * `npm run bench`: signoff's performance figures, measured side by side in one run on the local
 * stack, printed as one table (stdout) with the date and machine. It reports; it never fails on
 * a slow figure. Progress goes to stderr.
 * Usage: npm run bench [-- --quick] [-- --pending N]
 */
import { cpus } from "node:os";
import { parseArgs } from "node:util";
import { startBenchStack } from "./bench-stack.ts";
import { benchBundles } from "./bundles.ts";
import { benchClickLatency, benchDecidePath } from "./decide-path.ts";
import { benchLinkVerify } from "./link-verify.ts";
import { benchRequestPath } from "./request-path.ts";
import { formatMs, progress } from "./stats.ts";
import { benchSweeper } from "./sweeper.ts";
import { BEFORE_CONCURRENCY, benchSweeperRate } from "./sweeper-rate.ts";

// What a Lambda's DynamoDB, SES and Step Functions calls wait in a Region, roughly.
const SWEEPER_REGION_LATENCY_MS = 20;

const { values } = parseArgs({
  options: {
    quick: { type: "boolean", default: false },
    pending: { type: "string", default: "100000" },
  },
});
const quick = values.quick;
const largePending = Number(values.pending);
if (!Number.isInteger(largePending) || largePending < 1_000 || largePending > 1_000_000) {
  console.error("--pending must be a whole number from 1000 to 1000000");
  process.exit(2);
}

/** The fewest AWS calls issue 13's design allows: a request (2 approvers), a settling decision. */
const REQUEST_DESIGN_FLOOR = 3 + 2;
const DECIDE_DESIGN_FLOOR = 5;

interface Row {
  figure: string;
  value: string;
  target: string;
  met: boolean | undefined;
}
const rows: Row[] = [];
const notes: string[] = [];

// 1. Pure CPU first, before the emulators share the core.
progress("link verifications (2 s)");
const bench = await startBenchStack();
try {
  const links = await benchLinkVerify(bench.keys.link);
  rows.push({
    figure: "Link verifications per second (one core)",
    value: Math.round(links.perSecond).toLocaleString("en-US"),
    target: "≥ 20,000",
    met: links.perSecond >= 20_000,
  });

  // 2. Request path vs floor.
  const pathSamples = quick ? { warmUp: 10, samples: 50 } : { warmUp: 30, samples: 300 };
  progress(`request path vs floor (${pathSamples.samples} samples each)`);
  const request = await benchRequestPath(bench, pathSamples);
  rows.push(
    {
      figure: "Request path median (p99)",
      value: `${formatMs(request.pathMedian)} (${formatMs(request.pathP99)})`,
      target: "",
      met: undefined,
    },
    {
      figure: "Request floor median (p99)",
      value: `${formatMs(request.floorMedian)} (${formatMs(request.floorP99)})`,
      target: "",
      met: undefined,
    },
    {
      figure: "Request path / floor",
      value: `${request.ratio.toFixed(2)}×`,
      target: "≤ 1.25×",
      met: request.ratio <= 1.25,
    },
    {
      // The floor above replays these same calls; the design floor is the fewest the design
      // allows: listing batch, conditional put, one write recording the emails, one SendEmail each.
      figure: "Request AWS calls (2 approvers)",
      value: `${request.callCount}: ${request.calls}`,
      target: `≤ ${REQUEST_DESIGN_FLOOR} (design floor 3 + 2 SendEmail)`,
      met: request.callCount <= REQUEST_DESIGN_FLOOR,
    },
  );
  notes.push(
    `Request: handler with 2 approvers, ${request.samples} samples; floor = the same ${request.calls}, in order (overlapping where the path overlaps them), straight through SDK clients.`,
  );

  // 3. Decide path vs floor.
  const decideSamples = quick ? { warmUp: 10, samples: 50 } : { warmUp: 20, samples: 200 };
  const decide = await benchDecidePath(bench, decideSamples);
  rows.push(
    {
      figure: "Decide path median (p99)",
      value: `${formatMs(decide.pathMedian)} (${formatMs(decide.pathP99)})`,
      target: "",
      met: undefined,
    },
    {
      figure: "Decide floor median (p99)",
      value: `${formatMs(decide.floorMedian)} (${formatMs(decide.floorP99)})`,
      target: "",
      met: undefined,
    },
    {
      figure: "Decide path / floor",
      value: `${decide.ratio.toFixed(2)}×`,
      target: "≤ 1.25×",
      met: decide.ratio <= 1.25,
    },
    {
      // Read; one conditional write (decision, outcome, callback claim, audit head); SendTask*
      // beside one batch (listing entries + audit tail); the write that marks it delivered.
      figure: "Decide AWS calls (settling)",
      value: `${decide.callCount}: ${decide.calls}`,
      target: `≤ ${DECIDE_DESIGN_FLOOR} (design floor)`,
      met: decide.callCount <= DECIDE_DESIGN_FLOOR,
    },
  );
  notes.push(
    `Decide: POST /a/{link} via app.request, ${decide.samples} samples; floor = the same ${decide.calls}, in order (overlapping where the path overlaps them), straight through SDK clients.`,
  );

  // 4. Click → SUCCEEDED.
  const click = await benchClickLatency(
    bench,
    quick ? { warmUp: 5, samples: 30 } : { warmUp: 10, samples: 100 },
  );
  rows.push(
    {
      figure: "Click → SUCCEEDED p50",
      value: formatMs(click.p50),
      target: "",
      met: undefined,
    },
    {
      figure: "Click → SUCCEEDED p99",
      value: formatMs(click.p99),
      target: "≤ 50 ms",
      met: click.p99 <= 50,
    },
  );
  notes.push(
    `Click: ${click.samples} decisions POSTed over HTTP to the stack's API, until DescribeExecution says SUCCEEDED.`,
  );

  // 5. Sweeper.
  const sweeper = await benchSweeper(bench, {
    small: 1_000,
    large: quick ? Math.min(largePending, 10_000) : largePending,
    runs: quick ? 3 : 7,
    insertBudgetMs: 3 * 60 * 1000,
  });
  rows.push(
    {
      figure: `Sweeper run, ${sweeper.smallPending.toLocaleString("en-US")} pending / ${sweeper.due} due`,
      value: `${formatMs(sweeper.smallMedian)}, ${sweeper.smallRead} items read`,
      target: "",
      met: undefined,
    },
    {
      figure: `Sweeper run, ${sweeper.largePending.toLocaleString("en-US")} pending / ${sweeper.due} due`,
      value: `${formatMs(sweeper.largeMedian)}, ${sweeper.largeRead} items read`,
      target: "",
      met: undefined,
    },
    {
      figure: "Sweeper large / small",
      value: `${sweeper.ratio.toFixed(2)}×`,
      target: "≤ 1.5×",
      met: sweeper.ratio <= 1.5,
    },
  );
  notes.push(
    `Sweeper: median of ${sweeper.runs} runs each, alternating tables; pending approvals bulk-written at ~${Math.round(sweeper.insertPerSecond).toLocaleString("en-US")} items/s.`,
  );
  if (sweeper.largePending < sweeper.largeWanted) {
    notes.push(
      `Sweeper: only ${sweeper.largePending.toLocaleString("en-US")} of the ${sweeper.largeWanted.toLocaleString("en-US")} pending wanted fit the insert time budget.`,
    );
  }

  // 6. Sweeper rate: today's concurrency against the new default, side by side.
  const rate = await benchSweeperRate(bench, {
    due: quick ? 200 : 400,
    runs: quick ? 2 : 3,
    regionLatencyMs: SWEEPER_REGION_LATENCY_MS,
  });
  for (const { setup, latencyMs, before, after } of rate.rates) {
    rows.push({
      figure: `Sweeper due items/s, concurrency ${BEFORE_CONCURRENCY} → ${rate.concurrency} (${setup})`,
      value: `${Math.round(before)} → ${Math.round(after)} (${(after / before).toFixed(2)}×)`,
      target: latencyMs === 0 ? "" : "≥ 4×",
      met: latencyMs === 0 ? undefined : after / before >= 4,
    });
  }
  notes.push(
    `Sweeper rate: ${rate.due} expired approvals a run (settle, callback, listing), median of ${rate.runs} runs each; one sweeper run, in one process with sfn-local and (but in the last row) dynalite, all on this machine's cores. The +${SWEEPER_REGION_LATENCY_MS} ms rows add that wait to every AWS call, as in a Region; in AWS a run also hands busy shards to parallel invocations (infra/functions.ts, SweepShard).`,
  );
} finally {
  await bench.stop();
}

// 6. Bundles, after the stack is gone, so the cold starts have the CPU to themselves.
progress("bundle sizes and cold init (scripts/bundle-report.ts)");
const bundleRuns = quick ? 3 : 7;
for (const bundle of await benchBundles(bundleRuns)) {
  const floor = bundle.name === "floor";
  const ratio = Number.parseFloat(bundle.initRatio);
  rows.push({
    figure: `Bundle ${bundle.name}: size (loaded at init), cold init${floor ? "" : " (÷ floor)"}`,
    value: `${bundle.kib} (${bundle.initialKib}), ${bundle.initMedian}${floor ? "" : ` (${bundle.initRatio})`}`,
    target: floor ? "" : "≤ 1.3× floor",
    met: floor ? undefined : ratio <= 1.3,
  });
  if (bundle.lazy) {
    rows.push({
      figure: `Bundle ${bundle.name}: init + chunks loaded on first use (÷ floor)`,
      value: `${bundle.lazy.median} (${bundle.lazy.ratio})`,
      target: "",
      met: undefined,
    });
  }
}
notes.push(
  `Bundles: scripts/bundle-report.ts, cold init median of ${bundleRuns} fresh processes; size is every file of the package, code splitting as infra/ deploys it (the API's /v1 is a chunk imported on its first request, timed in its own row).`,
);

printTable(rows);

function printTable(table: Row[]): void {
  const cells = [
    ["Figure", "Value", "Target", "Met?"],
    ...table.map((row) => [
      row.figure,
      row.value,
      row.target || "—",
      row.met === undefined ? "—" : row.met ? "yes" : "no",
    ]),
  ];
  const widths = cells[0]!.map((_, column) => Math.max(...cells.map((row) => row[column]!.length)));
  const line = (row: string[]) =>
    `| ${row.map((cell, i) => cell.padEnd(widths[i]!)).join(" | ")} |`;
  const cpu = cpus();
  console.log(
    `signoff bench, ${new Date().toISOString().slice(0, 10)}${quick ? " (--quick)" : ""}`,
  );
  console.log(
    `Node ${process.version} on ${process.platform}/${process.arch}, ${cpu[0]?.model.trim() ?? "unknown CPU"}, ${cpu.length} cores`,
  );
  console.log("");
  console.log(line(cells[0]!));
  console.log(line(widths.map((width) => "-".repeat(width))));
  for (const row of cells.slice(1)) console.log(line(row));
  console.log("");
  for (const note of notes) console.log(`- ${note}`);
}

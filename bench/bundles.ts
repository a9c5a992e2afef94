/**
 * Figure 6: each Lambda bundle's size and cold module-init time, from `scripts/bundle-report.ts`
 * run as it is (it is a script, not a module: it builds and measures on import), its table parsed.
 */
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL("../", import.meta.url));
const TIME_LIMIT_MS = 5 * 60 * 1000;

export interface BundleFigure {
  /** A handler's name, or `floor`: the same AWS SDK clients and nothing else. */
  name: string;
  /** Every file of the package. */
  kib: string;
  /** What a cold start loads: the entry and the chunks it imports statically. */
  initialKib: string;
  initMedian: string;
  /** Its cold init over the floor's, e.g. `1.12×`. */
  initRatio: string;
  /**
   * For a bundle whose code loads chunks on first use (the API's `/v1`): init and then those
   * chunks, e.g. `120 ms` and `1.90×` the floor's init.
   */
  lazy?: { median: string; ratio: string };
}

export async function benchBundles(runs: number): Promise<BundleFigure[]> {
  const { stdout } = await run(
    process.execPath,
    ["--import", "tsx", "scripts/bundle-report.ts", "--runs", String(runs)],
    { cwd: ROOT, timeout: TIME_LIMIT_MS, maxBuffer: 1024 * 1024 },
  );
  // Rows look like: "api  123,456  120.6 KiB  90.1 KiB  85 ms  80-90 ms  1.21×  1.10×" (first
  // row the header, then dashes; the last two columns are size and cold init over the floor's),
  // then for a bundle with lazy chunks: "api + lazy chunks: 120 ms (110-130 ms, 1.90× the floor)…".
  const figures: BundleFigure[] = [];
  for (const line of stdout.split("\n").slice(2)) {
    const match =
      /^(\S+)\s+[\d,]+\s+([\d,.]+ KiB)\s+([\d,.]+ KiB)\s+(\d+ ms)\s+\d+-\d+ ms\s+\S+\s+([\d.]+×)$/.exec(
        line,
      );
    if (match) {
      figures.push({
        name: match[1]!,
        kib: match[2]!,
        initialKib: match[3]!,
        initMedian: match[4]!,
        initRatio: match[5]!,
      });
    }
    const lazy = /^(\S+) \+ lazy chunks: (\d+ ms) \(\d+-\d+ ms, ([\d.]+×) the floor\)/.exec(line);
    const figure = lazy && figures.find((f) => f.name === lazy[1]);
    if (figure) figure.lazy = { median: lazy[2]!, ratio: lazy[3]! };
  }
  if (figures.length === 0) throw new Error(`bundle-report printed no rows:\n${stdout}`);
  return figures;
}

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
  kib: string;
  initMedian: string;
  /** Its cold init over the floor's, e.g. `1.12×`. */
  initRatio: string;
}

export async function benchBundles(runs: number): Promise<BundleFigure[]> {
  const { stdout } = await run(
    process.execPath,
    ["--import", "tsx", "scripts/bundle-report.ts", "--runs", String(runs)],
    { cwd: ROOT, timeout: TIME_LIMIT_MS, maxBuffer: 1024 * 1024 },
  );
  // Rows look like: "api  123,456  120.6 KiB  85 ms  80-90 ms  1.21×  1.10×" (first row the
  // header, then dashes; the last two columns are size and cold init over the floor's).
  const figures: BundleFigure[] = [];
  for (const line of stdout.split("\n").slice(2)) {
    const match = /^(\S+)\s+[\d,]+\s+([\d,.]+ KiB)\s+(\d+ ms)\s+\d+-\d+ ms\s+\S+\s+([\d.]+×)$/.exec(
      line,
    );
    if (match) {
      figures.push({
        name: match[1]!,
        kib: match[2]!,
        initMedian: match[3]!,
        initRatio: match[4]!,
      });
    }
  }
  if (figures.length === 0) throw new Error(`bundle-report printed no rows:\n${stdout}`);
  return figures;
}

/**
 * Bundles each Lambda entry point the way SST's Node.js function builder does for infra/, so the
 * tests and the report see the code Lambda would load: one ESM file per function, everything
 * (the AWS SDK v3 included) bundled, with the banner that gives bundled CommonJS a `require`.
 */
import { mkdir, readdir, rm } from "node:fs/promises";
import { basename, join, relative } from "node:path";
import { type BuildOptions, build } from "esbuild";

/** The repository root. */
export const ROOT = join(import.meta.dirname, "..");

/** Where `npm run bundle` and `npm run bundle:report` write (gitignored with the rest of .local/). */
export const DEFAULT_BUNDLE_DIR = join(ROOT, ".local", "bundles");

/** Every Lambda entry point: each file here is one function in infra/functions.ts. */
export const HANDLERS_DIR = "packages/functions/src/handlers";

/** The entry points by function name (the file's base name), e.g. `api` → `…/handlers/api.ts`. */
export async function listHandlerEntries(): Promise<Map<string, string>> {
  const files = (await readdir(join(ROOT, HANDLERS_DIR))).filter(
    (file) => file.endsWith(".ts") && !file.endsWith(".test.ts") && !file.endsWith(".d.ts"),
  );
  return new Map(files.sort().map((file) => [basename(file, ".ts"), join(HANDLERS_DIR, file)]));
}

// SST's banner, verbatim: bundled CommonJS dependencies call `require` and read `__dirname`, which
// an ES module does not have.
const SST_BANNER = [
  `import { createRequire as topLevelCreateRequire } from 'module';`,
  `const require = topLevelCreateRequire(import.meta.url);`,
  `import { fileURLToPath as topLevelFileUrlToPath, URL as topLevelURL } from "url"`,
  `const __filename = topLevelFileUrlToPath(import.meta.url)`,
  `const __dirname = topLevelFileUrlToPath(new topLevelURL(".", import.meta.url))`,
].join("\n");

/**
 * SST 4's builder (pkg/runtime/node/build.go) for a deployed ESM function with no `nodejs`
 * options, as infra/ has: bundle, node platform, `module` before `main`, keep names, only sharp
 * and pg-native external, no source map. Two choices differ on purpose or by SST's own code:
 * - target: SST says esnext; node22 is the runtime infra/ deploys to, so esbuild lowers nothing
 *   that runtime lacks (for this code the output is the same).
 * - minify: SST's docs say it defaults to on, but its builder minifies only when `nodejs.minify`
 *   is set, and infra/ does not set it; so off, like the code SST would upload.
 */
export const SST_BUILD_OPTIONS = {
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node22",
  mainFields: ["module", "main"],
  keepNames: true,
  external: ["sharp", "pg-native"],
  banner: { js: SST_BANNER },
  minify: false,
  sourcemap: false,
  metafile: true,
  logLevel: "silent",
} as const satisfies BuildOptions;

export interface HandlerBundle {
  /** The function, by its entry point's base name: `request-approval`, `api`, `sweeper`, … */
  name: string;
  /** The bundle: `<outDir>/<name>/<name>.mjs`, alone in its directory as in a Lambda package. */
  file: string;
  /** The Lambda handler setting for it, e.g. `api.handler`. */
  handler: string;
  bytes: number;
  /** How many input files went into it, from esbuild's metafile. */
  inputs: number;
  /** What it still imports at run time; only Node built-ins, as Lambda ships no node_modules. */
  externalImports: string[];
}

/**
 * Builds every handler in HANDLERS_DIR into `outDir` (emptied first), one directory each.
 * Throws esbuild's error when a build fails; warnings are returned for the caller to show.
 */
export async function bundleHandlers(
  outDir: string = DEFAULT_BUNDLE_DIR,
): Promise<{ bundles: HandlerBundle[]; warnings: string[] }> {
  const entries = await listHandlerEntries();
  await rm(outDir, { recursive: true, force: true });
  await mkdir(outDir, { recursive: true });
  const warnings: string[] = [];
  const bundles = await Promise.all(
    [...entries].map(async ([name, entry]) => {
      const file = join(outDir, name, `${name}.mjs`);
      const result = await build({
        ...SST_BUILD_OPTIONS,
        absWorkingDir: ROOT,
        entryPoints: [join(ROOT, entry)],
        outfile: file,
      });
      for (const warning of result.warnings) warnings.push(`${name}: ${warning.text}`);
      const output = result.metafile.outputs[relative(ROOT, file)];
      if (!output) throw new Error(`esbuild wrote no ${relative(ROOT, file)}`);
      return {
        name,
        file,
        handler: `${name}.handler`,
        bytes: output.bytes,
        inputs: Object.keys(output.inputs).length,
        externalImports: [
          ...new Set(output.imports.filter((i) => i.external).map((i) => i.path)),
        ].sort(),
      };
    }),
  );
  return { bundles, warnings };
}

/** `1234567` → `1,205.6 KiB`. */
export function formatKiB(bytes: number): string {
  return `${(bytes / 1024).toLocaleString("en-US", { minimumFractionDigits: 1, maximumFractionDigits: 1 })} KiB`;
}

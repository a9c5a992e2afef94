/**
 * Bundles each Lambda entry point the way SST's Node.js function builder does for infra/, so the
 * tests and the report see the code Lambda would load: one ESM file per function, everything
 * (the AWS SDK v3 included) bundled, with the banner that gives bundled CommonJS a `require`.
 */
import { mkdir, readdir, rm } from "node:fs/promises";
import { basename, dirname, join, relative } from "node:path";
import { type BuildOptions, build } from "esbuild";

/** The repository root. */
export const ROOT = join(import.meta.dirname, "..");

/** Where `npm run bundle` and `npm run bundle:report` write (gitignored with the rest of .local/). */
export const DEFAULT_BUNDLE_DIR = join(ROOT, ".local", "bundles");

/** Every Lambda entry point: each file here is one function in infra/functions.ts. */
export const HANDLERS_DIR = "packages/functions/src/handlers";

/**
 * The floor bundle's entry: a bare handler constructing the same AWS SDK clients and nothing else
 * (see the file). Not a function in infra/, so outside HANDLERS_DIR.
 */
export const FLOOR_ENTRY = "scripts/floor-handler.ts";

/** The floor bundle's name in reports. */
export const FLOOR_NAME = "floor";

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
 * SST 4's builder (pkg/runtime/node/build.go) for a deployed ESM function with the `nodejs`
 * options infra/functions.ts sets (`minify: true`, nothing else): bundle, node platform, `module`
 * before `main`, keep names (always on in SST, minified or not), only sharp and pg-native
 * external, no source map, minified. One choice differs on purpose:
 * - target: SST says esnext; node22 is the runtime infra/ deploys to, so esbuild lowers nothing
 *   that runtime lacks (for this code the output is the same).
 * SST's docs say `minify` defaults to on, but its builder minifies only when `nodejs.minify` is
 * set (whitespace, syntax and identifiers together), which is why infra/ sets it.
 * infra/ also sets `nodejs.splitting`: SST then builds into the function's directory (`outdir`,
 * `.mjs` for `.js`) with esbuild's code splitting, so a dynamic `import()` becomes its own file,
 * loaded on first use (see `bundleEntry`).
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
  minify: true,
  sourcemap: false,
  metafile: true,
  logLevel: "silent",
} as const satisfies BuildOptions;

export interface HandlerBundle {
  /** The function, by its entry point's base name: `request-approval`, `api`, `sweeper`, … */
  name: string;
  /**
   * The entry file: `<outDir>/<name>/<name>.mjs`, alone in its directory as in a Lambda package
   * but for the chunks code splitting wrote beside it.
   */
  file: string;
  /** The Lambda handler setting for it, e.g. `api.handler`. */
  handler: string;
  /** Every file of the package together: the entry and all its chunks. */
  bytes: number;
  /** The entry and the chunks it imports statically: what a cold start loads. */
  initialBytes: number;
  /** Chunks only a dynamic `import()` loads (on first use), by path; none without one. */
  deferredChunks: string[];
  /**
   * Of those, the chunks our own code loads lazily (the API's `/v1` routes), by path; the rest
   * are the AWS SDK's own lazy imports (SSO, STS, …) that Lambda's credentials never need.
   */
  ownDeferredChunks: string[];
  /** How many input files went into it, from esbuild's metafile. */
  inputs: number;
  /** What it still imports at run time; only Node built-ins, as Lambda ships no node_modules. */
  externalImports: string[];
  /** The npm packages with code in it (tree-shaking kept some), e.g. `@aws-sdk/client-sfn`. */
  packages: string[];
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
    [...entries].map(([name, entry]) => bundleEntry(name, entry, outDir, warnings)),
  );
  return { bundles, warnings };
}

/**
 * Builds the floor bundle (FLOOR_ENTRY) into `<outDir>/floor/`, with the same options as the
 * handlers. Call after `bundleHandlers`, which empties `outDir`.
 */
export async function bundleFloor(
  outDir: string = DEFAULT_BUNDLE_DIR,
): Promise<{ bundle: HandlerBundle; warnings: string[] }> {
  const warnings: string[] = [];
  const bundle = await bundleEntry(FLOOR_NAME, FLOOR_ENTRY, outDir, warnings);
  return { bundle, warnings };
}

async function bundleEntry(
  name: string,
  entry: string,
  outDir: string,
  warnings: string[],
): Promise<HandlerBundle> {
  const file = join(outDir, name, `${name}.mjs`);
  const result = await build({
    ...SST_BUILD_OPTIONS,
    absWorkingDir: ROOT,
    // SST with `nodejs.splitting`: the entry's directory as outdir, `.mjs` outputs, the entry
    // named after its file (as every entry point in HANDLERS_DIR is named after its function).
    splitting: true,
    outdir: dirname(file),
    outExtension: { ".js": ".mjs" },
    entryPoints: [{ in: join(ROOT, entry), out: name }],
  });
  for (const warning of result.warnings) warnings.push(`${name}: ${warning.text}`);
  const outputs = result.metafile.outputs;
  const entryPath = relative(ROOT, file);
  if (!outputs[entryPath]) throw new Error(`esbuild wrote no ${entryPath}`);
  // What a cold start loads: the entry and, transitively, the chunks it imports statically.
  const initial = new Set<string>();
  const visit = (path: string) => {
    if (initial.has(path)) return;
    initial.add(path);
    for (const i of outputs[path]!.imports)
      if (i.kind === "import-statement" && !i.external) visit(i.path);
  };
  visit(entryPath);
  const all = Object.values(outputs);
  const sum = (paths: Iterable<string>) => [...paths].reduce((n, p) => n + outputs[p]!.bytes, 0);
  return {
    name,
    file,
    handler: `${name}.handler`,
    bytes: sum(Object.keys(outputs)),
    initialBytes: sum(initial),
    deferredChunks: Object.keys(outputs)
      .filter((path) => !initial.has(path))
      .map((path) => join(ROOT, path)),
    ownDeferredChunks: Object.keys(outputs)
      .filter((path) => !initial.has(path))
      .filter((path) => Object.keys(outputs[path]!.inputs).some((i) => i.startsWith("packages/")))
      .map((path) => join(ROOT, path)),
    inputs: new Set(all.flatMap((output) => Object.keys(output.inputs))).size,
    externalImports: [
      ...new Set(
        all.flatMap((output) => output.imports.filter((i) => i.external).map((i) => i.path)),
      ),
    ].sort(),
    packages: [
      ...new Set(
        all
          .flatMap((output) => Object.entries(output.inputs))
          .filter(([, input]) => input.bytesInOutput > 0)
          .map(([path]) => PACKAGE_PATH.exec(path)?.[1])
          .filter((name) => name !== undefined),
      ),
    ].sort(),
  };
}

/** The package a bundled file belongs to: the last `node_modules/<name>` in its path. */
const PACKAGE_PATH = /.*node_modules\/((?:@[^/]+\/)?[^/]+)\//;

/** `1234567` → `1,205.6 KiB`. */
export function formatKiB(bytes: number): string {
  return `${(bytes / 1024).toLocaleString("en-US", { minimumFractionDigits: 1, maximumFractionDigits: 1 })} KiB`;
}

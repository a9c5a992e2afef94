/**
 * `npm run bundle`: builds each Lambda entry point as SST would deploy it into .local/bundles/
 * (or the directory given as the first argument) and lists the files.
 */
import { relative } from "node:path";
import { bundleHandlers, DEFAULT_BUNDLE_DIR, formatKiB, ROOT } from "./bundle-handlers.ts";

const outDir = process.argv[2] ?? DEFAULT_BUNDLE_DIR;
const { bundles, warnings } = await bundleHandlers(outDir);
for (const warning of warnings) console.warn(`warning: ${warning}`);
for (const bundle of bundles) {
  console.log(
    `${relative(ROOT, bundle.file)}  ${formatKiB(bundle.bytes)}  handler ${bundle.handler}`,
  );
}

/**
 * Formats generated text with the repository's Biome and its biome.json, so generated files
 * pass `npm run lint` and regenerating them yields the same bytes.
 */
import { spawn } from "node:child_process";
import { join, relative } from "node:path";
import { REPO_ROOT } from "./paths.ts";

const BIOME = join(REPO_ROOT, "node_modules", ".bin", "biome");

/** `source` as Biome formats a file at `path` (absolute); Biome picks the language from it. */
export function formatWithBiome(source: string, path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(BIOME, ["format", `--stdin-file-path=${relative(REPO_ROOT, path)}`], {
      cwd: REPO_ROOT,
      stdio: ["pipe", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
      stdout += chunk;
    });
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
      stderr += chunk;
    });
    child.once("error", reject);
    child.once("close", (code) => {
      if (code === 0) resolve(stdout);
      else reject(new Error(`biome format ${path} exited ${code}: ${stderr.trim()}`));
    });
    child.stdin.end(source);
  });
}

/**
 * Development keys for the local stack: random link-signing and token-encryption keys, kept
 * beside the data when the stack persists it (a restarted stack must still decrypt the tokens
 * and verify the links it issued), fresh on every start otherwise. Never used on AWS, where
 * the keys are SST secrets.
 */
import { randomBytes } from "node:crypto";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { parseKeyring, type SecretKey } from "@signoff/core";

export interface DevKeys {
  link: SecretKey[];
  token: SecretKey[];
}

const KEYS_FILE = "signoff-dev-keys.json";

function randomKeyring(kid: string): string {
  return `${kid}:${randomBytes(32).toString("base64url")}`;
}

/** Keys for this run: read from `persistDir` when it has them, else new (and saved there). */
export async function loadDevKeys(persistDir?: string): Promise<DevKeys> {
  const path = persistDir ? join(persistDir, KEYS_FILE) : undefined;
  let rings: { link: string; token: string } | undefined;
  if (path) {
    rings = await readFile(path, "utf8").then(
      (text) => JSON.parse(text) as { link: string; token: string },
      (error: NodeJS.ErrnoException) => {
        if (error.code === "ENOENT") return undefined;
        throw error;
      },
    );
  }
  if (!rings) {
    rings = { link: randomKeyring("dev-link-1"), token: randomKeyring("dev-token-1") };
    if (path && persistDir) {
      await mkdir(persistDir, { recursive: true });
      await writeFile(path, `${JSON.stringify(rings, null, 2)}\n`, { mode: 0o600 });
    }
  }
  return { link: parseKeyring(rings.link), token: parseKeyring(rings.token) };
}

/**
 * Keyrings: the symmetric keys for link signing and token encryption, by key id. The first key
 * signs or encrypts; every key verifies or decrypts, so a key can be rotated in (add it second,
 * then move it first) and out (drop it once nothing it protected is still live).
 */
import { KeyringError } from "./errors.ts";

export interface SecretKey {
  kid: string;
  secret: Uint8Array;
}

/** Shortest secret accepted: 256 bits, the HS256 output size and the A256GCM key size. */
export const MIN_SECRET_BYTES = 32;

const KID_PATTERN = /^[A-Za-z0-9._-]{1,64}$/;
const BASE64URL_PATTERN = /^[A-Za-z0-9_-]+={0,2}$/;

/**
 * Parses `kid1:base64url,kid2:base64url` (whitespace around entries ignored). Throws
 * `KeyringError` naming the entry by position and the problem: never its text, since a
 * mistyped entry's "kid" may well be the secret.
 */
export function parseKeyring(text: string): SecretKey[] {
  const entries = text
    .split(",")
    .map((entry) => entry.trim())
    .filter((entry) => entry.length > 0);
  if (entries.length === 0) throw new KeyringError("keyring is empty: expected kid:base64url");
  const keys = entries.map((entry, index) => {
    const colon = entry.indexOf(":");
    if (colon < 0) {
      throw new KeyringError(`keyring entry ${index + 1} has no ":" (expected kid:base64url)`);
    }
    const kid = entry.slice(0, colon).trim();
    const encoded = entry.slice(colon + 1).trim();
    if (!BASE64URL_PATTERN.test(encoded)) {
      throw new KeyringError(`keyring entry ${index + 1} has a secret that is not base64url`);
    }
    return { kid, secret: new Uint8Array(Buffer.from(encoded, "base64url")) };
  });
  validateKeyring(keys);
  return keys;
}

/**
 * Checks a key list: at least one key, unique well-formed key ids, secrets of at least
 * `minBytes` (or exactly `exactBytes`). Throws `KeyringError` otherwise.
 */
export function validateKeyring(
  keys: readonly SecretKey[],
  options: { exactBytes?: number } = {},
): void {
  if (keys.length === 0) throw new KeyringError("keyring has no keys");
  const seen = new Set<string>();
  for (const [index, { kid, secret }] of keys.entries()) {
    const entry = `keyring entry ${index + 1}`;
    if (!KID_PATTERN.test(kid)) {
      throw new KeyringError(`${entry} needs a key id of 1-64 characters A-Z a-z 0-9 . _ -`);
    }
    if (seen.has(kid)) throw new KeyringError(`${entry} repeats an earlier key id`);
    seen.add(kid);
    const { exactBytes } = options;
    if (exactBytes !== undefined && secret.byteLength !== exactBytes) {
      throw new KeyringError(
        `${entry} has a ${secret.byteLength}-byte secret; exactly ${exactBytes} bytes are required`,
      );
    }
    if (secret.byteLength < MIN_SECRET_BYTES) {
      throw new KeyringError(
        `${entry} has a ${secret.byteLength}-byte secret; at least ${MIN_SECRET_BYTES} bytes are required`,
      );
    }
  }
}

/** The key with id `kid`, if the ring has it. */
export function findKey(keys: readonly SecretKey[], kid: unknown): SecretKey | undefined {
  return typeof kid === "string" ? keys.find((key) => key.kid === kid) : undefined;
}

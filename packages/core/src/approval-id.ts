/**
 * Approval ids are derived from the task token, so a retried request (Lambda or Step Functions
 * retry, same token) lands on the same approval instead of creating a second one.
 */
import { createHash } from "node:crypto";

const BASE32_ALPHABET = "abcdefghijklmnopqrstuvwxyz234567";

/** Length of an approval id: 26 base32 characters carry 130 bits of the hash. */
export const APPROVAL_ID_LENGTH = 26;

const APPROVAL_ID_PATTERN = /^[a-z2-7]{26}$/;

/** `base32(sha256(taskToken))[:26]`, lower-case RFC 4648 alphabet, no padding. */
export function deriveApprovalId(taskToken: string): string {
  const digest = createHash("sha256").update(taskToken, "utf8").digest();
  return encodeBase32(digest).slice(0, APPROVAL_ID_LENGTH);
}

/** Whether `value` has the shape of an approval id (for validating ids from URLs). */
export function isApprovalId(value: string): boolean {
  return APPROVAL_ID_PATTERN.test(value);
}

/** RFC 4648 base32, lower-case, without padding. */
export function encodeBase32(bytes: Uint8Array): string {
  let out = "";
  let buffer = 0;
  let bits = 0;
  for (const byte of bytes) {
    buffer = (buffer << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      out += BASE32_ALPHABET[(buffer >>> bits) & 31];
    }
    // Keep only the bits not yet emitted so `buffer` never outgrows 32 bits.
    buffer &= (1 << bits) - 1;
  }
  if (bits > 0) out += BASE32_ALPHABET[(buffer << (5 - bits)) & 31];
  return out;
}

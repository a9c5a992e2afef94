/**
 * Task tokens at rest: compact JWE with direct AES-256-GCM (`alg: dir`, `enc: A256GCM`) and the
 * key id in the protected header, so keys can rotate: the first key encrypts, any key whose id
 * a ciphertext names decrypts it.
 */
import { webcrypto } from "node:crypto";
import { CompactEncrypt, compactDecrypt, decodeProtectedHeader, errors } from "jose";
import { deriveApprovalId } from "./approval-id.ts";
import { TokenDecryptError } from "./errors.ts";
import { findKey, type SecretKey, validateKeyring } from "./keyring.ts";

/** A256GCM takes a 256-bit key. */
export const TOKEN_KEY_BYTES = 32;

export interface TokenCipher {
  /** Encrypts a task token with the first key of the ring. */
  encrypt(taskToken: string): Promise<string>;
  /**
   * Decrypts the stored token of approval `approvalId`; throws `TokenDecryptError` (never showing
   * token or ciphertext), also when the token is not that approval's: approval ids derive from
   * their tokens, so a ciphertext copied from another approval can never call that one's task.
   */
  decrypt(ciphertext: string, binding: { approvalId: string }): Promise<string>;
}

/** Creates a cipher over a keyring of 32-byte keys; throws `KeyringError` for a bad ring. */
export function createTokenCipher(options: { keys: readonly SecretKey[] }): TokenCipher {
  const keys = [...options.keys];
  validateKeyring(keys, { exactBytes: TOKEN_KEY_BYTES });
  const encryptionKey = keys[0]!;
  // jose imports raw key bytes through WebCrypto on every call, about half the cost of a
  // decrypt; each key is imported once instead, on first use (as the link signer does).
  const imported = new Map<string, Promise<webcrypto.CryptoKey>>();
  const cryptoKeyOf = (key: SecretKey): Promise<webcrypto.CryptoKey> => {
    let cryptoKey = imported.get(key.kid);
    if (cryptoKey === undefined) {
      cryptoKey = webcrypto.subtle.importKey("raw", key.secret, "AES-GCM", false, [
        "encrypt",
        "decrypt",
      ]);
      imported.set(key.kid, cryptoKey);
    }
    return cryptoKey;
  };

  return {
    async encrypt(taskToken) {
      return new CompactEncrypt(new TextEncoder().encode(taskToken))
        .setProtectedHeader({ alg: "dir", enc: "A256GCM", kid: encryptionKey.kid })
        .encrypt(await cryptoKeyOf(encryptionKey));
    },

    async decrypt(ciphertext, { approvalId }) {
      let kid: unknown;
      try {
        kid = decodeProtectedHeader(ciphertext).kid;
      } catch (cause) {
        throw new TokenDecryptError("malformed", undefined, { cause: sanitize(cause) });
      }
      const safeKid = typeof kid === "string" ? kid.slice(0, 64) : undefined;
      const key = findKey(keys, kid);
      if (key === undefined) throw new TokenDecryptError("unknown-key", safeKid);
      let token: string;
      try {
        const { plaintext } = await compactDecrypt(ciphertext, await cryptoKeyOf(key), {
          keyManagementAlgorithms: ["dir"],
          contentEncryptionAlgorithms: ["A256GCM"],
        });
        token = new TextDecoder("utf-8", { fatal: true }).decode(plaintext);
      } catch (cause) {
        const reason = cause instanceof errors.JWEDecryptionFailed ? "decrypt-failed" : "malformed";
        throw new TokenDecryptError(reason, safeKid, { cause: sanitize(cause) });
      }
      if (deriveApprovalId(token) !== approvalId) throw new TokenDecryptError("not-bound", safeKid);
      return token;
    },
  };
}

/**
 * Keeps a cause's type and message but not its own cause chain. jose's messages are fixed
 * strings, so neither the token nor the ciphertext can ride along in logs of the cause.
 */
function sanitize(cause: unknown): Error {
  if (cause instanceof errors.JOSEError) {
    const copy = new Error(cause.message);
    copy.name = cause.name;
    return copy;
  }
  const copy = new Error("unexpected error while decrypting");
  copy.name = cause instanceof Error ? cause.name : "Error";
  return copy;
}

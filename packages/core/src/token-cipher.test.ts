import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { deriveApprovalId } from "./approval-id.ts";
import { KeyringError, TokenDecryptError } from "./errors.ts";
import { createTokenCipher } from "./token-cipher.ts";

const token = `AQCEAAAAKgAAAAMAAAAAAAAAAd${"x".repeat(900)}`;
/** The approval the token belongs to. */
const bound = { approvalId: deriveApprovalId(token) };
const keyA = { kid: "enc-a", secret: randomBytes(32) };
const keyB = { kid: "enc-b", secret: randomBytes(32) };

async function decryptError(run: () => Promise<unknown>): Promise<TokenDecryptError> {
  try {
    await run();
  } catch (error) {
    if (error instanceof TokenDecryptError) return error;
    throw error;
  }
  throw new Error("expected decrypt to fail");
}

function expectNoSecrets(error: TokenDecryptError, ...secrets: string[]): void {
  const text = `${error.message} ${String(error.stack)} ${JSON.stringify(error)} ${String(
    (error.cause as Error | undefined)?.message,
  )}`;
  for (const secret of secrets) {
    expect(text).not.toContain(secret);
    expect(text).not.toContain(secret.slice(0, 40));
  }
}

describe("token cipher", () => {
  it("round-trips a token as a dir/A256GCM compact JWE naming its key", async () => {
    const cipher = createTokenCipher({ keys: [keyA] });
    const jwe = await cipher.encrypt(token);
    expect(jwe.split(".")).toHaveLength(5);
    expect(jwe).not.toContain(token.slice(0, 20));
    const header = JSON.parse(Buffer.from(jwe.split(".")[0]!, "base64url").toString());
    expect(header).toEqual({ alg: "dir", enc: "A256GCM", kid: "enc-a" });
    expect(await cipher.decrypt(jwe, bound)).toBe(token);
  });

  it("decrypts with an older key after rotation and encrypts with the new one", async () => {
    const before = await createTokenCipher({ keys: [keyA] }).encrypt(token);
    const rotated = createTokenCipher({ keys: [keyB, keyA] });
    expect(await rotated.decrypt(before, bound)).toBe(token);
    const after = await rotated.encrypt(token);
    expect(JSON.parse(Buffer.from(after.split(".")[0]!, "base64url").toString()).kid).toBe("enc-b");
  });

  it("fails with TokenDecryptError, without the token or ciphertext, when the key is wrong", async () => {
    const jwe = await createTokenCipher({ keys: [keyA] }).encrypt(token);
    const impostor = createTokenCipher({ keys: [{ kid: "enc-a", secret: randomBytes(32) }] });
    const error = await decryptError(() => impostor.decrypt(jwe, bound));
    expect(error.name).toBe("TokenDecryptError");
    expect(error.code).toBe("token-decrypt-failed");
    expect(error.reason).toBe("decrypt-failed");
    expectNoSecrets(error, token, jwe);
  });

  it("fails with unknown-key when no key has the ciphertext's id", async () => {
    const jwe = await createTokenCipher({ keys: [keyA] }).encrypt(token);
    const error = await decryptError(() => createTokenCipher({ keys: [keyB] }).decrypt(jwe, bound));
    expect(error.reason).toBe("unknown-key");
    expect(error.kid).toBe("enc-a");
    expectNoSecrets(error, token, jwe);
  });

  it("fails with malformed for text that is not a JWE and decrypt-failed for a tampered one", async () => {
    const cipher = createTokenCipher({ keys: [keyA] });
    const error = await decryptError(() => cipher.decrypt(token, bound));
    expect(error.reason).toBe("malformed");
    expectNoSecrets(error, token);
    const jwe = await cipher.encrypt(token);
    const [header, , iv, body, tag] = jwe.split(".");
    const flipped = `${body![0] === "A" ? "B" : "A"}${body!.slice(1)}`;
    const tampered = `${header}..${iv}.${flipped}.${tag}`;
    expect((await decryptError(() => cipher.decrypt(tampered, bound))).reason).toBe(
      "decrypt-failed",
    );
  });

  it("refuses to decrypt a token for any approval but the one it belongs to", async () => {
    const cipher = createTokenCipher({ keys: [keyA] });
    const other = `${token.slice(0, -1)}y`;
    // Another approval's ciphertext copied onto this one decrypts, but to a token that is not
    // this approval's: it must never reach SendTask* for this approval.
    const copied = await cipher.encrypt(other);
    const error = await decryptError(() => cipher.decrypt(copied, bound));
    expect(error.reason).toBe("not-bound");
    expectNoSecrets(error, token, other, copied);
    expect(await cipher.decrypt(copied, { approvalId: deriveApprovalId(other) })).toBe(other);
  });

  it("refuses keys that are not exactly 32 bytes", () => {
    expect(() => createTokenCipher({ keys: [{ kid: "k", secret: randomBytes(64) }] })).toThrow(
      KeyringError,
    );
  });
});

import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { KeyringError } from "./errors.ts";
import { parseKeyring, validateKeyring } from "./keyring.ts";

const secret32 = randomBytes(32);
const encoded32 = secret32.toString("base64url");

describe("parseKeyring", () => {
  it("parses kid:base64url entries in order", () => {
    const other = randomBytes(48);
    const keys = parseKeyring(` k2:${encoded32} , k1:${other.toString("base64url")}`);
    expect(keys.map((key) => key.kid)).toEqual(["k2", "k1"]);
    expect(Buffer.from(keys[0]!.secret).equals(secret32)).toBe(true);
    expect(keys[1]!.secret.byteLength).toBe(48);
  });

  it("rejects a secret shorter than 32 bytes, naming the entry but not the secret", () => {
    const short = randomBytes(16).toString("base64url");
    const attempt = () => parseKeyring(`ok:${encoded32},weak:${short}`);
    expect(attempt).toThrow(KeyringError);
    expect(attempt).toThrow(/entry 2 has a 16-byte secret; at least 32 bytes/);
    try {
      attempt();
    } catch (error) {
      expect(String((error as Error).message)).not.toContain(short);
      expect((error as KeyringError).code).toBe("invalid-keyring");
    }
  });

  it("rejects empty rings, missing colons, bad base64url and duplicate ids", () => {
    expect(() => parseKeyring(" , ")).toThrow(/empty/);
    expect(() => parseKeyring(encoded32)).toThrow(/no ":"/);
    expect(() => parseKeyring("k1:not base64!")).toThrow(/entry 1 .* not base64url/);
    expect(() => parseKeyring(`k1:${encoded32},k1:${encoded32}`)).toThrow(/entry 2 repeats/);
    expect(() => parseKeyring(`:${encoded32}`)).toThrow(/key id/);
    // A reversed entry must not echo the secret that ended up where the key id goes.
    const reversed = () => parseKeyring(`${encoded32}:k1`);
    expect(reversed).toThrow(KeyringError);
    expect(reversed).not.toThrow(encoded32);
  });
});

describe("validateKeyring", () => {
  it("can require an exact key size", () => {
    const keys = [{ kid: "k1", secret: new Uint8Array(64) }];
    expect(() => validateKeyring(keys)).not.toThrow();
    expect(() => validateKeyring(keys, { exactBytes: 32 })).toThrow(/exactly 32/);
  });
});

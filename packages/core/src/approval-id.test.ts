import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { deriveApprovalId, encodeBase32, isApprovalId } from "./approval-id.ts";

describe("deriveApprovalId", () => {
  it("is stable for the same token and differs between tokens", () => {
    const token = "AQCEAAAAKgAAAAMAAAAAAAAAAf...example-task-token";
    expect(deriveApprovalId(token)).toBe(deriveApprovalId(token));
    expect(deriveApprovalId(token)).not.toBe(deriveApprovalId(`${token}x`));
  });

  it("is 26 characters of the lower-case base32 alphabet", () => {
    for (const token of ["a", "token", "x".repeat(2048)]) {
      const id = deriveApprovalId(token);
      expect(id).toHaveLength(26);
      expect(id).toMatch(/^[a-z2-7]{26}$/);
      expect(isApprovalId(id)).toBe(true);
    }
  });

  it("is the prefix of the base32 sha256 of the token", () => {
    // Cross-checked with Python: base64.b32encode(sha256(b"abc")).lower()[:26]
    const digest = createHash("sha256").update("abc").digest();
    expect(deriveApprovalId("abc")).toBe(encodeBase32(digest).slice(0, 26));
    expect(deriveApprovalId("abc")).toBe("xj4bnp4pahh6uqkbidpf3lrceo");
  });
});

describe("encodeBase32", () => {
  it("matches the RFC 4648 test vectors without padding", () => {
    const vectors: Array<[string, string]> = [
      ["", ""],
      ["f", "my"],
      ["fo", "mzxq"],
      ["foo", "mzxw6"],
      ["foob", "mzxw6yq"],
      ["fooba", "mzxw6ytb"],
      ["foobar", "mzxw6ytboi"],
    ];
    for (const [input, expected] of vectors) {
      expect(encodeBase32(Buffer.from(input))).toBe(expected);
    }
  });
});

describe("isApprovalId", () => {
  it("refuses other shapes", () => {
    expect(isApprovalId("XIWBNP3EA4MK5JHTL6PXEAFE2E")).toBe(false);
    expect(isApprovalId("xiwbnp3ea4mk5jhtl6pxeafe2")).toBe(false);
    expect(isApprovalId("xiwbnp3ea4mk5jhtl6pxeafe21")).toBe(false);
  });
});

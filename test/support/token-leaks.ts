/**
 * Searching captured output for task tokens: the whole token, and every 40-character slice of
 * it, so a token that was cut, wrapped or partly quoted is still found. Tokens are base64; each
 * is also searched in its base64url and percent-encoded spellings, the forms a leak through a
 * URL or a JWT would take.
 */

/** Length of the slices searched for. */
export const SLICE_LENGTH = 40;

/** A text to search and where it came from, e.g. "email to ann@… (html)". */
export interface Haystack {
  source: string;
  text: string;
}

export interface TokenLeak {
  source: string;
  /** The spelling of the token, or the slice of it, that was found. */
  found: string;
}

function spellings(token: string): string[] {
  const base64url = token.replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  return [...new Set([token, base64url, encodeURIComponent(token)])];
}

function needles(token: string): string[] {
  const all = new Set<string>();
  for (const spelling of spellings(token)) {
    all.add(spelling);
    for (let i = 0; i + SLICE_LENGTH <= spelling.length; i++) {
      all.add(spelling.slice(i, i + SLICE_LENGTH));
    }
  }
  return [...all];
}

/** Every place any of `tokens` (or a 40-character slice of one) occurs in `haystacks`. */
export function findTokenLeaks(tokens: readonly string[], haystacks: readonly Haystack[]) {
  const leaks: TokenLeak[] = [];
  for (const token of tokens) {
    const search = needles(token);
    for (const { source, text } of haystacks) {
      const found = search.find((needle) => text.includes(needle));
      if (found !== undefined) leaks.push({ source, found });
    }
  }
  return leaks;
}

/** Where a secret key's bytes were found, and in which encoding (never the bytes themselves). */
export interface KeyLeak {
  source: string;
  /** The key's id, e.g. "dev-link-1", which is not secret. */
  kid: string;
  encoding: string;
}

/** Length of the slices of each key encoding searched for: 96 bits or more of key material. */
export const KEY_SLICE_LENGTH = 24;

/** A key's bytes in every text form a leak could take, each with its name. */
function keySpellings(secret: Uint8Array): Array<[encoding: string, text: string]> {
  const bytes = Buffer.from(secret);
  const hex = bytes.toString("hex");
  return [
    ["base64", bytes.toString("base64")],
    ["base64url", bytes.toString("base64url")],
    ["hex", hex],
    ["HEX", hex.toUpperCase()],
    ["raw bytes", bytes.toString("latin1")],
  ];
}

/**
 * Every place any key (or a 24-character slice of one of its encodings) occurs in `haystacks`:
 * a signing or encryption key in a log line, a page or an email is as bad as a token.
 */
export function findKeyLeaks(
  keys: ReadonlyArray<{ kid: string; secret: Uint8Array }>,
  haystacks: readonly Haystack[],
): KeyLeak[] {
  const leaks: KeyLeak[] = [];
  for (const { kid, secret } of keys) {
    for (const [encoding, spelling] of keySpellings(secret)) {
      const search = [spelling];
      for (let i = 0; i + KEY_SLICE_LENGTH <= spelling.length; i++) {
        search.push(spelling.slice(i, i + KEY_SLICE_LENGTH));
      }
      for (const { source, text } of haystacks) {
        if (search.some((needle) => text.includes(needle))) leaks.push({ source, kid, encoding });
      }
    }
  }
  return leaks;
}

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

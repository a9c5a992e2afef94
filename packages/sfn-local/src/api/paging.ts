import { ApiErrorCode, SfnApiError } from "./api-error.ts";

const DEFAULT_PAGE_SIZE = 100;
const MAX_PAGE_SIZE = 1000;

/** One page of a list plus the token for the next one, if any. */
export interface Page<T> {
  items: T[];
  nextToken?: string;
}

/**
 * Pages a list the way Step Functions does: maxResults 0 or absent means the default page size,
 * nextToken is opaque and tied to the list it came from (a token from another list is invalid).
 */
export function paginate<T>(
  items: readonly T[],
  listId: string,
  maxResults: number | undefined,
  nextToken: string | undefined,
): Page<T> {
  if (maxResults !== undefined && (maxResults < 0 || maxResults > MAX_PAGE_SIZE)) {
    throw new SfnApiError(
      ApiErrorCode.ValidationException,
      `1 validation error detected: Value '${maxResults}' at 'maxResults' failed to satisfy constraint: Member must have value less than or equal to ${MAX_PAGE_SIZE}`,
    );
  }
  const size = maxResults ? maxResults : DEFAULT_PAGE_SIZE;
  const start = nextToken === undefined ? 0 : decodeToken(nextToken, listId);
  const end = start + size;
  const page: Page<T> = { items: items.slice(start, end) };
  if (end < items.length) page.nextToken = encodeToken(end, listId);
  return page;
}

function encodeToken(offset: number, listId: string): string {
  return Buffer.from(JSON.stringify({ o: offset, l: listId })).toString("base64url");
}

function decodeToken(token: string, listId: string): number {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(token, "base64url").toString("utf8"));
    if (
      typeof parsed === "object" &&
      parsed !== null &&
      "o" in parsed &&
      "l" in parsed &&
      Number.isInteger(parsed.o) &&
      (parsed.o as number) >= 0 &&
      parsed.l === listId
    ) {
      return parsed.o as number;
    }
  } catch {
    // Falls through to the InvalidToken answer below.
  }
  throw new SfnApiError(ApiErrorCode.InvalidToken, `Invalid Token: '${token}'`);
}

/**
 * Keeping the task token out of what is shown. A workflow may pass it along as context without
 * meaning to (`"task.$": "$$.Task"` carries `Token`): every string that contains it, as a value
 * or as a key, is stored with the token replaced, so no email, page, log line or response can
 * show it.
 */

/** What the token is replaced with. */
export const TOKEN_REDACTED = "[task token]";

/** `text` with every occurrence of `token` replaced by `TOKEN_REDACTED`. */
export function redactTokenText(text: string, token: string): string {
  return token.length > 0 && text.includes(token) ? text.split(token).join(TOKEN_REDACTED) : text;
}

/**
 * `value` (JSON-shaped data) with the token replaced in every string and object key; the same
 * value when there was nothing to replace.
 */
export function redactTokenDeep<T>(value: T, token: string): T {
  if (token.length === 0 || !JSON.stringify(value ?? null).includes(jsonInner(token))) return value;
  return JSON.parse(JSON.stringify(value), (_key, entry: unknown) => {
    if (typeof entry === "string") return redactTokenText(entry, token);
    if (typeof entry !== "object" || entry === null || Array.isArray(entry)) return entry;
    // fromEntries defines properties, so even a `__proto__` key stays plain data.
    return Object.fromEntries(
      Object.entries(entry).map(([key, child]) => [redactTokenText(key, token), child]),
    );
  }) as T;
}

/** The token as it appears inside a JSON string literal (quotes and escapes included). */
function jsonInner(token: string): string {
  return JSON.stringify(token).slice(1, -1);
}

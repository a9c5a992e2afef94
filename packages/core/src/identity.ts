/**
 * Who a person is, by email. One address is one person: identities are compared after trimming
 * and ASCII-only lower-casing, never a Unicode case fold (which would merge `\u212Aim@` with
 * `kim@`), and an address whose Unicode lower case differs from its ASCII lower case is refused
 * wherever it comes from (requests, links, bearer tokens).
 *
 * Mailbox aliases: `alice+ops@example.com` is delivered to `alice@example.com`'s mailbox on most
 * providers, so for the rules that must not be dodged by writing an address differently (the
 * requester may not approve; N-of-M needs N different people) both are the same person. Deciding
 * still needs the exact address the approval names.
 */

/** A-Z only: the one case mapping every mail system agrees on. */
function lowerAscii(text: string): string {
  return text.replace(/[A-Z]/g, (c) => String.fromCharCode(c.charCodeAt(0) + 32));
}

/** Trims and lower-cases an email (ASCII letters only) so the same address always compares equal. */
export function normalizeEmail(email: string): string {
  return lowerAscii(email.trim());
}

/**
 * Why `email` cannot name a person, or undefined when it can: it must not change under a
 * Unicode case fold beyond ASCII (`\u212A` KELVIN SIGN lower-cases to `k`, `\u0130` to `i̇`),
 * since two systems folding differently would see two people where we see one, or one where we
 * see two.
 */
export function findIdentityProblem(email: string): string | undefined {
  const normalized = normalizeEmail(email);
  if (
    normalized.toLowerCase() !== normalized ||
    normalized.toUpperCase().toLowerCase() !== normalized
  ) {
    return "must not contain characters whose case folds to other letters (such as the Kelvin sign)";
  }
  return undefined;
}

/**
 * The mailbox an address is delivered to: the local part up to its first `+` (a subaddress), at
 * the domain. `Alice+Ops@Example.com` → `alice@example.com`.
 */
export function mailboxOf(email: string): string {
  const normalized = normalizeEmail(email);
  const at = normalized.lastIndexOf("@");
  if (at <= 0) return normalized;
  const local = normalized.slice(0, at);
  const plus = local.indexOf("+");
  return plus > 0 ? `${local.slice(0, plus)}${normalized.slice(at)}` : normalized;
}

/** Whether two addresses reach the same mailbox, so belong to the same person. */
export function isSamePerson(a: string, b: string): boolean {
  return mailboxOf(a) === mailboxOf(b);
}

/** Whether `email` is the requester (or an alias of theirs). */
export function isRequester(requestedBy: string | undefined, email: string): boolean {
  return requestedBy !== undefined && isSamePerson(requestedBy, email);
}

/**
 * The address in `text`: a bare address, or a display name and the address in angle brackets
 * (`Alice Smith <alice@example.com>`). Undefined for anything else (`mailto:` URLs, lists,
 * comments, text around the brackets), which the request refuses rather than guess at.
 */
export function parseMailboxAddress(text: string): string | undefined {
  const trimmed = text.trim();
  const named = /^(?:"[^"<>\r\n]*"|[^"<>@,;:\r\n]*)\s*<([^<>\s]+)>$/.exec(trimmed);
  const address = named ? named[1]! : trimmed;
  return ADDRESS.test(address) ? normalizeEmail(address) : undefined;
}

// The shape every address signoff accepts has: one @, no spaces or brackets, a dotted domain.
// (Full RFC 5322 is wider; approvers are validated by the request schema the same way.)
const ADDRESS =
  /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*@(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?\.)+[A-Za-z]{2,63}$/;

/**
 * Hostile values for input validation: wrong types, awkward numbers, strings that break naive
 * text handling, sizes past every limit, nesting deep enough to blow a recursive walker, and
 * prototype-pollution keys. Shared by the request-payload and API-body cases.
 */

/** Values of every JSON type, and the non-JSON numbers an in-process caller could pass. */
export const WRONG_TYPES: ReadonlyArray<readonly [label: string, value: unknown]> = [
  ["null", null],
  ["true", true],
  ["false", false],
  ["0", 0],
  ["-1", -1],
  ["1.5", 1.5],
  ["1e308", 1e308],
  ["NaN", Number.NaN],
  ["Infinity", Number.POSITIVE_INFINITY],
  ["-Infinity", Number.NEGATIVE_INFINITY],
  ["empty string", ""],
  ["blank string", "   "],
  ["a word", "maybe"],
  ["numeric string", "42"],
  ["empty array", []],
  ["array of one", ["alice@example.com"]],
  ["array of arrays", [[1]]],
  ["empty object", {}],
  ["object", { a: 1 }],
];

/** Strings that trip up rendering, storage and mail headers, each labelled. */
export const AWKWARD_STRINGS: ReadonlyArray<readonly [label: string, value: string]> = [
  ["lone high surrogate", "deploy \ud800 now"],
  ["lone low surrogate", "\udfff"],
  ["reversed surrogates", "\udc00\ud800"],
  ["RTL override", "invoice \u202egpj.exe"],
  ["zero-width", "ap\u200bpr\u200cov\u200de\ufeff"],
  ["emoji", "ship it 🚀👩‍👩‍👧‍👦🏳️‍🌈"],
  ["NUL and controls", "a\u0000b\u0007c\u001bd"],
  ["CRLF header injection", "Deploy\r\nBcc: evil@example.com\r\n\r\nbody"],
  ["combining marks", `Z${"\u0336\u0337".repeat(500)}`],
  ["ideographs", "承認をお願いします"],
  ["HTML", '<script>alert(1)</script>"><img src=x onerror=alert(1)>'],
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a literal `${}` is the payload.
  ["template syntax", "${process.env.HOME} {{constructor.constructor('alert(1)')()}}"],
];

/** Email addresses that must not be accepted, or must be stored and shown harmlessly. */
export const BAD_EMAILS: ReadonlyArray<readonly [label: string, value: string]> = [
  ["empty", ""],
  ["no at", "alice"],
  ["no domain", "alice@"],
  ["no local part", "@example.com"],
  ["space", "ali ce@example.com"],
  ["two addresses", "alice@example.com,bob@example.com"],
  ["header injection", "alice@example.com\r\nBcc: evil@example.com"],
  ["angle brackets", "Alice <alice@example.com>"],
  ["script", "<script>@example.com"],
  ["300-char local part", `${"a".repeat(300)}@example.com`],
  ["RTL override", "\u202ealice@example.com"],
  ["lone surrogate", "al\ud800ice@example.com"],
  ["homoglyph", "\u0430lice@example.com"],
];

/** An object nested `levels` deep: `{"a": {"a": ... }}`, built without recursion. */
export function nestedObject(levels: number): unknown {
  let value: unknown = "bottom";
  for (let i = 0; i < levels; i++) value = { a: value };
  return value;
}

/** An array nested `levels` deep: `[[[ ... ]]]`. */
export function nestedArray(levels: number): unknown {
  let value: unknown = [];
  for (let i = 0; i < levels; i++) value = [value];
  return value;
}

/** The JSON text of a value nested `levels` deep, for parsers (no object is built first). */
export function nestedJson(levels: number): string {
  return `${'{"a":'.repeat(levels)}1${"}".repeat(levels)}`;
}

/** A string of `bytes` ASCII bytes. */
export function hugeString(bytes: number): string {
  return "x".repeat(bytes);
}

/** An object of about `bytes` bytes of JSON spread over many keys. */
export function hugeObject(bytes: number): Record<string, string> {
  const object: Record<string, string> = {};
  const chunk = "y".repeat(1000);
  for (let i = 0; i * 1010 < bytes; i++) object[`k${i}`] = chunk;
  return object;
}

/**
 * Objects with prototype-pollution keys, as JSON.parse makes them (own `__proto__` properties,
 * which an object literal would not create).
 */
export const POLLUTING_OBJECTS: ReadonlyArray<readonly [label: string, json: string]> = [
  ["__proto__", '{"__proto__": {"polluted": "yes", "required": 2, "admin": true}}'],
  ["constructor.prototype", '{"constructor": {"prototype": {"polluted": "yes"}}}'],
  ["nested __proto__", '{"a": {"__proto__": {"polluted": "yes"}}}'],
  ["prototype", '{"prototype": {"polluted": "yes"}, "toString": "x", "hasOwnProperty": 1}'],
];

/** True when a pollution attempt reached Object.prototype. */
export function prototypeIsPolluted(): boolean {
  const probe = {} as Record<string, unknown>;
  return probe.polluted !== undefined || probe.admin !== undefined || probe.required !== undefined;
}

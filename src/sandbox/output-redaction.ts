/**
 * Secret redaction for tool output and logged arguments (docs/sandbox.md#secrets-and-redaction).
 *
 * Values shorter than MIN_REDACTED_LENGTH are not redacted: replacing every "1" or "abc"
 * in a result would wreck legitimate output while protecting nothing worth the name.
 * Longer values are replaced in every spelling that returning or logging a string can give
 * them (secretSpellings): raw, URL-encoded (also as form data), JSON-escaped once and twice —
 * and once more, since the sandbox itself JSON-encodes what it shows (a result object as text,
 * a thrown object, a nested string in console output) — also as ASCII-only JSON (`\u00e9`),
 * and the URL-encoded JSON text (a JSON document in a query string). Every character of every
 * occurrence is hidden (redactText), so a secret containing another, or two that overlap, go
 * whole. This is a safety net against accidents, not a barrier against tool code that
 * deliberately encodes a secret (base64, reversed, split...).
 */
export const REDACTED = '[REDACTED]';
export const MIN_REDACTED_LENGTH = 4;
/**
 * How deep the redactor walks a value. Results are never deeper (result-mapper.ts); anything
 * deeper (logged arguments) is flattened to its JSON text and redacted as text, never passed.
 */
export const MAX_REDACTED_DEPTH = 128;

export type Redactor = <T>(value: T) => T;

/** The identity redactor, for servers without redactable secrets. */
const identity: Redactor = (value) => value;

const jsonEscaped = (s: string) => JSON.stringify(s).slice(1, -1);
/** JSON as ASCII-only encoders write it (`\u00e9`): what an upstream may echo back. */
const jsonAsciiEscaped = (s: string) =>
  jsonEscaped(s).replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);

function urlEncoded(s: string): string | undefined {
  try {
    return encodeURIComponent(s);
  } catch {
    return undefined; // a lone surrogate cannot be encoded: the other spellings still apply
  }
}

/** Every spelling of one secret value the redaction looks for (see the module comment). */
export function secretSpellings(value: string): string[] {
  const out = new Set<string>([value]);
  const url = urlEncoded(value);
  if (url !== undefined) {
    out.add(url);
    // Form data: `+` for a space, and as URLSearchParams writes it (also ! ' ( ) ~ escaped).
    out.add(url.replace(/%20/g, '+'));
    out.add(new URLSearchParams({ k: value }).toString().slice(2));
  }
  // JSON-escaped once, twice, three times; the ASCII-only spelling too (an upstream's reply
  // that the tool returns or logs is escaped again like any string).
  let json = value;
  let ascii = jsonAsciiEscaped(value);
  for (let level = 1; level <= 3; level++) {
    json = jsonEscaped(json);
    out.add(json);
    out.add(ascii);
    ascii = jsonEscaped(ascii);
  }
  // JSON escapes a lone surrogate (`\ud800`), so the URL encoding of its text cannot fail.
  out.add(encodeURIComponent(jsonEscaped(value)));
  return [...out];
}

export function secretNeedles(secrets: Record<string, string>): string[] {
  const needles = new Set<string>();
  for (const value of Object.values(secrets)) {
    if (typeof value !== 'string' || value.length < MIN_REDACTED_LENGTH) continue;
    for (const spelling of secretSpellings(value)) needles.add(spelling);
  }
  // In no particular order: redactText and redactCutTail look for every needle in the text as given.
  return [...needles];
}

/**
 * Replaces every secret value in a string. Where each needle occurs is found in the text as
 * given, and every character of an occurrence is hidden: two secrets that overlap (one ends
 * with the start of the other) go together, where replacing one first would cut the other and
 * leave its rest. A run of hidden characters becomes one REDACTED.
 */
export function redactText(text: string, needles: readonly string[]): string {
  let hidden: Uint8Array | undefined;
  for (const needle of needles)
    for (let at = text.indexOf(needle); at >= 0; at = text.indexOf(needle, at + needle.length))
      (hidden ??= new Uint8Array(text.length)).fill(1, at, at + needle.length);
  if (!hidden) return text;
  let out = '';
  for (let start = 0; start < text.length;) {
    const shown = hidden[start] === 0;
    const next = hidden.indexOf(shown ? 1 : 0, start);
    const end = next === -1 ? text.length : next;
    out += shown ? text.slice(start, end) : REDACTED;
    start = end;
  }
  return out;
}

/**
 * A size limit can cut a string inside a secret: what is left of it no longer matches any
 * needle. A tail of `text` that is the start of a secret (MIN_REDACTED_LENGTH characters or
 * more, up to the whole secret) is replaced, the longest such tail of any secret.
 */
export function redactCutTail(text: string, needles: readonly string[]): string {
  let cut = 0;
  for (const needle of needles) {
    // Candidates are where the secret's first characters appear in the last (length) characters, longest tail first.
    const head = needle.slice(0, MIN_REDACTED_LENGTH);
    for (
      let at = text.indexOf(head, Math.max(0, text.length - needle.length));
      at >= 0 && text.length - at > cut;
      at = text.indexOf(head, at + 1)
    ) {
      if (needle.startsWith(text.slice(at))) {
        cut = text.length - at;
        break;
      }
    }
  }
  return cut ? text.slice(0, text.length - cut) + REDACTED : text;
}

/**
 * A function that returns a deep copy of any JSON-like value with every secret value
 * replaced, in strings and in object keys. Non-JSON leaves (numbers, booleans) pass as is.
 * Below MAX_REDACTED_DEPTH a value is flattened to its (redacted) JSON text.
 */
export function createRedactor(secrets: Record<string, string>): Redactor {
  const needles = secretNeedles(secrets);
  if (!needles.length) return identity;
  const walk = (value: unknown, depth: number): unknown => {
    if (typeof value === 'string') return redactText(value, needles);
    if (value === null || typeof value !== 'object') return value;
    if (depth >= MAX_REDACTED_DEPTH) return redactText(flatten(value), needles);
    if (Array.isArray(value)) return value.map((v) => walk(v, depth + 1));
    // fromEntries defines every key as an own property, `__proto__` (from JSON.parse) included.
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [redactText(k, needles), walk(v, depth + 1)]));
  };
  return <T>(value: T) => walk(value, 0) as T;
}

function flatten(value: object): string {
  try {
    return JSON.stringify(value) ?? '[not shown]';
  } catch {
    return '[not shown: nested too deep to be checked for secrets]';
  }
}

/** Cuts a string to at most `maxBytes` of UTF-8 (never inside a character) with a notice. */
export function truncateUtf8(text: string, maxBytes: number): string {
  const bytes = Buffer.byteLength(text);
  if (bytes <= maxBytes) return text;
  const notice = `\n…[truncated: ${bytes} bytes in total]`;
  const kept = Buffer.from(text).subarray(0, Math.max(0, maxBytes - Buffer.byteLength(notice)));
  // A streaming decode keeps back an incomplete character at the end (a new decoder: no state
  // carried over); a leading byte order mark is text like any other.
  return new TextDecoder('utf-8', { ignoreBOM: true }).decode(kept, { stream: true }) + notice;
}

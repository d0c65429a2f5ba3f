/**
 * Secret redaction for tool output and logged arguments (docs/sandbox.md#secrets-and-redaction).
 *
 * Values shorter than MIN_REDACTED_LENGTH are not redacted: replacing every "1" or "abc"
 * in a result would wreck legitimate output while protecting nothing worth the name.
 * Longer values are replaced longest first (so a secret containing another is removed
 * whole), in every spelling that returning or logging a string can give it (secretSpellings):
 * raw, URL-encoded (also as form data), JSON-escaped once and twice — and once more, since
 * the sandbox itself JSON-encodes what it shows (a result object as text, a thrown object,
 * a nested string in console output). This is a safety net against accidents, not a barrier
 * against tool code that deliberately encodes a secret (base64, reversed, split...).
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
  let json = value;
  for (let level = 1; level <= 3; level++) {
    json = jsonEscaped(json);
    out.add(json);
    if (level === 1) {
      out.add(jsonAsciiEscaped(value));
      const urlJson = urlEncoded(json);
      if (urlJson !== undefined) out.add(urlJson);
    }
  }
  return [...out];
}

export function secretNeedles(secrets: Record<string, string>): string[] {
  const needles = new Set<string>();
  for (const value of Object.values(secrets)) {
    if (typeof value !== 'string' || value.length < MIN_REDACTED_LENGTH) continue;
    for (const spelling of secretSpellings(value)) needles.add(spelling);
  }
  return [...needles].sort((a, b) => b.length - a.length);
}

/** Replaces every secret value in a string. */
export function redactText(text: string, needles: readonly string[]): string {
  let out = text;
  for (const needle of needles) if (out.includes(needle)) out = out.split(needle).join(REDACTED);
  return out;
}

/**
 * A size limit can cut a string inside a secret: what is left of it no longer matches any
 * needle. A tail of `text` that is the start of a secret (MIN_REDACTED_LENGTH characters or
 * more) is replaced too.
 */
export function redactCutTail(text: string, needles: readonly string[]): string {
  let cut = 0;
  for (const needle of needles) {
    // Candidates are where the secret's first characters appear in the last (length - 1) characters, longest tail first.
    const head = needle.slice(0, MIN_REDACTED_LENGTH);
    for (
      let at = text.indexOf(head, Math.max(0, text.length - needle.length + 1));
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
  // Needles are sorted longest first: a string shorter than the last cannot hold any.
  const shortest = needles[needles.length - 1].length;
  const walk = (value: unknown, depth: number): unknown => {
    if (typeof value === 'string') return value.length < shortest ? value : redactText(value, needles);
    if (value === null || typeof value !== 'object') return value;
    if (depth >= MAX_REDACTED_DEPTH) return redactText(flatten(value), needles);
    if (Array.isArray(value)) return value.map((v) => walk(v, depth + 1));
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value as Record<string, unknown>))
      out[redactText(k, needles)] = walk(v, depth + 1);
    return out;
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
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes <= maxBytes) return text;
  const notice = `\n…[truncated: ${bytes} bytes in total]`;
  const buf = Buffer.from(text, 'utf8').subarray(0, Math.max(0, maxBytes - Buffer.byteLength(notice, 'utf8')));
  return buf.subarray(0, completeCharsEnd(buf)).toString('utf8') + notice;
}

/** The length of `buf` without a trailing, incomplete UTF-8 sequence. */
function completeCharsEnd(buf: Buffer): number {
  let i = buf.length - 1;
  while (i >= 0 && (buf[i] & 0xc0) === 0x80) i--; // continuation bytes
  if (i < 0) return 0;
  const lead = buf[i];
  const need = lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : lead >= 0xc0 ? 2 : 1;
  return buf.length - i >= need ? buf.length : i;
}

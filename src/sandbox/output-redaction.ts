/**
 * Secret redaction for tool output and logged arguments (SPEC §3, §11).
 *
 * Values shorter than MIN_REDACTED_LENGTH are not redacted: replacing every "1" or "abc"
 * in a result would wreck legitimate output while protecting nothing worth the name.
 * Longer values are replaced longest first (so a secret containing another is removed
 * whole), together with the spellings an accidental leak usually takes: the raw value,
 * its URL-encoded form (a secret echoed back inside a URL) and its JSON-escaped form (a
 * secret inside a JSON document returned as text). This is a safety net against accidents,
 * not a barrier against tool code that deliberately encodes a secret.
 */
export const REDACTED = '[REDACTED]';
export const MIN_REDACTED_LENGTH = 4;

export type Redactor = <T>(value: T) => T;

/** The identity redactor, for servers without redactable secrets. */
const identity: Redactor = (value) => value;

export function secretNeedles(secrets: Record<string, string>): string[] {
  const needles = new Set<string>();
  for (const value of Object.values(secrets)) {
    if (typeof value !== 'string' || value.length < MIN_REDACTED_LENGTH) continue;
    needles.add(value);
    const urlEncoded = safeEncode(value);
    if (urlEncoded !== value) needles.add(urlEncoded);
    const jsonEscaped = JSON.stringify(value).slice(1, -1);
    if (jsonEscaped !== value) needles.add(jsonEscaped);
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
 */
export function createRedactor(secrets: Record<string, string>): Redactor {
  const needles = secretNeedles(secrets);
  if (!needles.length) return identity;
  const walk = (value: unknown, depth: number): unknown => {
    if (typeof value === 'string') return redactText(value, needles);
    // Results come from JSON, so they are finite; the depth cap guards against a cycle.
    if (value === null || typeof value !== 'object' || depth > 200) return value;
    if (Array.isArray(value)) return value.map((v) => walk(v, depth + 1));
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value as Record<string, unknown>))
      out[redactText(k, needles)] = walk(v, depth + 1);
    return out;
  };
  return <T>(value: T) => walk(value, 0) as T;
}

function safeEncode(value: string): string {
  try {
    return encodeURIComponent(value);
  } catch {
    return value; // a lone surrogate cannot be encoded: the raw form is still covered
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

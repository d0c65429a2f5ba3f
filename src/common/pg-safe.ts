/**
 * Values from outside (an MCP client's arguments and name, a tool's output) made storable
 * as they are written behind, outside any request that could refuse them: PostgreSQL's
 * `text` refuses U+0000, and `jsonb` refuses the escape `\u0000` and a lone surrogate. One
 * such value in a batch would fail the whole INSERT, and the row or entries would be lost
 * (a caller could keep its calls out of the execution log). Each is replaced by U+FFFD.
 */

const REPLACEMENT = '\uFFFD';

/** `s` with every NUL replaced (lone surrogates are fine in text: the driver encodes them as U+FFFD). */
export function pgText<T extends string | null | undefined>(s: T): T {
  return (typeof s === 'string' && s.includes('\u0000') ? s.replaceAll('\u0000', REPLACEMENT) : s) as T;
}

function wellFormed(s: string): string {
  const clean = s.isWellFormed() ? s : s.toWellFormed();
  return clean.includes('\u0000') ? clean.replaceAll('\u0000', REPLACEMENT) : clean;
}

function clean(value: unknown): unknown {
  if (typeof value === 'string') return wellFormed(value);
  if (Array.isArray(value)) return value.map(clean);
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[wellFormed(k)] = clean(v);
    return out;
  }
  return value;
}

/**
 * `value` as JSON text `jsonb` takes (null stays null). JSON.stringify writes NUL and lone
 * surrogates as `\u` escapes and nothing else does, so text without `\u` is taken as is.
 */
export function pgJson(value: unknown): string | null {
  if (value === undefined || value === null) return null;
  const text = JSON.stringify(value);
  if (text === undefined) return null;
  return text.includes('\\u') ? JSON.stringify(clean(value)) : text;
}

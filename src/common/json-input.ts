/**
 * Two things PostgreSQL or the stack cannot take, checked before anything else sees a
 * value: U+0000 (text and jsonb refuse it — a driver error, i.e. a 500) and very deep
 * nesting (class-transformer, canonical JSON and the jsonb encoder recurse and overflow).
 * The walk is iterative, so the check itself cannot overflow.
 */
export const MAX_JSON_DEPTH = 128;

/** Null when `value` is fine, else the reason naming the first offending path (`field` is its root). */
export function jsonInputProblem(value: unknown, field: string): string | null {
  const stack: [unknown, string, number][] = [[value, field, 0]];
  while (stack.length) {
    const [v, path, depth] = stack.pop() as [unknown, string, number];
    if (typeof v === 'string') {
      if (v.includes('\u0000')) return `${path || 'value'} must not contain a NUL character (\\u0000)`;
      continue;
    }
    if (typeof v !== 'object' || v === null) continue;
    if (depth >= MAX_JSON_DEPTH) return `${path || 'value'} is nested more than ${MAX_JSON_DEPTH} levels deep`;
    const at = (key: string) => (path ? `${path}.${key}` : key);
    if (Array.isArray(v)) v.forEach((item, i) => stack.push([item, `${path}[${i}]`, depth + 1]));
    else {
      for (const [key, item] of Object.entries(v)) {
        if (key.includes('\u0000'))
          return `${path || 'value'} must not have a key containing a NUL character (\\u0000)`;
        stack.push([item, at(key), depth + 1]);
      }
    }
  }
  return null;
}

/** For a plain text field of a service input: null when fine (or not a string), else the reason. */
export const nulProblem = (value: unknown, field: string): string | null =>
  typeof value === 'string' && value.includes('\u0000') ? `${field} must not contain a NUL character (\\u0000)` : null;

/**
 * What PostgreSQL, the stack or the object model cannot take, checked before anything else
 * sees a value: U+0000 (text and jsonb refuse it — a driver error, i.e. a 500), very deep
 * nesting (class-transformer, canonical JSON and the jsonb encoder recurse and overflow) and
 * the keys `__proto__`, `constructor` and `prototype` (class-transformer mangles or drops
 * them; Fastify's parser refuses them over HTTP, the MCP transport parses JSON itself).
 * The walk is iterative, so the check itself cannot overflow.
 */
export const MAX_JSON_DEPTH = 128;

const RESERVED_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

export interface JsonInputIssue {
  /** The top-level field the problem is in ('' for the value itself). */
  field: string;
  message: string;
}

/** Null when `value` is fine, else the first problem, naming its path (`root` is the path's start). */
export function jsonInputIssue(value: unknown, root: string): JsonInputIssue | null {
  const stack: [unknown, string, string, number][] = [[value, root, root, 0]];
  while (stack.length) {
    const [v, path, field, depth] = stack.pop() as [unknown, string, string, number];
    const issue = (message: string): JsonInputIssue => ({ field, message });
    if (typeof v === 'string') {
      if (v.includes('\u0000')) return issue(`${path || 'value'} must not contain a NUL character (\\u0000)`);
      continue;
    }
    if (typeof v !== 'object' || v === null) continue;
    if (depth >= MAX_JSON_DEPTH) return issue(`${path || 'value'} is nested more than ${MAX_JSON_DEPTH} levels deep`);
    if (Array.isArray(v)) v.forEach((item, i) => stack.push([item, `${path}[${i}]`, field, depth + 1]));
    else {
      for (const [key, item] of Object.entries(v)) {
        const top = field || key;
        if (key.includes('\u0000'))
          return { field: top, message: `${path || 'value'} must not have a key containing a NUL character (\\u0000)` };
        if (RESERVED_KEYS.has(key))
          return { field: top, message: `${path || 'value'} must not have a key named "${key}" (reserved)` };
        stack.push([item, path ? `${path}.${key}` : key, top, depth + 1]);
      }
    }
  }
  return null;
}

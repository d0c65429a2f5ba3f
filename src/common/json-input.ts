/**
 * What PostgreSQL, the stack or the object model cannot take, checked before anything else
 * sees a value: U+0000 (text and jsonb refuse it — a driver error, i.e. a 500), very deep
 * nesting (class-transformer, canonical JSON and the jsonb encoder recurse and overflow) and
 * the keys `__proto__`, `constructor` and `prototype` (class-transformer mangles or drops
 * them; Fastify's parser refuses them over HTTP, the MCP transport parses JSON itself).
 * The walk is iterative, so the check itself cannot overflow, and linear in the size of the
 * value: paths are built only for the problem reported, so a 1 MiB body of tiny values is
 * checked in milliseconds.
 */
export const MAX_JSON_DEPTH = 128;

const RESERVED_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

export interface JsonInputIssue {
  /** The top-level field the problem is in ('' for the value itself). */
  field: string;
  message: string;
}

interface Frame {
  value: object;
  parent: Frame | undefined;
  key: string | number;
  depth: number;
}

/** The keys from the top down to the frame (and one more key). */
function keysOf(frame: Frame | undefined, last?: string | number): (string | number)[] {
  const keys: (string | number)[] = last === undefined ? [] : [last];
  for (let f = frame; f?.parent; f = f.parent) keys.unshift(f.key);
  return keys;
}

/** `root.a.b[2].c`: built only for a reported problem. */
function pathOf(root: string, keys: (string | number)[]): string {
  let path = root;
  for (const key of keys) path = typeof key === 'number' ? `${path}[${key}]` : path ? `${path}.${key}` : key;
  return path || 'value';
}

/** Null when `value` is fine, else the first problem, naming its path (`root` is the path's start). */
export function jsonInputIssue(value: unknown, root: string): JsonInputIssue | null {
  const issue = (keys: (string | number)[], message: (path: string) => string): JsonInputIssue => ({
    field: root || (typeof keys[0] === 'string' ? keys[0] : ''),
    message: message(pathOf(root, keys)),
  });
  const nul = (path: string) => `${path} must not contain a NUL character (\\u0000)`;
  if (typeof value === 'string') return value.includes('\u0000') ? issue([], nul) : null;
  if (typeof value !== 'object' || value === null) return null;
  const stack: Frame[] = [{ value, parent: undefined, key: '', depth: 0 }];
  while (stack.length) {
    const frame = stack.pop() as Frame;
    if (frame.depth >= MAX_JSON_DEPTH)
      return issue(keysOf(frame), (path) => `${path} is nested more than ${MAX_JSON_DEPTH} levels deep`);
    const visit = (key: string | number, item: unknown): JsonInputIssue | null => {
      if (typeof item === 'string') return item.includes('\u0000') ? issue(keysOf(frame, key), nul) : null;
      if (typeof item === 'object' && item !== null)
        stack.push({ value: item, parent: frame, key, depth: frame.depth + 1 });
      return null;
    };
    if (Array.isArray(frame.value)) {
      const items: unknown[] = frame.value;
      for (let i = 0; i < items.length; i++) {
        const problem = visit(i, items[i]);
        if (problem) return problem;
      }
      continue;
    }
    for (const key of Object.keys(frame.value)) {
      const keys = keysOf(frame, key);
      if (key.includes('\u0000'))
        return issue(
          keys,
          () => `${pathOf(root, keysOf(frame))} must not have a key containing a NUL character (\\u0000)`,
        );
      if (RESERVED_KEYS.has(key))
        return issue(keys, () => `${pathOf(root, keysOf(frame))} must not have a key named "${key}" (reserved)`);
      const problem = visit(key, (frame.value as Record<string, unknown>)[key]);
      if (problem) return problem;
    }
  }
  return null;
}

/**
 * Whether a JSON text nests deeper than `max` levels, found without parsing it: the sandbox's
 * results (result-mapper.ts) and `/mcp` bodies, whose validation in the MCP SDK recurses.
 */
export function jsonDeeperThan(text: string, max: number): boolean {
  // Each level takes at least two characters: a short text cannot be deep.
  if (text.length <= 2 * max) return false;
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c)
        i++; // a backslash escapes the next character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      if (++depth > max) return true;
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
  return false;
}

/**
 * Two things PostgreSQL or the stack cannot take, checked before anything else sees a
 * value: U+0000 (text and jsonb refuse it — a driver error, i.e. a 500) and very deep
 * nesting (class-transformer, canonical JSON and the jsonb encoder recurse and overflow).
 * The walk is iterative, so the check itself cannot overflow.
 */
export const MAX_JSON_DEPTH = 128;

interface Frame {
  value: object;
  parent: Frame | undefined;
  key: string | number;
  depth: number;
}

/** `a.b[2].c`, from `root` down to the frame (and one more key): built only for a reported problem. */
function pathOf(root: string, frame: Frame | undefined, last?: string | number): string {
  const keys: (string | number)[] = last === undefined ? [] : [last];
  for (let f = frame; f?.parent; f = f.parent) keys.unshift(f.key);
  let path = root;
  for (const key of keys) path = typeof key === 'number' ? `${path}[${key}]` : path ? `${path}.${key}` : key;
  return path || 'value';
}

const NUL = (path: string) => `${path} must not contain a NUL character (\\u0000)`;

/**
 * Null when `value` is fine, else the reason naming the first offending path (`field` is its
 * root). Linear in the size of the value, paths built only for the problem it reports: a
 * 1 MiB body of tiny values is checked in milliseconds.
 */
export function jsonInputProblem(value: unknown, field: string): string | null {
  if (typeof value === 'string') return value.includes('\u0000') ? NUL(field || 'value') : null;
  if (typeof value !== 'object' || value === null) return null;
  const stack: Frame[] = [{ value, parent: undefined, key: '', depth: 0 }];
  while (stack.length) {
    const frame = stack.pop() as Frame;
    if (frame.depth >= MAX_JSON_DEPTH)
      return `${pathOf(field, frame)} is nested more than ${MAX_JSON_DEPTH} levels deep`;
    const visit = (key: string | number, item: unknown): string | null => {
      if (typeof item === 'string') return item.includes('\u0000') ? NUL(pathOf(field, frame, key)) : null;
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
      if (key.includes('\u0000'))
        return `${pathOf(field, frame)} must not have a key containing a NUL character (\\u0000)`;
      const problem = visit(key, (frame.value as Record<string, unknown>)[key]);
      if (problem) return problem;
    }
  }
  return null;
}

/** For a plain text field of a service input: null when fine (or not a string), else the reason. */
export const nulProblem = (value: unknown, field: string): string | null =>
  typeof value === 'string' && value.includes('\u0000') ? `${field} must not contain a NUL character (\\u0000)` : null;

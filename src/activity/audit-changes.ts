/** Longer texts (descriptions) are cut in the audit trail; the record itself keeps them whole. */
const MAX_TEXT = 500;

const shown = (v: unknown): unknown => (typeof v === 'string' && v.length > MAX_TEXT ? `${v.slice(0, MAX_TEXT)}…` : v);

/**
 * The old and new value of each changed field, for an audit entry's details:
 * `{description: {old: 'a', new: 'b'}}`. Only plain fields belong here: code and schemas
 * are referred to by their version numbers, and secret values never pass through.
 */
export function auditChanges<K extends string>(
  before: Record<K, unknown>,
  after: Record<K, unknown>,
  fields: readonly string[],
): Record<string, { old: unknown; new: unknown }> {
  const out: Record<string, { old: unknown; new: unknown }> = {};
  for (const f of fields)
    if (f in before) out[f] = { old: shown(before[f as K] ?? null), new: shown(after[f as K] ?? null) };
  return out;
}

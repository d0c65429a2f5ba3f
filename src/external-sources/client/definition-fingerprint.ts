import { createHash } from 'node:crypto';
import { canonicalJson } from '../../common/canonical-json';

/**
 * The part of a source tool's definition an approval pins (docs/approvals.md#passthrough-tools): its name, description
 * and input schema. Title, annotations and output schema are shown to the reviewer but do
 * not un-approve a tool when they change.
 */
export interface PinnedDefinition {
  name: string;
  description?: string | null;
  inputSchema?: unknown;
}

export const FINGERPRINT_PREFIX = 'sha256:';

const pinnedPart = (d: PinnedDefinition) => ({
  name: d.name,
  description: d.description ?? null,
  inputSchema: d.inputSchema ?? null,
});

/**
 * A canonical hash of (name, description, input schema): key order, whitespace and an
 * absent-versus-null description do not change it; any change of a value does.
 */
export function fingerprintDefinition(definition: PinnedDefinition): string {
  return (
    FINGERPRINT_PREFIX +
    createHash('sha256')
      .update(canonicalJson(pinnedPart(definition)))
      .digest('hex')
  );
}

export interface SchemaChange {
  /** JSON Pointer (RFC 6901) into the input schema; `''` is the whole schema. */
  path: string;
  kind: 'added' | 'removed' | 'changed';
  before?: unknown;
  after?: unknown;
}

export interface FieldChange<T> {
  before: T;
  after: T;
}

/** What a reviewer sees when a source changed an approved definition. */
export interface DefinitionDiff {
  changed: boolean;
  name?: FieldChange<string>;
  description?: FieldChange<string | null>;
  inputSchema?: FieldChange<unknown> & {
    /** The leaves that differ, at most MAX_SCHEMA_CHANGES of them. */
    changes: SchemaChange[];
    /** True when there were more changes than listed. */
    truncated: boolean;
  };
}

export const MAX_SCHEMA_CHANGES = 100;

const same = (a: unknown, b: unknown) => canonicalJson(a) === canonicalJson(b);
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const pointer = (path: string, key: string | number) =>
  `${path}/${String(key).replace(/~/g, '~0').replace(/\//g, '~1')}`;

function schemaChanges(before: unknown, after: unknown, path: string, out: SchemaChange[], limit: number): void {
  if (out.length > limit || same(before, after)) return;
  if (isObject(before) && isObject(after)) {
    for (const key of [...new Set([...Object.keys(before), ...Object.keys(after)])].sort()) {
      const p = pointer(path, key);
      if (!(key in after)) out.push({ path: p, kind: 'removed', before: before[key] });
      else if (!(key in before)) out.push({ path: p, kind: 'added', after: after[key] });
      else schemaChanges(before[key], after[key], p, out, limit);
      if (out.length > limit) return;
    }
    return;
  }
  if (Array.isArray(before) && Array.isArray(after) && before.length === after.length) {
    before.forEach((item, i) => schemaChanges(item, after[i], pointer(path, i), out, limit));
    return;
  }
  out.push({ path, kind: 'changed', before, after });
}

/** Which of name, description and input schema differ between two definitions, with before and after. */
export function diffDefinitions(before: PinnedDefinition, after: PinnedDefinition): DefinitionDiff {
  const a = pinnedPart(before);
  const b = pinnedPart(after);
  const diff: DefinitionDiff = { changed: false };
  if (a.name !== b.name) diff.name = { before: a.name, after: b.name };
  if (a.description !== b.description) diff.description = { before: a.description, after: b.description };
  if (!same(a.inputSchema, b.inputSchema)) {
    const changes: SchemaChange[] = [];
    schemaChanges(a.inputSchema, b.inputSchema, '', changes, MAX_SCHEMA_CHANGES);
    diff.inputSchema = {
      before: a.inputSchema,
      after: b.inputSchema,
      changes: changes.slice(0, MAX_SCHEMA_CHANGES),
      truncated: changes.length > MAX_SCHEMA_CHANGES,
    };
  }
  diff.changed = Boolean(diff.name || diff.description || diff.inputSchema);
  return diff;
}

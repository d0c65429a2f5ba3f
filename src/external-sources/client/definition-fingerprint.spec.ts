import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { diffDefinitions, fingerprintDefinition } from './definition-fingerprint';

const tool = {
  name: 'search',
  description: 'Searches the docs',
  inputSchema: { type: 'object', properties: { q: { type: 'string' }, limit: { type: 'number' } }, required: ['q'] },
};

describe('definition fingerprint', () => {
  it('is a sha256 of the canonical (name, description, input schema)', () => {
    const fp = fingerprintDefinition(tool);
    assert.match(fp, /^sha256:[0-9a-f]{64}$/);
    const reordered = {
      inputSchema: {
        required: ['q'],
        properties: { limit: { type: 'number' }, q: { type: 'string' } },
        type: 'object',
      },
      description: 'Searches the docs',
      name: 'search',
    };
    assert.equal(fingerprintDefinition(reordered), fp, 'key order does not matter');
  });
  it('ignores what approval does not pin, and treats a missing description as null', () => {
    const fp = fingerprintDefinition(tool);
    assert.equal(
      fingerprintDefinition({ ...tool, title: 'Search', annotations: { readOnlyHint: true } } as typeof tool),
      fp,
    );
    assert.equal(fingerprintDefinition({ name: 'x' }), fingerprintDefinition({ name: 'x', description: null }));
  });
  it('changes with the name, the description or any part of the input schema', () => {
    const fp = fingerprintDefinition(tool);
    assert.notEqual(fingerprintDefinition({ ...tool, name: 'search2' }), fp);
    assert.notEqual(fingerprintDefinition({ ...tool, description: 'Searches the docs.' }), fp);
    const schema = structuredClone(tool.inputSchema);
    schema.required.push('limit');
    assert.notEqual(fingerprintDefinition({ ...tool, inputSchema: schema }), fp);
    assert.notEqual(fingerprintDefinition({ ...tool, inputSchema: { ...schema, required: ['limit', 'q'] } }), fp);
  });
});

describe('definition diff', () => {
  it('reports nothing for equal definitions', () => {
    assert.deepEqual(diffDefinitions(tool, structuredClone(tool)), { changed: false });
  });
  it('names the changed fields with before and after, and the schema leaves that differ', () => {
    const after = structuredClone(tool) as typeof tool & { inputSchema: Record<string, unknown> };
    after.description = 'Searches everything';
    (after.inputSchema.properties as Record<string, unknown>).limit = { type: 'integer' };
    (after.inputSchema.properties as Record<string, unknown>).scope = { type: 'string' };
    after.inputSchema.required = ['q', 'scope'];
    const diff = diffDefinitions(tool, after);
    assert.equal(diff.changed, true);
    assert.equal(diff.name, undefined);
    assert.deepEqual(diff.description, { before: 'Searches the docs', after: 'Searches everything' });
    assert.deepEqual(diff.inputSchema?.before, tool.inputSchema);
    assert.deepEqual(diff.inputSchema?.after, after.inputSchema);
    assert.deepEqual(diff.inputSchema?.changes, [
      { path: '/properties/limit/type', kind: 'changed', before: 'number', after: 'integer' },
      { path: '/properties/scope', kind: 'added', after: { type: 'string' } },
      { path: '/required', kind: 'changed', before: ['q'], after: ['q', 'scope'] },
    ]);
    assert.equal(diff.inputSchema?.truncated, false);
  });
  it('escapes JSON Pointer segments, reports removals, and caps the list', () => {
    const diff = diffDefinitions(
      { name: 'a', inputSchema: { 'a/b': 1, 'c~d': 2 } },
      { name: 'b', inputSchema: { 'c~d': 3 } },
    );
    assert.deepEqual(diff.name, { before: 'a', after: 'b' });
    assert.deepEqual(diff.inputSchema?.changes, [
      { path: '/a~1b', kind: 'removed', before: 1 },
      { path: '/c~0d', kind: 'changed', before: 2, after: 3 },
    ]);
    const many = Object.fromEntries(Array.from({ length: 150 }, (_, i) => [`p${i}`, i]));
    const big = diffDefinitions({ name: 'x', inputSchema: {} }, { name: 'x', inputSchema: many });
    assert.equal(big.inputSchema?.changes.length, 100);
    assert.equal(big.inputSchema?.truncated, true);
  });
});

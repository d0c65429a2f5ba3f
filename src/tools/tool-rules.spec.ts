import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DomainError } from '../common/errors';
import type { CodeAnalysis } from './code-analysis';
import { checkAnalysis, checkToolInput, sameJson, type UpdateToolInput } from './tool-rules';

const valid = { name: 'get_weather', description: 'Weather', code: 'export function main() {}' };

/** The refusal of `checkToolInput`: its message and the fields it names. */
function refusal(input: UpdateToolInput, partial: boolean): { message: string; fields: unknown } {
  try {
    checkToolInput(input, partial);
  } catch (e) {
    assert.ok(e instanceof DomainError && e.kind === 'invalid', String(e));
    return { message: e.message, fields: e.details?.fields };
  }
  assert.fail(`expected ${JSON.stringify(input).slice(0, 200)} to be refused`);
}
const only = (input: Record<string, unknown>) => refusal(input as UpdateToolInput, true);

describe('checkToolInput', () => {
  it('a create needs a name, a description and code; the rest is optional', () => {
    checkToolInput(valid, false);
    checkToolInput(
      {
        ...valid,
        language: 'typescript',
        input_schema: null,
        timeout_ms: null,
        enabled: false,
        change_summary: '',
      },
      false,
    );
    assert.deepEqual(refusal({} as UpdateToolInput, false), {
      message: 'name is required and must be a string; description must be a string; code must be a string',
      fields: ['name', 'description', 'code'],
    });
  });

  it('a patch takes any one field and refuses an empty one', () => {
    for (const input of [
      { description: '' },
      { code: 'x' },
      { enabled: true },
      { timeout_ms: null },
      { input_schema: null },
      { change_summary: 's' },
      { language: 'javascript' as const },
    ])
      checkToolInput(input, true);
    assert.deepEqual(only({}), { message: 'at least one field to change is required', fields: ['body'] });
    assert.deepEqual(only({ name: undefined, code: undefined }).fields, ['body']);
    assert.deepEqual(only({ name: 'Bad' }), {
      message: 'name must match ^[a-z][a-z0-9_]*$ (lower case letters, digits, _; starting with a letter)',
      fields: ['name'],
    });
  });

  it('text fields are strings without NUL', () => {
    assert.deepEqual(only({ description: 3 }), { message: 'description must be a string', fields: ['description'] });
    assert.deepEqual(only({ description: 'a\u0000' }), {
      message: 'description must not contain a NUL character (\\u0000)',
      fields: ['description'],
    });
    assert.deepEqual(only({ code: null }), { message: 'code must be a string', fields: ['code'] });
    assert.deepEqual(only({ code: 'a\u0000' }), {
      message: 'code must not contain a NUL character (\\u0000)',
      fields: ['code'],
    });
  });

  it('code is at most 100 KB of UTF-8, counted in bytes', () => {
    checkToolInput({ code: 'x'.repeat(102_400) }, true);
    assert.deepEqual(only({ code: 'x'.repeat(102_401) }), {
      message: 'code is 102401 bytes of UTF-8; the limit is 102400 bytes (100 KB)',
      fields: ['code'],
    });
    assert.match(only({ code: 'é'.repeat(51_201) }).message, /^code is 102402 bytes/);
  });

  it('language is javascript or typescript', () => {
    assert.deepEqual(only({ language: 'python' }), {
      message: 'language must be one of javascript, typescript',
      fields: ['language'],
    });
  });

  it('an input schema must be storable JSON and a tool input schema', () => {
    checkToolInput({ input_schema: { type: 'object', properties: { a: { type: 'string' } } } }, true);
    assert.deepEqual(only({ input_schema: { type: 'string' } }), {
      message: "input_schema.type must be 'object' (a tool receives an arguments object)",
      fields: ['input_schema'],
    });
    assert.deepEqual(only({ input_schema: { type: 'object', description: 'a\u0000' } }), {
      message: 'input_schema.description must not contain a NUL character (\\u0000)',
      fields: ['input_schema'],
    });
  });

  it('timeout_ms is an integer from 1 to 300000, or null for the server default', () => {
    checkToolInput({ timeout_ms: 1 }, true);
    checkToolInput({ timeout_ms: 300_000 }, true);
    for (const t of [0, 300_001, 1.5, -1, '100', NaN])
      assert.deepEqual(
        only({ timeout_ms: t }),
        {
          message: 'timeout_ms must be an integer from 1 to 300000, or null for the server default',
          fields: ['timeout_ms'],
        },
        String(t),
      );
  });

  it('enabled is a boolean', () => {
    for (const e of ['true', 1, null])
      assert.deepEqual(only({ enabled: e }), { message: 'enabled must be a boolean', fields: ['enabled'] });
  });

  it('change_summary is a string of at most 1000 characters, without NUL', () => {
    checkToolInput({ change_summary: 's'.repeat(1000) }, true);
    for (const s of ['s'.repeat(1001), 'a\u0000', 5, null])
      assert.deepEqual(only({ change_summary: s }), {
        message: 'change_summary must be a string of at most 1000 characters, without NUL',
        fields: ['change_summary'],
      });
  });
});

describe('checkAnalysis', () => {
  const analysis = (errors: CodeAnalysis['errors']): CodeAnalysis => ({
    valid: errors.length === 0,
    errors,
    warnings: [],
    imports: [],
    disallowed_imports: [],
    input_schema: null,
  });

  it('lets valid code through', () => {
    checkAnalysis(analysis([]));
  });

  it('refuses invalid code with every finding and its place', () => {
    const errors = [
      { message: 'Syntax error: Unexpected token', line: 3, column: 7 },
      { message: 'main is not exported', line: null, column: null },
    ];
    assert.throws(
      () => checkAnalysis(analysis(errors)),
      (e: unknown) => {
        assert.ok(e instanceof DomainError);
        assert.equal(e.kind, 'invalid');
        assert.equal(
          e.message,
          'code is not valid: Syntax error: Unexpected token (line 3, column 7); main is not exported',
        );
        assert.deepEqual(e.details, { fields: ['code'], errors });
        return true;
      },
    );
  });
});

describe('sameJson', () => {
  it('compares schemas as JSON, whatever the key order (jsonb does not keep it)', () => {
    assert.equal(sameJson({ a: 1, b: { c: [1, 2] } }, { b: { c: [1, 2] }, a: 1 }), true);
    assert.equal(sameJson({ a: 1 }, { a: 2 }), false);
    assert.equal(sameJson({ a: [1, 2] }, { a: [2, 1] }), false);
    assert.equal(sameJson(null, null), true);
  });
});

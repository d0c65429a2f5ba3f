import 'reflect-metadata';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { validateInput } from '../../common/contract/validate-input';
import { InputError } from '../../common/errors';
import { CreateToolDto, UpdateToolDto } from './tool.dto';

const valid = { name: 'get_weather', description: 'Weather', code: 'export function main() {}' };

/** What `validateInput` refuses: its problems (in a stable order) and the fields it names. */
function refusal(dto: typeof CreateToolDto | typeof UpdateToolDto, input: unknown) {
  try {
    validateInput(dto, input);
  } catch (e) {
    assert.ok(e instanceof InputError && e.kind === 'invalid', String(e));
    return { problems: [...e.problems].sort(), fields: e.details?.fields };
  }
  assert.fail(`expected ${JSON.stringify(input).slice(0, 200)} to be refused`);
}
/** A patch of just these fields. */
const only = (input: Record<string, unknown>) => refusal(UpdateToolDto, input);
const accepted = (input: Record<string, unknown>) => {
  assert.deepEqual({ ...validateInput(UpdateToolDto, input) }, input, JSON.stringify(input).slice(0, 80));
};
const NAME_PATTERN = 'name must match ^[a-z][a-z0-9_]*$ (lower case letters, digits, _; starting with a letter)';

describe('CreateToolDto and UpdateToolDto', () => {
  it('a create needs a name, a description and code; the rest is optional', () => {
    assert.deepEqual({ ...validateInput(CreateToolDto, valid) }, valid);
    const full = {
      ...valid,
      language: 'typescript',
      input_schema: null,
      timeout_ms: null,
      enabled: false,
      change_summary: '',
    };
    assert.deepEqual({ ...validateInput(CreateToolDto, full) }, full);
    assert.deepEqual(refusal(CreateToolDto, {}), {
      problems: [
        'code must be a string',
        'code must be a string, without NUL',
        'description must be a string, without NUL',
        'name must be a string',
        'name must be shorter than or equal to 64 characters',
        NAME_PATTERN,
      ],
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
      { language: 'javascript' },
      { name: 'get_forecast' },
    ])
      accepted(input);
    assert.deepEqual(only({}), { problems: ['at least one field to change is required'], fields: ['body'] });
    assert.deepEqual(only({ name: undefined, code: undefined }).fields, ['body']);
    assert.deepEqual(only({ name: 'Bad' }), { problems: [NAME_PATTERN], fields: ['name'] });
  });

  it('text fields are strings without NUL', () => {
    assert.deepEqual(only({ description: 3 }), {
      problems: ['description must be a string, without NUL'],
      fields: ['description'],
    });
    assert.deepEqual(only({ description: 'a\u0000' }), {
      problems: ['description must not contain a NUL character (\\u0000)'],
      fields: ['description'],
    });
    assert.deepEqual(only({ description: null }).fields, ['description']);
    assert.deepEqual(only({ code: null }), {
      problems: ['code must be a string', 'code must be a string, without NUL'],
      fields: ['code'],
    });
    assert.deepEqual(only({ code: 'a\u0000' }), {
      problems: ['code must not contain a NUL character (\\u0000)'],
      fields: ['code'],
    });
  });

  it('code is at most 100 KB of UTF-8, counted in bytes', () => {
    accepted({ code: 'x'.repeat(102_400) });
    assert.deepEqual(only({ code: 'x'.repeat(102_401) }), {
      problems: ['code is 102401 bytes of UTF-8; the limit is 102400 bytes'],
      fields: ['code'],
    });
    assert.deepEqual(only({ code: 'é'.repeat(51_201) }).problems, [
      'code is 102402 bytes of UTF-8; the limit is 102400 bytes',
    ]);
    assert.deepEqual(refusal(CreateToolDto, { ...valid, code: 'é'.repeat(51_201) }).fields, ['code']);
  });

  it('language is javascript or typescript', () => {
    assert.deepEqual(only({ language: 'python' }), {
      problems: ['language must be one of the following values: javascript, typescript'],
      fields: ['language'],
    });
    assert.deepEqual(only({ language: null }).fields, ['language']);
  });

  it('an input schema must be storable JSON and a tool input schema', () => {
    accepted({ input_schema: { type: 'object', properties: { a: { type: 'string' } } } });
    assert.deepEqual(only({ input_schema: { type: 'string' } }), {
      problems: ["input_schema.type must be 'object' (a tool receives an arguments object)"],
      fields: ['input_schema'],
    });
    assert.deepEqual(only({ input_schema: { type: 'object', description: 'a\u0000' } }), {
      problems: ['input_schema.description must not contain a NUL character (\\u0000)'],
      fields: ['input_schema'],
    });
    for (const schema of [[], 'x'])
      assert.deepEqual(only({ input_schema: schema }), {
        problems: ['input_schema must be a JSON Schema object', 'input_schema must be an object'],
        fields: ['input_schema'],
      });
  });

  it('timeout_ms is an integer from 1 to 300000, or null for the server default', () => {
    accepted({ timeout_ms: 1 });
    accepted({ timeout_ms: 300_000 });
    const LOW = 'timeout_ms must not be less than 1';
    const HIGH = 'timeout_ms must not be greater than 300000';
    const NOT_INT = 'timeout_ms must be an integer number';
    const cases: [unknown, string[]][] = [
      [0, [LOW]],
      [-1, [LOW]],
      [300_001, [HIGH]],
      [1.5, [NOT_INT]],
      ['100', [HIGH, LOW, NOT_INT]],
      [NaN, [HIGH, LOW, NOT_INT]],
    ];
    for (const [t, problems] of cases)
      assert.deepEqual(only({ timeout_ms: t }), { problems: [...problems].sort(), fields: ['timeout_ms'] }, String(t));
  });

  it('enabled is a boolean', () => {
    for (const e of ['true', 1, null])
      assert.deepEqual(only({ enabled: e }), { problems: ['enabled must be a boolean value'], fields: ['enabled'] });
  });

  it('change_summary is a string of at most 1000 characters, without NUL', () => {
    accepted({ change_summary: 's'.repeat(1000) });
    for (const s of ['s'.repeat(1001), 5, null])
      assert.deepEqual(only({ change_summary: s }), {
        problems: ['change_summary must be a string of at most 1000 characters, without NUL'],
        fields: ['change_summary'],
      });
    assert.deepEqual(only({ change_summary: 'a\u0000' }), {
      problems: ['change_summary must not contain a NUL character (\\u0000)'],
      fields: ['change_summary'],
    });
  });
});

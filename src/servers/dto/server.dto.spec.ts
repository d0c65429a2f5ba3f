import 'reflect-metadata';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { validateInput } from '../../common/contract/validate-input';
import { InputError } from '../../common/errors';
import { CreateServerDto, MIN_SERVER_TIMEOUT_MS, UpdateServerDto } from './server.dto';

// The name rule shared by servers and tools (formerly nameProblem) is IsResourceName:
// common/contract/input-rules.spec.ts.

/** What `validateInput` refuses: its problems (in a stable order) and the fields it names. */
function refusal(dto: typeof CreateServerDto | typeof UpdateServerDto, input: unknown) {
  try {
    validateInput(dto, input);
  } catch (e) {
    assert.ok(e instanceof InputError && e.kind === 'invalid', String(e));
    return { problems: [...e.problems].sort(), fields: e.details?.fields };
  }
  assert.fail(`expected ${JSON.stringify(input)} to be refused`);
}
const create = (input: unknown) => validateInput(CreateServerDto, input);
const patch = (input: unknown) => validateInput(UpdateServerDto, input);
const NAME_MISSING = [
  'name must be a string',
  'name must be shorter than or equal to 64 characters',
  'name must match ^[a-z][a-z0-9_]*$ (lower case letters, digits, _; starting with a letter)',
];

describe('CreateServerDto and UpdateServerDto', () => {
  it('a create needs a name; description and timeout are optional', () => {
    assert.deepEqual({ ...create({ name: 'weather' }) }, { name: 'weather' });
    assert.deepEqual(
      { ...create({ name: 'weather', description: null, default_timeout_ms: 30_000 }) },
      { name: 'weather', description: null, default_timeout_ms: 30_000 },
    );
    assert.deepEqual(refusal(CreateServerDto, {}), { problems: NAME_MISSING, fields: ['name'] });
  });

  it('a patch takes any one field, and refuses an empty one', () => {
    assert.equal(patch({ description: 'd' }).description, 'd');
    assert.equal(patch({ description: null }).description, null);
    assert.equal(patch({ default_timeout_ms: 1000 }).default_timeout_ms, 1000);
    assert.equal(patch({ name: 'renamed' }).name, 'renamed');
    assert.deepEqual(refusal(UpdateServerDto, {}), {
      problems: ['at least one of name, description, default_timeout_ms is required'],
      fields: ['body'],
    });
    assert.deepEqual(refusal(UpdateServerDto, { name: undefined }).fields, ['body']);
    assert.deepEqual(refusal(UpdateServerDto, { name: 'Bad' }).fields, ['name']);
    assert.deepEqual(refusal(UpdateServerDto, { name: null }), { problems: NAME_MISSING, fields: ['name'] });
  });

  it('the description is a string without NUL', () => {
    assert.deepEqual(refusal(CreateServerDto, { name: 'a', description: 5 }), {
      problems: ['description must be a string, without NUL'],
      fields: ['description'],
    });
    assert.deepEqual(refusal(UpdateServerDto, { description: 'a\u0000b' }), {
      problems: ['description must not contain a NUL character (\\u0000)'],
      fields: ['description'],
    });
  });

  it('the default timeout is an integer from 1 s to 300 s', () => {
    assert.equal(MIN_SERVER_TIMEOUT_MS, 1000);
    assert.equal(patch({ default_timeout_ms: 1000 }).default_timeout_ms, 1000);
    assert.equal(patch({ default_timeout_ms: 300_000 }).default_timeout_ms, 300_000);
    assert.equal(create({ name: 'a', default_timeout_ms: 300_000 }).default_timeout_ms, 300_000);
    const LOW = 'default_timeout_ms must not be less than 1000';
    const HIGH = 'default_timeout_ms must not be greater than 300000';
    const NOT_INT = 'default_timeout_ms must be an integer number';
    const cases: [unknown, string[]][] = [
      [999, [LOW]],
      [0, [LOW]],
      [-1000, [LOW]],
      [300_001, [HIGH]],
      [1500.5, [NOT_INT]],
      [NaN, [HIGH, LOW, NOT_INT]],
      ['30000', [HIGH, LOW, NOT_INT]],
      [null, [HIGH, LOW, NOT_INT]],
    ];
    for (const [t, problems] of cases) {
      const expected = { problems: [...problems].sort(), fields: ['default_timeout_ms'] };
      assert.deepEqual(refusal(UpdateServerDto, { default_timeout_ms: t }), expected, String(t));
      assert.deepEqual(refusal(CreateServerDto, { name: 'a', default_timeout_ms: t }), expected, String(t));
    }
  });

  it('names every offending field at once, in one message', () => {
    try {
      create({ name: '', description: 1, default_timeout_ms: 5 });
      assert.fail('expected a refusal');
    } catch (e) {
      assert.ok(e instanceof InputError);
      assert.deepEqual(e.details, { fields: ['name', 'description', 'default_timeout_ms'] });
      assert.equal(
        e.message,
        'name must match ^[a-z][a-z0-9_]*$ (lower case letters, digits, _; starting with a letter); ' +
          'description must be a string, without NUL; default_timeout_ms must not be less than 1000',
      );
    }
  });
});

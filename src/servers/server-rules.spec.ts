import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DomainError } from '../common/errors';
import { checkServerInput, MIN_SERVER_TIMEOUT_MS, nameProblem, type UpdateServerInput } from './server-rules';

/** The refusal of `checkServerInput`: its message and the fields it names. */
function refusal(input: UpdateServerInput, partial: boolean): { message: string; fields: unknown } {
  try {
    checkServerInput(input, partial);
  } catch (e) {
    assert.ok(e instanceof DomainError && e.kind === 'invalid', String(e));
    return { message: e.message, fields: e.details?.fields };
  }
  assert.fail(`expected ${JSON.stringify(input)} to be refused`);
}
const TIMEOUT = 'default_timeout_ms must be an integer from 1000 to 300000';

describe('nameProblem (servers and tools)', () => {
  it('accepts lower-case names of 1 to 64 characters that start with a letter', () => {
    for (const name of ['a', 'weather', 'get_weather_2', `a${'b'.repeat(63)}`])
      assert.equal(nameProblem(name), null, name);
  });

  it('says what is wrong, naming the field', () => {
    for (const name of ['', undefined, null, 3, ['a']])
      assert.equal(nameProblem(name), 'name is required and must be a string');
    assert.equal(nameProblem('', 'tool_name'), 'tool_name is required and must be a string');
    assert.equal(nameProblem(`a${'b'.repeat(64)}`), 'name must be at most 64 characters');
    for (const name of ['Weather', '1a', '_a', 'a-b', 'a b', 'ä', 'a\n'])
      assert.equal(
        nameProblem(name),
        'name must match ^[a-z][a-z0-9_]*$ (lower case letters, digits, _; starting with a letter)',
        name,
      );
  });
});

describe('checkServerInput', () => {
  it('a create needs a name; description and timeout are optional', () => {
    checkServerInput({ name: 'weather' }, false);
    checkServerInput({ name: 'weather', description: null, default_timeout_ms: 30_000 }, false);
    assert.deepEqual(refusal({} as UpdateServerInput, false), {
      message: 'name is required and must be a string',
      fields: ['name'],
    });
  });

  it('a patch takes any one field, and refuses an empty one', () => {
    checkServerInput({ description: 'd' }, true);
    checkServerInput({ description: null }, true);
    checkServerInput({ default_timeout_ms: 1000 }, true);
    assert.deepEqual(refusal({}, true), {
      message: 'at least one of name, description, default_timeout_ms is required',
      fields: ['body'],
    });
    assert.deepEqual(refusal({ name: undefined }, true).fields, ['body']);
    assert.deepEqual(refusal({ name: 'Bad' }, true).fields, ['name']);
  });

  it('the description is a string without NUL', () => {
    assert.deepEqual(refusal({ name: 'a', description: 5 as unknown as string }, false), {
      message: 'description must be a string',
      fields: ['description'],
    });
    assert.deepEqual(refusal({ description: 'a\u0000b' }, true), {
      message: 'description must not contain a NUL character (\\u0000)',
      fields: ['description'],
    });
  });

  it('the default timeout is an integer from 1 s to 300 s', () => {
    assert.equal(MIN_SERVER_TIMEOUT_MS, 1000);
    checkServerInput({ default_timeout_ms: 1000 }, true);
    checkServerInput({ default_timeout_ms: 300_000 }, true);
    for (const t of [999, 300_001, 1500.5, 0, -1000, NaN, '30000', null])
      assert.deepEqual(
        refusal({ default_timeout_ms: t as number }, true),
        { message: TIMEOUT, fields: ['default_timeout_ms'] },
        String(t),
      );
  });

  it('names every offending field at once, in one message', () => {
    assert.deepEqual(refusal({ name: '', description: 1 as unknown as string, default_timeout_ms: 5 }, false), {
      message: `name is required and must be a string; description must be a string; ${TIMEOUT}`,
      fields: ['name', 'description', 'default_timeout_ms'],
    });
  });
});

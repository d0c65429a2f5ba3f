import 'reflect-metadata';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { validateSync } from 'class-validator';
import { CreateServerDto } from '../../servers/dto/server.dto';
import { CreateToolDto } from '../../tools/dto/tool.dto';
import { InputError } from '../errors';
import { ServerIdDto, ToolIdDto } from './ids.dto';
import { inputJsonSchema } from './input-json-schema';
import {
  AtLeastOneOf,
  CLASS_RULE_PROPERTY,
  defineInputRule,
  IsResourceName,
  IsText,
  MaxUtf8Bytes,
  MaxUtf8BytesQuiet,
  OptionalNotNull,
  ruleSchemaFragment,
} from './input-rules';
import { validateInput } from './validate-input';

/** What `validateInput` refuses: its problems (in a stable order) and the fields it names. */
function refusal(dto: Parameters<typeof validateInput>[0], value: unknown): { problems: string[]; fields: unknown } {
  try {
    validateInput(dto, value);
  } catch (e) {
    assert.ok(e instanceof InputError, String(e));
    assert.equal(e.kind, 'invalid');
    return { problems: [...e.problems].sort(), fields: e.details?.fields };
  }
  assert.fail(`expected ${JSON.stringify(value)?.slice(0, 120)} to be refused`);
}

describe('IsEntityId (ServerIdDto, ToolIdDto)', () => {
  const id = (v: unknown) => validateInput(ServerIdDto, { server_id: v }).server_id;

  it('passes a UUID on in lower case, as PostgreSQL writes it', () => {
    assert.equal(id('11111111-1111-4111-8111-111111111111'), '11111111-1111-4111-8111-111111111111');
    assert.equal(id('ABCDEF01-2345-4789-ABCD-EF0123456789'), 'abcdef01-2345-4789-abcd-ef0123456789');
    assert.equal(
      validateInput(ToolIdDto, { tool_id: 'A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11' }).tool_id,
      'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11',
    );
  });

  it('is a v4 UUID in JSON Schema (lower-casing changes no value’s validity, so the generator takes it)', () => {
    assert.deepEqual(inputJsonSchema(ServerIdDto).properties, {
      server_id: {
        type: 'string',
        format: 'uuid',
        pattern: '^[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-4[0-9A-Fa-f]{3}-[89ABab][0-9A-Fa-f]{3}-[0-9A-Fa-f]{12}$',
        description: 'The server',
      },
    });
  });

  it('refuses anything else with a 400 naming the field', () => {
    for (const v of [
      '',
      'not-a-uuid',
      '11111111-1111-4111-8111-11111111111', // one digit short
      '11111111-1111-4111-8111-1111111111111',
      '11111111111141118111111111111111',
      ' 11111111-1111-4111-8111-111111111111',
      '11111111-1111-4111-8111-111111111111\n',
      'g1111111-1111-4111-8111-111111111111',
      "1' OR '1'='1",
      { toString: () => '11111111-1111-4111-8111-111111111111' }, // prints as one, is not one
      42,
      null,
      undefined,
      // Ids are gen_random_uuid (v4), as the path pipe (uuidParam) has always required.
      'ABCDEF01-2345-6789-ABCD-EF0123456789',
    ])
      assert.deepEqual(
        refusal(ServerIdDto, { server_id: v }),
        { problems: ['server_id must be a UUID'], fields: ['server_id'] },
        String(v),
      );
    assert.deepEqual(refusal(ToolIdDto, { tool_id: 'nope' }), {
      problems: ['tool_id must be a UUID'],
      fields: ['tool_id'],
    });
  });
});

describe('IsResourceName (servers, tools and sources)', () => {
  const PATTERN = 'name must match ^[a-z][a-z0-9_]*$ (lower case letters, digits, _; starting with a letter)';
  const NOT_A_STRING = ['name must be a string', 'name must be shorter than or equal to 64 characters', PATTERN].sort();

  it('accepts lower-case names of 1 to 64 characters that start with a letter', () => {
    for (const name of ['a', 'weather', 'get_weather_2', `a${'b'.repeat(63)}`]) {
      assert.equal(validateInput(CreateServerDto, { name }).name, name);
      assert.equal(validateInput(CreateToolDto, { name, description: '', code: '' }).name, name);
    }
  });

  it('says what is wrong, naming the field', () => {
    for (const name of [undefined, null, 3, ['a']])
      assert.deepEqual(refusal(CreateServerDto, { name }), { problems: NOT_A_STRING, fields: ['name'] }, String(name));
    assert.deepEqual(refusal(CreateServerDto, { name: '' }), { problems: [PATTERN], fields: ['name'] });
    assert.deepEqual(refusal(CreateServerDto, { name: `a${'b'.repeat(64)}` }), {
      problems: ['name must be shorter than or equal to 64 characters'],
      fields: ['name'],
    });
    for (const name of ['Weather', '1a', '_a', 'a-b', 'a b', 'ä', 'a\n'])
      assert.deepEqual(refusal(CreateServerDto, { name }), { problems: [PATTERN], fields: ['name'] }, name);
  });

  it('names the property it decorates', () => {
    class RenameDto {
      @IsResourceName() tool_name: string;
    }
    assert.deepEqual(refusal(RenameDto, { tool_name: '' }), {
      problems: [PATTERN.replace(/^name/, 'tool_name')],
      fields: ['tool_name'],
    });
  });
});

// The rules below are those of the secret rules (CreateSecretDto, SetSecretValueDto) and of every
// other input; this file is their unit spec in the mutation run (docs/mutation-testing.md).

@AtLeastOneOf(['a', 'b'], 'at least one of a, b is required')
class PatchDto {
  @OptionalNotNull() @IsText({ maxLength: 3 }) a?: string;
  @OptionalNotNull() @IsText() b?: string;
  @OptionalNotNull() @MaxUtf8Bytes(4) c?: string;
  @OptionalNotNull() @MaxUtf8BytesQuiet(4) d?: string;
}
const text = { type: 'string', pattern: '^[^\\u0000]*$' };

/** The messages class-validator records for `value` as a PatchDto, NUL pre-check not applied. */
const ruleMessages = (value: Record<string, unknown>) =>
  validateSync(Object.assign(new PatchDto(), value)).flatMap((e) => Object.values(e.constraints ?? {}));

describe('OptionalNotNull', () => {
  it('the property may be left out, but null is judged by its rules (and so refused)', () => {
    assert.deepEqual({ ...validateInput(PatchDto, { b: 'x' }) }, { b: 'x' });
    assert.deepEqual(refusal(PatchDto, { b: 'x', a: null }), {
      problems: ['a must be a string of at most 3 characters, without NUL'],
      fields: ['a'],
    });
  });
});

describe('AtLeastOneOf', () => {
  it('refuses a patch without any of its fields, and takes one with any one of them', () => {
    assert.deepEqual(refusal(PatchDto, {}), { problems: ['at least one of a, b is required'], fields: ['body'] });
    assert.deepEqual(refusal(PatchDto, { c: 'x' }), {
      problems: ['at least one of a, b is required'],
      fields: ['body'],
    });
    assert.deepEqual(refusal(PatchDto, { a: undefined, b: undefined }).fields, ['body']);
    assert.equal(validateInput(PatchDto, { a: 'x' }).a, 'x');
    assert.equal(validateInput(PatchDto, { b: 'y' }).b, 'y');
  });

  it('is recorded on the pseudo-property $, which a client cannot send', () => {
    assert.equal(CLASS_RULE_PROPERTY, '$');
    assert.deepEqual(refusal(PatchDto, { a: 'x', $: 1 }), {
      problems: ['property $ should not exist'],
      fields: ['body'],
    });
    assert.deepEqual(refusal(PatchDto, { $: 1 }).problems, ['property $ should not exist']);
  });

  it('says anyOf required in JSON Schema', () => {
    assert.deepEqual(ruleSchemaFragment('atLeastOneOf', [{ fields: ['a', 'b'], message: 'm' }]), {
      anyOf: [{ required: ['a'] }, { required: ['b'] }],
    });
    assert.deepEqual(inputJsonSchema(PatchDto).anyOf, [{ required: ['a'] }, { required: ['b'] }]);
  });
});

describe('IsText', () => {
  it('a string of at most maxLength characters (code points, not UTF-16 units)', () => {
    assert.equal(validateInput(PatchDto, { a: 'abc' }).a, 'abc');
    assert.equal(validateInput(PatchDto, { a: '😀😀😀' }).a, '😀😀😀');
    assert.equal(validateInput(PatchDto, { a: '' }).a, '');
    for (const a of ['abcd', '😀😀😀😀', 3, true, {}, ['a']])
      assert.deepEqual(refusal(PatchDto, { a }), {
        problems: ['a must be a string of at most 3 characters, without NUL'],
        fields: ['a'],
      });
  });

  it('without maxLength, any length; never a non-string', () => {
    assert.equal(validateInput(PatchDto, { b: 'x'.repeat(10_000) }).b?.length, 10_000);
    assert.deepEqual(refusal(PatchDto, { b: 5 }), { problems: ['b must be a string, without NUL'], fields: ['b'] });
  });

  it('refuses NUL itself, whoever calls it without the pre-check of validateInput', () => {
    assert.deepEqual(ruleMessages({ a: 'a\u0000', b: 'b\u0000' }), [
      'a must be a string of at most 3 characters, without NUL',
      'b must be a string, without NUL',
    ]);
    assert.deepEqual(ruleMessages({ a: 'abc', b: 'b' }), []);
  });

  it('says what JSON Schema can: a string without NUL, maxLength', () => {
    assert.deepEqual(ruleSchemaFragment('isText', [3]), { ...text, maxLength: 3 });
    assert.deepEqual(ruleSchemaFragment('isText', [null]), text);
    assert.deepEqual(inputJsonSchema(PatchDto).properties, {
      a: { ...text, maxLength: 3 },
      b: text,
      c: { type: 'string', maxLength: 4 },
      d: { type: 'string', maxLength: 4 },
    });
  });
});

describe('MaxUtf8Bytes and MaxUtf8BytesQuiet', () => {
  it('count UTF-8 bytes, not characters: é is two', () => {
    assert.equal(validateInput(PatchDto, { a: 'x', c: 'éé', d: 'éé' }).c, 'éé');
    assert.equal(validateInput(PatchDto, { a: 'x', c: 'abcd', d: 'abcd' }).d, 'abcd');
    assert.deepEqual(refusal(PatchDto, { a: 'x', c: 'ééa', d: 'ééa' }), {
      problems: ['c is 5 bytes of UTF-8; the limit is 4 bytes', 'd must be at most 4 bytes'],
      fields: ['c', 'd'],
    });
  });

  it('refuse a non-string; the quiet one never tells the size (secret values)', () => {
    assert.deepEqual(refusal(PatchDto, { a: 'x', c: 5, d: 5 }), {
      problems: ['c must be a string', 'd must be at most 4 bytes'],
      fields: ['c', 'd'],
    });
  });

  it('say maxLength in JSON Schema (characters ≤ bytes)', () => {
    assert.deepEqual(ruleSchemaFragment('maxUtf8Bytes', [4]), { type: 'string', maxLength: 4 });
    assert.deepEqual(ruleSchemaFragment('maxUtf8BytesQuiet', [4]), { type: 'string', maxLength: 4 });
  });
});

describe('defineInputRule', () => {
  const isEven = defineInputRule<[number]>({
    name: 'specIsMultipleOf',
    validate: (v, [n]) => typeof v === 'number' && v % n === 0,
    message: (p, [n]) => `${p} must be a multiple of ${n}`,
    schema: ([n]) => ({ type: 'number', multipleOf: n }),
  });
  class EvenDto {
    @isEven([2]) n: number;
  }

  it('gives a decorator that validates with its constraints and names the property', () => {
    assert.equal(validateInput(EvenDto, { n: 4 }).n, 4);
    assert.deepEqual(refusal(EvenDto, { n: 3 }), { problems: ['n must be a multiple of 2'], fields: ['n'] });
  });

  it('records its schema fragment, with the constraints, for the generator', () => {
    assert.deepEqual(ruleSchemaFragment('specIsMultipleOf', [3]), { type: 'number', multipleOf: 3 });
    assert.deepEqual(inputJsonSchema(EvenDto).properties, { n: { type: 'number', multipleOf: 2 } });
    assert.equal(ruleSchemaFragment('noSuchRule', []), undefined);
  });

  it('refuses a second rule of the same name', () => {
    assert.throws(
      () => defineInputRule({ name: 'isText', validate: () => true, message: () => '', schema: () => ({}) }),
      { message: 'Input rule isText is defined twice' },
    );
  });
});

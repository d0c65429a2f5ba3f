import 'reflect-metadata';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { IntersectionType } from '@nestjs/swagger';
import { IsInt, IsOptional, Min } from 'class-validator';
import { CreateServerDto, UpdateServerDto } from '../../servers/dto/server.dto';
import { InputError } from '../errors';
import { ServerIdDto } from './ids.dto';
import { AtLeastOneOf, IsText, MaxUtf8Bytes, OptionalNotNull } from './input-rules';
import { validateInput } from './validate-input';

const refused = (dto: Parameters<typeof validateInput>[0], value: unknown, ...patterns: RegExp[]) => {
  try {
    validateInput(dto, value);
  } catch (err) {
    assert.ok(err instanceof InputError, `an InputError, got ${String(err)}`);
    assert.equal(err.kind, 'invalid');
    for (const p of patterns) assert.match(err.message, p);
    return err;
  }
  assert.fail(`expected ${JSON.stringify(value)?.slice(0, 80)} to be refused`);
};

@AtLeastOneOf(['a', 'b'], 'at least one of a, b is required')
class PatchDto {
  @OptionalNotNull() @IsInt() @Min(1) a?: number;
  @IsOptional() @IsText({ maxLength: 3 }) b?: string | null;
  @OptionalNotNull() @MaxUtf8Bytes(4) c?: string;
}

describe('validateInput', () => {
  it('returns an instance of the DTO with the given fields, nothing added', () => {
    const dto = validateInput(CreateServerDto, { name: 'weather', default_timeout_ms: 5000 });
    assert.ok(dto instanceof CreateServerDto);
    assert.deepEqual({ ...dto }, { name: 'weather', default_timeout_ms: 5000 });
  });

  it('refuses unknown fields by name instead of dropping them, and lists every problem', () => {
    const err = refused(CreateServerDto, { name: 'Bad', role: 'root', default_timeout_ms: 1 }, /role/, /name/);
    assert.deepEqual([...(err.details?.fields as string[])].sort(), ['default_timeout_ms', 'name', 'role']);
    assert.equal(err.problems.length, 3);
  });

  it('takes absent input as an empty object and refuses what is not an object', () => {
    refused(CreateServerDto, undefined, /name/);
    for (const value of [[1, 2], 'text', 42, true]) refused(CreateServerDto, value, /JSON object/);
  });

  it('checks NUL characters, nesting depth and reserved keys first, naming the path', () => {
    assert.deepEqual(
      refused(CreateServerDto, { name: 'x', description: 'a\u0000' }, /^description must not contain a NUL/).details,
      {
        fields: ['description'],
      },
    );
    let deep: unknown = 1;
    for (let i = 0; i < 200; i++) deep = [deep];
    refused(CreateServerDto, { name: 'x', description: deep }, /description.*nested more than 128 levels/);
    refused(CreateServerDto, JSON.parse('{"name":"x","__proto__":{"admin":true}}'), /__proto__/);
    refused(CreateServerDto, { name: 'x', description: { constructor: { prototype: {} } } }, /constructor/);
  });

  it('tells null from absent: OptionalNotNull refuses null, IsOptional takes it', () => {
    assert.equal(validateInput(PatchDto, { b: null }).b, null);
    refused(PatchDto, { a: null }, /a must be an integer/);
    refused(PatchDto, { a: 1, c: null }, /c must be a string/);
  });

  it('applies class-level rules: a patch without any field is refused, a key named $ too', () => {
    refused(PatchDto, {}, /^at least one of a, b is required$/);
    refused(PatchDto, { c: 'x' }, /at least one of a, b/);
    refused(PatchDto, { a: 1, $: 1 }, /property \$ should not exist/);
    assert.equal(validateInput(PatchDto, { a: 2 }).a, 2);
    refused(UpdateServerDto, {}, /at least one of name, description, default_timeout_ms is required/);
  });

  it('counts text in characters without NUL and code in UTF-8 bytes', () => {
    assert.equal(validateInput(PatchDto, { b: 'ééé' }).b, 'ééé');
    refused(PatchDto, { b: 'abcd' }, /b must be a string of at most 3 characters, without NUL/);
    assert.equal(validateInput(PatchDto, { a: 1, c: 'éé' }).c, 'éé');
    refused(PatchDto, { a: 1, c: 'ééé' }, /c is 6 bytes of UTF-8; the limit is 4 bytes/);
  });

  it('validates a composition of path ids and a body (IntersectionType) with both sets of rules', () => {
    class UpdateServerInput extends IntersectionType(ServerIdDto, UpdateServerDto) {}
    const id = 'A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11';
    const dto = validateInput(UpdateServerInput, { server_id: id, name: 'renamed' });
    assert.equal(dto.server_id, id.toLowerCase(), 'ids are passed on in lower case');
    assert.equal(dto.name, 'renamed');
    refused(UpdateServerInput, { server_id: 'nope', name: 'renamed' }, /^server_id must be a UUID$/);
    refused(UpdateServerInput, { server_id: id }, /at least one of name/);
    refused(UpdateServerInput, { name: 'renamed' }, /server_id must be a UUID/);
    refused(UpdateServerInput, { server_id: id, name: 'x', extra: 1 }, /property extra should not exist/);
  });

  it('caps a flood of problems', () => {
    const body = Object.fromEntries(Array.from({ length: 500 }, (_, i) => [`k${i}`, i]));
    const err = refused(CreateServerDto, { name: 'x', ...body });
    assert.equal(err.problems.length, 101);
    assert.match(err.problems[100], /and 400 more problems/);
  });
});

import 'reflect-metadata';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { validateInput } from '../../common/contract/validate-input';
import { DomainError } from '../../common/errors';
import { CreateSecretDto, SECRET_VALUE_MAX_BYTES, SecretKeyDto, SetSecretValueDto } from './secret.dto';

const refused = (fn: () => unknown) =>
  assert.throws(fn, (e: unknown) => e instanceof DomainError && e.kind === 'invalid');
const key = (k: unknown) => validateInput(SecretKeyDto, { key_name: k }).key_name;
const value = (v: unknown) => validateInput(SetSecretValueDto, { value: v }).value;
const description = (d: unknown) =>
  validateInput(CreateSecretDto, { key_name: 'K', description: d }).description ?? null;

/** The secret rules live on the DTOs (validateInput is what the API and the MCP tools run). */
describe('secret rules', () => {
  it('takes upper-case keys up to 128 characters', () => {
    assert.equal(key('API_KEY_2'), 'API_KEY_2');
    assert.equal(key('K'.repeat(128)), 'K'.repeat(128));
    for (const k of ['api_key', 'Api', '1A', '_A', 'A-B', 'A B', '', 'K'.repeat(129), undefined, 7])
      refused(() => key(k));
  });

  it('bounds values by UTF-8 bytes and never quotes them in a message', () => {
    assert.equal(value('x'.repeat(SECRET_VALUE_MAX_BYTES)).length, SECRET_VALUE_MAX_BYTES);
    refused(() => value('x'.repeat(SECRET_VALUE_MAX_BYTES + 1)));
    refused(() => value('€'.repeat(SECRET_VALUE_MAX_BYTES / 3 + 1)));
    refused(() => value(''));
    refused(() => value(null));
    const canary = 'CANARY-VALUE-'.repeat(6000);
    try {
      value(canary);
      assert.fail('expected a refusal');
    } catch (e) {
      assert.ok(!(e as Error).message.includes('CANARY'));
      assert.ok(!JSON.stringify((e as DomainError).details).includes('CANARY'));
    }
  });

  it('takes an optional description of at most 1000 characters', () => {
    assert.equal(description(undefined), null);
    assert.equal(description('d'), 'd');
    refused(() => description('d'.repeat(1001)));
    refused(() => description(3));
  });
});

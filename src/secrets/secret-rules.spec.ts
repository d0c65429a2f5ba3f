import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DomainError } from '../common/errors';
import { checkSecretDescription, checkSecretKey, checkSecretValue, SECRET_VALUE_MAX_BYTES } from './secret-rules';

const refused = (fn: () => unknown) =>
  assert.throws(fn, (e: unknown) => e instanceof DomainError && e.kind === 'invalid');

describe('secret rules', () => {
  it('takes upper-case keys up to 128 characters', () => {
    assert.equal(checkSecretKey('API_KEY_2'), 'API_KEY_2');
    assert.equal(checkSecretKey('K'.repeat(128)), 'K'.repeat(128));
    for (const k of ['api_key', 'Api', '1A', '_A', 'A-B', 'A B', '', 'K'.repeat(129), undefined, 7])
      refused(() => checkSecretKey(k));
  });

  it('bounds values by UTF-8 bytes and never quotes them in a message', () => {
    assert.equal(checkSecretValue('x'.repeat(SECRET_VALUE_MAX_BYTES)).length, SECRET_VALUE_MAX_BYTES);
    refused(() => checkSecretValue('x'.repeat(SECRET_VALUE_MAX_BYTES + 1)));
    refused(() => checkSecretValue('€'.repeat(SECRET_VALUE_MAX_BYTES / 3 + 1)));
    refused(() => checkSecretValue(''));
    refused(() => checkSecretValue(null));
    const canary = 'CANARY-VALUE-'.repeat(6000);
    try {
      checkSecretValue(canary);
      assert.fail('expected a refusal');
    } catch (e) {
      assert.ok(!(e as Error).message.includes('CANARY'));
      assert.ok(!JSON.stringify((e as DomainError).details).includes('CANARY'));
    }
  });

  it('takes an optional description of at most 1000 characters', () => {
    assert.equal(checkSecretDescription(undefined), null);
    assert.equal(checkSecretDescription('d'), 'd');
    refused(() => checkSecretDescription('d'.repeat(1001)));
    refused(() => checkSecretDescription(3));
  });
});

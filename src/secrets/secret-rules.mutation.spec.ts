import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DomainError } from '../common/errors';
import {
  checkSecretDescription,
  checkSecretKey,
  checkSecretValue,
  SECRET_DESCRIPTION_MAX,
  SECRET_KEY_MAX,
  SECRET_VALUE_MAX_BYTES,
} from './secret-rules';

// Each refusal says why and names its field, so a 400 points at the right input (issue 13).
const refusedWith = (fn: () => unknown, message: string, field: string) =>
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof DomainError);
    assert.equal(e.kind, 'invalid');
    assert.equal(e.message, message);
    assert.deepEqual(e.details, { fields: [field] });
    return true;
  });

describe('checkSecretKey', () => {
  it('a missing key name is required', () => {
    for (const k of ['', undefined, null, 7, ['A']])
      refusedWith(() => checkSecretKey(k), 'key_name is required', 'key_name');
  });

  it('at most 128 characters', () => {
    assert.equal(SECRET_KEY_MAX, 128);
    refusedWith(() => checkSecretKey('K'.repeat(129)), 'key_name must be at most 128 characters', 'key_name');
  });

  it('upper case letters, digits and _, starting with a letter', () => {
    for (const k of ['api_key', '1A', '_A', 'A-B', 'A B', 'A\n'])
      refusedWith(
        () => checkSecretKey(k),
        'key_name must match ^[A-Z][A-Z0-9_]*$ (upper case letters, digits and _, starting with a letter)',
        'key_name',
      );
    assert.equal(checkSecretKey('A'), 'A');
  });
});

describe('checkSecretValue', () => {
  it('a string that is not empty', () => {
    for (const v of [undefined, null, 42, {}, Buffer.from('x')])
      refusedWith(() => checkSecretValue(v), 'value must be a string', 'value');
    refusedWith(() => checkSecretValue(''), 'value must not be empty', 'value');
  });

  it('at most 64 KiB of UTF-8, counted in bytes, not characters', () => {
    assert.equal(SECRET_VALUE_MAX_BYTES, 65536);
    const tooBig = 'value must be at most 65536 bytes';
    refusedWith(() => checkSecretValue('x'.repeat(65537)), tooBig, 'value');
    // 21845 × 3 bytes = 65535: fits; one more € is 65538 bytes in 21846 characters.
    assert.equal(checkSecretValue('€'.repeat(21845)).length, 21845);
    assert.equal(checkSecretValue(`${'€'.repeat(21845)}x`).length, 21846);
    refusedWith(() => checkSecretValue('€'.repeat(21846)), tooBig, 'value');
    refusedWith(() => checkSecretValue(`${'€'.repeat(21845)}xx`), tooBig, 'value');
  });
});

describe('checkSecretDescription', () => {
  it('absent (undefined or null) is null', () => {
    assert.equal(checkSecretDescription(undefined), null);
    assert.equal(checkSecretDescription(null), null);
  });

  it('a string of at most 1000 characters', () => {
    assert.equal(SECRET_DESCRIPTION_MAX, 1000);
    assert.equal(checkSecretDescription('d'.repeat(1000)), 'd'.repeat(1000));
    assert.equal(checkSecretDescription(''), '');
    refusedWith(
      () => checkSecretDescription('d'.repeat(1001)),
      'description must be at most 1000 characters',
      'description',
    );
    for (const d of [3, true, {}])
      refusedWith(() => checkSecretDescription(d), 'description must be a string', 'description');
  });
});

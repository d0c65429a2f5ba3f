import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import type { AppConfig } from '../config/app-config';
import { deriveKey } from './key-derivation';
import { SecretBox } from './secret-box';

const boxWith = (key: Buffer) => new SecretBox({ encryptionKey: key } as AppConfig);

describe('SecretBox', () => {
  const master = randomBytes(32);
  const box = boxWith(master);
  const aad = 'server_secret:11111111-1111-4111-8111-111111111111:API_KEY';

  it('round-trips a value, with a fresh IV each time and no plaintext in the sealed form', () => {
    const a = box.encrypt('s3cr3t-value', aad);
    const b = box.encrypt('s3cr3t-value', aad);
    assert.notEqual(a, b);
    assert.match(a, /^v1:[A-Za-z0-9+/=]+:[A-Za-z0-9+/=]+:[A-Za-z0-9+/=]*$/);
    assert.equal(Buffer.from(a.split(':')[1], 'base64').length, 12, '96-bit IV');
    assert.ok(!a.includes('s3cr3t'));
    assert.equal(box.decrypt(a, aad), 's3cr3t-value');
    assert.equal(box.decrypt(box.encrypt('', aad), aad), '');
    assert.equal(box.decrypt(box.encrypt('ünïcødé ✓', aad), aad), 'ünïcødé ✓');
  });

  it('refuses a value moved to another place (AAD)', () => {
    const sealed = box.encrypt('value', aad);
    assert.throws(() => box.decrypt(sealed, aad.replace('API_KEY', 'OTHER_KEY')));
  });

  it('refuses a tampered ciphertext or tag', () => {
    const [v, iv, tag, body] = box.encrypt('value', aad).split(':');
    const flip = (b64: string) => {
      const buf = Buffer.from(b64, 'base64');
      buf[0] ^= 1;
      return buf.toString('base64');
    };
    assert.throws(() => box.decrypt([v, iv, tag, flip(body)].join(':'), aad));
    assert.throws(() => box.decrypt([v, iv, flip(tag), body].join(':'), aad));
    assert.throws(() => box.decrypt([v, flip(iv), tag, body].join(':'), aad));
    assert.throws(() => box.decrypt('garbage', aad), /Unrecognised/);
    assert.throws(() => box.decrypt(['v2', iv, tag, body].join(':'), aad), /Unrecognised/);
  });

  it('cannot be opened with another master key', () => {
    const sealed = box.encrypt('value', aad);
    assert.throws(() => boxWith(randomBytes(32)).decrypt(sealed, aad));
  });

  it('does not encrypt with the master key itself (purpose-bound derivation)', () => {
    assert.notDeepEqual(deriveKey(master, 'mcpbox:secret-box'), master);
    assert.notDeepEqual(deriveKey(master, 'mcpbox:secret-box'), deriveKey(master, 'mcpbox:jwt-signing'));
  });
});

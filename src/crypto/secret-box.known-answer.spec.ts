import assert from 'node:assert/strict';
import { createDecipheriv, createHmac } from 'node:crypto';
import { describe, it } from 'node:test';
import type { AppConfig } from '../config/app-config';
import { SecretBox } from './secret-box';

// Known answers (issue 13): secrets stored by today's code must stay readable, so the key
// label, the HKDF parameters, the cipher and the `v1:iv:tag:body` layout are pinned here.
const master = Buffer.from(Array.from({ length: 32 }, (_, i) => i)); // 00 01 02 … 1f
const box = new SecretBox({ encryptionKey: master } as AppConfig);
const aad = 'server_secret:11111111-1111-4111-8111-111111111111:API_KEY';
const value = 'sk-live-ünïcødé ✓ 0123456789';

/** HKDF-SHA256 written out from RFC 5869 (one output block), apart from node's hkdfSync. */
function rfc5869(ikm: Buffer, info: string): Buffer {
  const prk = createHmac('sha256', Buffer.alloc(32)).update(ikm).digest();
  return createHmac('sha256', prk)
    .update(Buffer.concat([Buffer.from(info, 'utf8'), Buffer.from([1])]))
    .digest();
}

/** Opens a sealed value with plain AES-256-GCM, apart from SecretBox. */
function openIndependently(sealed: string, key: Buffer, withAad: string): string {
  const [version, iv, tag, body] = sealed.split(':');
  assert.equal(version, 'v1');
  const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64'));
  decipher.setAAD(Buffer.from(withAad, 'utf8'));
  decipher.setAuthTag(Buffer.from(tag, 'base64'));
  return Buffer.concat([decipher.update(Buffer.from(body, 'base64')), decipher.final()]).toString('utf8');
}

describe('SecretBox: known answers', () => {
  it("decrypts values sealed by today's code (a fixed master key)", () => {
    assert.equal(
      box.decrypt('v1:F17k/a7pzZKgGBZK:6vOatwqDmdtcDtjL5JZ0Dw==:QwSkj0SNqyMFdCJN2yPo09yRLFmSO5rMae2rN4bzLnpq3g==', aad),
      value,
    );
    assert.equal(
      box.decrypt(
        'v1:EIrDmNTq3jIOggqh:sds+aZ6acIzL4CwlFZaKGw==:',
        'server_secret:11111111-1111-4111-8111-111111111111:EMPTY',
      ),
      '',
    );
  });

  it('encrypts with AES-256-GCM under HKDF-SHA256(master, info "mcpbox:secret-box"), 96-bit IV, 128-bit tag', () => {
    const key = rfc5869(master, 'mcpbox:secret-box');
    assert.equal(key.toString('hex'), '29ae44f9a818457d463f854058e0f945a310b1a97f12fb5c3c1c392a79e9cad3');
    const sealed = box.encrypt(value, aad);
    const [, iv, tag, body] = sealed.split(':');
    assert.equal(Buffer.from(iv, 'base64').length, 12);
    assert.equal(Buffer.from(tag, 'base64').length, 16);
    assert.equal(Buffer.from(body, 'base64').length, Buffer.byteLength(value, 'utf8'));
    assert.equal(openIndependently(sealed, key, aad), value);
    assert.throws(() => openIndependently(sealed, master, aad), 'not the master key itself');
  });
});

describe('SecretBox: malformed sealed values are refused as such', () => {
  const [v, iv, tag, body] = box.encrypt(value, aad).split(':');
  const unrecognised = { message: 'Unrecognised ciphertext format' };

  it('a missing part, another version or an IV that is not 96 bits', () => {
    for (const sealed of [
      [v, iv, tag].join(':'),
      [v, iv].join(':'),
      ['', iv, tag, body].join(':'),
      [v, '', tag, body].join(':'),
      [v, iv, '', body].join(':'),
      ['v0', iv, tag, body].join(':'),
      [v, Buffer.alloc(16).toString('base64'), tag, body].join(':'),
      [v, Buffer.alloc(8).toString('base64'), tag, body].join(':'),
    ]) {
      assert.throws(() => box.decrypt(sealed, aad), unrecognised, sealed);
    }
  });
});

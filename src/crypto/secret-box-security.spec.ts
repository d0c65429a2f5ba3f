import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import type { AppConfig } from '../config/app-config';
import { SecretBox } from './secret-box';

describe('SecretBox: the authentication tag', () => {
  const box = new SecretBox({ encryptionKey: randomBytes(32) } as AppConfig);
  const aad = 'server_secret:11111111-1111-4111-8111-111111111111:API_KEY';

  it('refuses a truncated tag (GCM would otherwise check only the bytes given, down to 4)', () => {
    const [v, iv, tag, body] = box.encrypt('value', aad).split(':');
    for (const len of [4, 8, 12, 15]) {
      const short = Buffer.from(tag, 'base64').subarray(0, len).toString('base64');
      assert.throws(() => box.decrypt([v, iv, short, body].join(':'), aad), Error, `a ${len}-byte tag`);
    }
    assert.equal(box.decrypt([v, iv, tag, body].join(':'), aad), 'value');
  });

  it('refuses an IV that is not 96 bits', () => {
    const [v, , tag, body] = box.encrypt('value', aad).split(':');
    assert.throws(() => box.decrypt([v, randomBytes(16).toString('base64'), tag, body].join(':'), aad));
  });
});

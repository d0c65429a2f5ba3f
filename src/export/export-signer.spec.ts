import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import type { AppConfig } from '../config/app-config';
import { ExportSigner } from './export-signer';

describe('ExportSigner', () => {
  const signer = (key = randomBytes(32)) => new ExportSigner({ encryptionKey: key } as AppConfig);
  const doc = { format_version: 1, servers: [{ name: 'a', tools: [{ code: 'x' }] }] };

  it('verifies its own signature, whatever the key order', () => {
    const s = signer();
    const signed = { ...doc, signature: s.sign(doc) };
    assert.ok(
      s.verify(JSON.parse(JSON.stringify({ signature: signed.signature, servers: doc.servers, format_version: 1 }))),
    );
  });
  it('refuses a tampered, foreign, missing or malformed signature', () => {
    const s = signer();
    const signature = s.sign(doc);
    assert.equal(s.verify({ ...doc, servers: [{ name: 'a', tools: [{ code: 'y' }] }], signature }), false);
    assert.equal(signer().verify({ ...doc, signature }), false);
    assert.equal(s.verify({ ...doc }), false);
    assert.equal(s.verify({ ...doc, signature: signature.toUpperCase() + 'zz' }), false);
    assert.equal(s.verify({ ...doc, signature: 42 }), false);
  });
});

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import type { AppConfig } from '../config/app-config';
import { canonicalJson } from './canonical-json';
import { ExportSigner } from './export-signer';

describe('canonicalJson', () => {
  it('sorts keys at every depth and keeps array order', () => {
    assert.equal(canonicalJson({ b: 1, a: { d: [3, { z: 1, y: 2 }], c: 'x' } }), '{"a":{"c":"x","d":[3,{"y":2,"z":1}]},"b":1}');
  });
  it('is the same for equal documents whatever their key order, and drops undefined members', () => {
    assert.equal(canonicalJson({ x: 1, y: [true, null], u: undefined }), canonicalJson(JSON.parse('{"y":[true,null],"x":1}')));
  });
  it('escapes strings as JSON does', () => {
    assert.equal(canonicalJson({ 'k"': 'line\nbreak é \u2028' }), JSON.stringify({ 'k"': 'line\nbreak é \u2028' }));
  });
});

describe('ExportSigner', () => {
  const signer = (key = randomBytes(32)) => new ExportSigner({ encryptionKey: key } as AppConfig);
  const doc = { format_version: 1, servers: [{ name: 'a', tools: [{ code: 'x' }] }] };

  it('verifies its own signature, whatever the key order', () => {
    const s = signer();
    const signed = { ...doc, signature: s.sign(doc) };
    assert.ok(s.verify(JSON.parse(JSON.stringify({ signature: signed.signature, servers: doc.servers, format_version: 1 }))));
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

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { deriveKey } from './key-derivation';

// Known answers: a change here would make every stored secret unreadable.
describe('deriveKey (HKDF-SHA256, empty salt, purpose as info, 32 bytes)', () => {
  it('matches RFC 5869 test case 3 (zero-length salt and info), first 32 bytes', () => {
    const okm = deriveKey(Buffer.alloc(22, 0x0b), '');
    assert.equal(okm.toString('hex'), '8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d');
  });

  it('binds the key to its purpose and to the master key', () => {
    const master = Buffer.from(Array.from({ length: 32 }, (_, i) => i));
    const box = deriveKey(master, 'mcpbox:secret-box');
    assert.equal(box.length, 32);
    assert.ok(Buffer.isBuffer(box));
    assert.equal(box.toString('hex'), '29ae44f9a818457d463f854058e0f945a310b1a97f12fb5c3c1c392a79e9cad3');
    assert.notDeepEqual(deriveKey(master, 'mcpbox:jwt-signing'), box);
    assert.notDeepEqual(deriveKey(Buffer.alloc(32, 1), 'mcpbox:secret-box'), box);
  });
});

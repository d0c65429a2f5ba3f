import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { ConfigurationError } from '../config/env.schema';
import { resolveEncryptionKey } from './encryption-key';

// The rules themselves, apart from the environment check that usually stops earlier.
describe('resolveEncryptionKey', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mcpbox-key-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('refuses production without a key or with an all-zero key, writing nothing', () => {
    const dataDir = join(dir, 'prod');
    for (const configured of [undefined, '0'.repeat(64)]) {
      assert.throws(
        () => resolveEncryptionKey({ configured, production: true, dataDir, warnings: [] }),
        (err: unknown) => err instanceof ConfigurationError && /MCPBOX_ENCRYPTION_KEY/.test(err.message),
      );
    }
    assert.ok(!existsSync(join(dataDir, 'encryption.key')));
  });

  it('generates a 0600 key file once outside production, with a warning, and reuses it', () => {
    const dataDir = join(dir, 'dev');
    const warnings: string[] = [];
    const first = resolveEncryptionKey({ production: false, dataDir, warnings });
    assert.equal(first.length, 32);
    assert.equal(statSync(join(dataDir, 'encryption.key')).mode & 0o777, 0o600);
    assert.equal(warnings.length, 1);
    const again: string[] = [];
    assert.ok(resolveEncryptionKey({ production: false, dataDir, warnings: again }).equals(first));
    assert.deepEqual(again, []);
  });
});

import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { deriveKey } from '../crypto/key-derivation';
import { AppConfig } from './app-config';
import { ConfigurationError } from './env.schema';

const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'mcpbox-config-'));
  dirs.push(dir);
  return dir;
}

function refused(env: Record<string, string>, pattern: RegExp): void {
  assert.throws(
    () => AppConfig.fromEnvironment(env),
    (err: unknown) => err instanceof ConfigurationError && pattern.test(err.message) && !err.message.includes('\n'),
  );
}

describe('AppConfig.fromEnvironment', () => {
  after(() => {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  it('applies the documented defaults (.env.example)', () => {
    const c = AppConfig.fromEnvironment({ DATA_DIR: tempDir(), MCPBOX_ENCRYPTION_KEY: 'cd'.repeat(32) });
    assert.equal(c.env, 'development');
    assert.equal(c.port, 8000);
    assert.equal(c.accessTokenMinutes, 15);
    assert.equal(c.refreshTokenDays, 7);
    assert.equal(c.mode, 'local');
    assert.equal(c.serviceToken, undefined);
    assert.equal(c.sandbox.memoryMb, 128);
    assert.equal(c.sandbox.maxResultSize, 1024 * 1024);
    assert.equal(c.sandbox.allowLoopback, false);
    assert.equal(c.loginRateLimitPerMinute, 5);
    assert.equal(c.npmRegistry, 'https://registry.npmjs.org');
    assert.equal(c.moduleMaxBundleBytes, 5 * 1024 * 1024);
    assert.deepEqual(c.corsOrigins, []);
    assert.equal(c.publicUrl, 'http://localhost:8000');
    assert.match(c.version, /^\d+\.\d+\.\d+/);
    assert.deepEqual(c.warnings, []);
  });

  it('reads the configured values', () => {
    const c = AppConfig.fromEnvironment({
      DATA_DIR: tempDir(),
      MCPBOX_ENCRYPTION_KEY: 'cd'.repeat(32),
      PORT: '9000',
      CORS_ORIGINS: 'https://a.test, https://b.test,',
      MCPBOX_MODE: 'remote',
      MCPBOX_SERVICE_TOKEN: 't'.repeat(40),
      MCPBOX_PUBLIC_URL: 'https://box.example.test/',
      JWT_ACCESS_TOKEN_EXPIRE_MINUTES: '5',
      MCPBOX_MODULE_MAX_BUNDLE_BYTES: '1048576',
    });
    assert.equal(c.port, 9000);
    assert.deepEqual(c.corsOrigins, ['https://a.test', 'https://b.test']);
    assert.equal(c.mode, 'remote');
    assert.equal(c.publicUrl, 'https://box.example.test');
    assert.equal(c.accessTokenMinutes, 5);
    assert.equal(c.moduleMaxBundleBytes, 1048576);
  });

  it('stops on a bad variable with a ConfigurationError naming it', () => {
    refused({ PORT: 'notaport' }, /\bPORT\b/);
    refused({ MCPBOX_ENCRYPTION_KEY: 'xyz' }, /\bMCPBOX_ENCRYPTION_KEY\b/);
    refused({ MCPBOX_MODE: 'remote' }, /\bMCPBOX_SERVICE_TOKEN\b/);
    refused(
      { NODE_ENV: 'production', MCPBOX_ENCRYPTION_KEY: 'ab'.repeat(32), MCPBOX_TEST_ALLOW_LOOPBACK: 'true' },
      /\bMCPBOX_TEST_ALLOW_LOOPBACK\b/,
    );
  });

  describe('encryption key (docs/architecture.md#encryption-key)', () => {
    it('generates a key once into DATA_DIR/encryption.key with mode 0600 and reuses it', () => {
      const dir = join(tempDir(), 'nested', 'data');
      const first = AppConfig.fromEnvironment({ DATA_DIR: dir });
      const file = join(dir, 'encryption.key');
      assert.ok(existsSync(file));
      assert.equal(statSync(file).mode & 0o777, 0o600);
      assert.match(readFileSync(file, 'utf8'), /^[0-9a-f]{64}\n?$/);
      assert.equal(first.encryptionKey.length, 32);
      assert.equal(first.encryptionKey.toString('hex'), readFileSync(file, 'utf8').trim());
      assert.ok(
        first.warnings.some((w) => w.includes('encryption.key')),
        'a warning says a key was generated',
      );

      const second = AppConfig.fromEnvironment({ DATA_DIR: dir });
      assert.ok(second.encryptionKey.equals(first.encryptionKey), 'the same key on the second start');
      assert.ok(second.jwtSecret.equals(first.jwtSecret));
      assert.equal(second.warnings.length, 0);
    });

    it('uses a configured key as is and writes no file', () => {
      const dir = tempDir();
      const c = AppConfig.fromEnvironment({ DATA_DIR: dir, MCPBOX_ENCRYPTION_KEY: 'AB'.repeat(32) });
      assert.equal(c.encryptionKey.toString('hex'), 'ab'.repeat(32));
      assert.ok(!existsSync(join(dir, 'encryption.key')));
    });

    it('refuses production without a key, and writes no key file', () => {
      const dir = tempDir();
      refused({ NODE_ENV: 'production', DATA_DIR: dir }, /MCPBOX_ENCRYPTION_KEY/);
      assert.ok(!existsSync(join(dir, 'encryption.key')));
    });

    it('refuses production without a key even when a generated key file exists', () => {
      const dir = tempDir();
      AppConfig.fromEnvironment({ DATA_DIR: dir });
      refused({ NODE_ENV: 'production', DATA_DIR: dir }, /MCPBOX_ENCRYPTION_KEY/);
    });

    it('refuses an all-zero key in production, and only warns elsewhere', () => {
      const zero = '0'.repeat(64);
      refused(
        { NODE_ENV: 'production', DATA_DIR: tempDir(), MCPBOX_ENCRYPTION_KEY: zero },
        /MCPBOX_ENCRYPTION_KEY.*zero/,
      );
      const dev = AppConfig.fromEnvironment({ DATA_DIR: tempDir(), MCPBOX_ENCRYPTION_KEY: zero });
      assert.ok(dev.warnings.some((w) => /all zeros/.test(w)));
      assert.doesNotThrow(() =>
        AppConfig.fromEnvironment({
          NODE_ENV: 'production',
          DATA_DIR: tempDir(),
          MCPBOX_ENCRYPTION_KEY: 'ab'.repeat(32),
        }),
      );
    });

    it('refuses a key file that does not hold a key', () => {
      const dir = tempDir();
      writeFileSync(join(dir, 'encryption.key'), 'not a key\n', { mode: 0o600 });
      refused({ DATA_DIR: dir }, /encryption\.key/);
    });
  });

  describe('JWT secret', () => {
    it('is derived (HKDF) from the encryption key when JWT_SECRET_KEY is unset', () => {
      const key = 'ef'.repeat(32);
      const c = AppConfig.fromEnvironment({ DATA_DIR: tempDir(), MCPBOX_ENCRYPTION_KEY: key });
      assert.equal(c.jwtSecret.length, 32);
      assert.ok(c.jwtSecret.equals(deriveKey(Buffer.from(key, 'hex'), 'mcpbox:jwt-signing')));
      assert.ok(!c.jwtSecret.equals(c.encryptionKey), 'never the encryption key itself');
      const other = AppConfig.fromEnvironment({ DATA_DIR: tempDir(), MCPBOX_ENCRYPTION_KEY: '12'.repeat(32) });
      assert.ok(!other.jwtSecret.equals(c.jwtSecret), 'another key derives another secret');
    });

    it('is JWT_SECRET_KEY when set', () => {
      const secret = 'a-configured-jwt-secret-of-enough-length';
      const c = AppConfig.fromEnvironment({
        DATA_DIR: tempDir(),
        MCPBOX_ENCRYPTION_KEY: 'ef'.repeat(32),
        JWT_SECRET_KEY: secret,
      });
      assert.ok(c.jwtSecret.equals(Buffer.from(secret, 'utf8')));
    });
  });

  it('warns when the test loopback switch is on', () => {
    const c = AppConfig.fromEnvironment({
      DATA_DIR: tempDir(),
      MCPBOX_ENCRYPTION_KEY: 'ab'.repeat(32),
      MCPBOX_TEST_ALLOW_LOOPBACK: 'true',
    });
    assert.equal(c.sandbox.allowLoopback, true);
    assert.ok(c.warnings.some((w) => w.includes('MCPBOX_TEST_ALLOW_LOOPBACK')));
  });
});

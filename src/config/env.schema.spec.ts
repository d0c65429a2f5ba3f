import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigurationError, validateEnvironment } from './env.schema';
import { parseTrustProxy } from './trust-proxy';

/** Asserts a ConfigurationError on one line that names `variable` (and not the bad value). */
function assertRefused(env: Record<string, string>, variable: string | RegExp, secret?: string): ConfigurationError {
  let caught: unknown;
  try {
    validateEnvironment(env);
  } catch (err) {
    caught = err;
  }
  assert.ok(caught instanceof ConfigurationError, `expected a ConfigurationError for ${JSON.stringify(env)}`);
  assert.match(caught.message, typeof variable === 'string' ? new RegExp(`\\b${variable}\\b`) : variable);
  assert.doesNotMatch(caught.message, /\n/, 'one line');
  if (secret) assert.ok(!caught.message.includes(secret), 'the bad value is not echoed');
  return caught;
}

describe('validateEnvironment', () => {
  it('accepts an empty environment (every variable has a default)', () => {
    assert.doesNotThrow(() => validateEnvironment({}));
  });

  it('converts numbers and booleans', () => {
    const env = validateEnvironment({
      PORT: '8080',
      RATE_LIMIT_LOGIN_PER_MINUTE: '5',
      MCPBOX_TEST_ALLOW_LOOPBACK: 'true',
      SANDBOX_WORKERS: '2',
    });
    assert.equal(env.PORT, 8080);
    assert.equal(env.RATE_LIMIT_LOGIN_PER_MINUTE, 5);
    assert.equal(env.MCPBOX_TEST_ALLOW_LOOPBACK, true);
    assert.equal(env.SANDBOX_WORKERS, 2);
    assert.equal(validateEnvironment({ MCPBOX_TEST_ALLOW_LOOPBACK: 'false' }).MCPBOX_TEST_ALLOW_LOOPBACK, false);
  });

  it('takes METRICS_TOKEN of 16 to 512 printable characters, and refuses others without echoing them', () => {
    assert.equal(validateEnvironment({ METRICS_TOKEN: 'x'.repeat(16) }).METRICS_TOKEN, 'x'.repeat(16));
    assertRefused({ METRICS_TOKEN: 'short-token' }, 'METRICS_TOKEN', 'short-token');
    assertRefused({ METRICS_TOKEN: 'with a space in the token' }, 'METRICS_TOKEN', 'with a space in the token');
    assertRefused({ METRICS_TOKEN: 'y'.repeat(513) }, 'METRICS_TOKEN');
  });

  it('refuses a bad PORT', () => {
    for (const PORT of ['notaport', '70000', '-1', '80.5', '8000abc']) assertRefused({ PORT }, 'PORT');
  });

  it('refuses a bad MCPBOX_ENCRYPTION_KEY without echoing it', () => {
    const almost = 'a1'.repeat(31);
    for (const key of ['short', almost, `${almost}zz`, `${'a1'.repeat(32)}00`])
      assertRefused({ MCPBOX_ENCRYPTION_KEY: key }, 'MCPBOX_ENCRYPTION_KEY', key);
  });

  it('refuses remote mode without a service token, and a short token', () => {
    assertRefused({ MCPBOX_MODE: 'remote' }, 'MCPBOX_SERVICE_TOKEN');
    assertRefused({ MCPBOX_MODE: 'remote', MCPBOX_SERVICE_TOKEN: 'tooshort' }, 'MCPBOX_SERVICE_TOKEN', 'tooshort');
    assert.doesNotThrow(() => validateEnvironment({ MCPBOX_MODE: 'remote', MCPBOX_SERVICE_TOKEN: 's'.repeat(32) }));
    assertRefused({ MCPBOX_MODE: 'cloud' }, 'MCPBOX_MODE');
  });

  it('refuses the test loopback switch in production', () => {
    assertRefused(
      { NODE_ENV: 'production', MCPBOX_TEST_ALLOW_LOOPBACK: 'true', MCPBOX_ENCRYPTION_KEY: 'ab'.repeat(32) },
      'MCPBOX_TEST_ALLOW_LOOPBACK',
    );
    assertRefused(
      { NODE_ENV: 'production', MCPBOX_TEST_ALLOW_LOOPBACK: '1', MCPBOX_ENCRYPTION_KEY: 'ab'.repeat(32) },
      'MCPBOX_TEST_ALLOW_LOOPBACK',
    );
    assert.doesNotThrow(() =>
      validateEnvironment({
        NODE_ENV: 'production',
        MCPBOX_TEST_ALLOW_LOOPBACK: 'false',
        MCPBOX_ENCRYPTION_KEY: 'ab'.repeat(32),
      }),
    );
    assertRefused({ MCPBOX_TEST_ALLOW_LOOPBACK: 'yes please' }, 'MCPBOX_TEST_ALLOW_LOOPBACK');
  });

  it('refuses other bad values, naming each', () => {
    assertRefused({ NODE_ENV: 'prod' }, 'NODE_ENV');
    assertRefused({ LOG_LEVEL: 'loud' }, 'LOG_LEVEL');
    assertRefused({ DATABASE_URL: 'mysql://root@localhost/db' }, 'DATABASE_URL', 'root@localhost');
    assertRefused({ JWT_SECRET_KEY: 'short-secret' }, 'JWT_SECRET_KEY', 'short-secret');
    assertRefused({ JWT_ACCESS_TOKEN_EXPIRE_MINUTES: '0' }, 'JWT_ACCESS_TOKEN_EXPIRE_MINUTES');
    assertRefused({ SANDBOX_MEMORY_MB: 'lots' }, 'SANDBOX_MEMORY_MB');
    assertRefused({ MCPBOX_NPM_REGISTRY: 'ftp://example.test' }, 'MCPBOX_NPM_REGISTRY');
    assertRefused({ MCPBOX_MODULE_MAX_BUNDLE_BYTES: '1000' }, 'MCPBOX_MODULE_MAX_BUNDLE_BYTES');
    assertRefused({ MCPBOX_MODULE_MAX_BUNDLE_BYTES: '5MB' }, 'MCPBOX_MODULE_MAX_BUNDLE_BYTES');
    assertRefused({ RATE_LIMIT_LOGIN_PER_MINUTE: '0' }, 'RATE_LIMIT_LOGIN_PER_MINUTE');
  });

  it('reads TRUST_PROXY as none, a hop count, or proxy addresses/CIDRs, and refuses "every hop"', () => {
    for (const value of ['', 'false', '0']) assert.deepEqual(parseTrustProxy(value), { value: false });
    assert.deepEqual(parseTrustProxy('1'), { value: 1 });
    assert.deepEqual(parseTrustProxy(' 127.0.0.1, 10.0.0.0/8 ,::1,fd00::/8,loopback'), {
      value: ['127.0.0.1', '10.0.0.0/8', '::1', 'fd00::/8', 'loopback'],
    });
    assert.doesNotThrow(() => validateEnvironment({ TRUST_PROXY: '2' }));
    assert.doesNotThrow(() => validateEnvironment({ TRUST_PROXY: '192.168.1.10,172.16.0.0/12' }));
    const everyHop = assertRefused({ TRUST_PROXY: 'true' }, 'TRUST_PROXY');
    assert.match(everyHop.message, /every hop/);
    for (const bad of ['yes', '10.0.0.0/33', '10.0.0.300', 'proxy.example.test', '1.5', '-1', '99', ','])
      assertRefused({ TRUST_PROXY: bad }, 'TRUST_PROXY');
  });

  it('refuses production without an encryption key or with an all-zero one', () => {
    assertRefused({ NODE_ENV: 'production' }, 'MCPBOX_ENCRYPTION_KEY');
    assertRefused({ NODE_ENV: 'production', MCPBOX_ENCRYPTION_KEY: '0'.repeat(64) }, 'MCPBOX_ENCRYPTION_KEY');
    assert.doesNotThrow(() => validateEnvironment({ NODE_ENV: 'production', MCPBOX_ENCRYPTION_KEY: 'ab'.repeat(32) }));
    assert.doesNotThrow(() => validateEnvironment({ NODE_ENV: 'development' }));
  });

  it('names every offending variable in the one line', () => {
    const err = assertRefused({ PORT: 'x', LOG_LEVEL: 'loud', MCPBOX_MODE: 'remote' }, 'PORT');
    assert.match(err.message, /\bLOG_LEVEL\b/);
    assert.match(err.message, /\bMCPBOX_SERVICE_TOKEN\b/);
  });
});

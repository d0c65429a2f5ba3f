import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ADMIN, startApp, type TestApp } from '../support/app';

const LIMIT = 2;
const wrong = { username: ADMIN.username, password: 'not the password at all' };

/** Login attempts with the given X-Forwarded-For (none when undefined): their statuses. */
async function attempts(t: TestApp, forwardedFor: (string | undefined)[]): Promise<number[]> {
  const statuses: number[] = [];
  for (const xff of forwardedFor)
    statuses.push((await t.post('/auth/login', wrong, { headers: xff ? { 'x-forwarded-for': xff } : {} })).status);
  return statuses;
}

async function withApp(trustProxy: string | undefined, fn: (t: TestApp) => Promise<void>): Promise<void> {
  const t = await startApp({ TRUST_PROXY: trustProxy, RATE_LIMIT_LOGIN_PER_MINUTE: String(LIMIT) });
  try {
    await t.post('/auth/setup', ADMIN);
    await fn(t);
  } finally {
    await t.close();
  }
}

// The test client connects from 127.0.0.1, i.e. it plays the proxy.
describe('TRUST_PROXY and the login rate limit', () => {
  it('trusts no proxy by default: a forged X-Forwarded-For cannot buy fresh attempts', async () => {
    await withApp(undefined, async (app) => {
      assert.deepEqual(await attempts(app, ['203.0.113.1', '203.0.113.2', '203.0.113.3']), [401, 401, 429]);
      assert.equal((await attempts(app, [undefined]))[0], 429, 'the connection address is the budget');
    });
  });

  it('ignores X-Forwarded-For from a peer that is not a listed proxy', async () => {
    await withApp('10.0.0.0/8', async (app) => {
      assert.deepEqual(await attempts(app, ['203.0.113.1', '203.0.113.2', '203.0.113.3']), [401, 401, 429]);
    });
  });

  for (const setting of ['1', '127.0.0.1', 'loopback'])
    it(`uses the forwarded client address with TRUST_PROXY=${setting}`, async () => {
      await withApp(setting, async (app) => {
        // Each forwarded client has its own budget...
        assert.deepEqual(await attempts(app, ['203.0.113.1', '203.0.113.2', '203.0.113.3']), [401, 401, 401]);
        // ...and one client is limited whatever it forges further left in the header.
        assert.deepEqual(
          await attempts(app, ['203.0.113.9', '198.51.100.1, 203.0.113.9', '198.51.100.2, 203.0.113.9']),
          [401, 401, 429],
        );
        assert.equal((await attempts(app, ['203.0.113.10']))[0], 401, 'another client is not limited');
      });
    });
});

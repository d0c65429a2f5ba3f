import assert from 'node:assert/strict';
import { createHmac, randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { startApp, type ApiResponse, type RequestOptions, type TestApp } from '../support/app';

// A known signing key, so the tests can mint tokens the app must refuse (expired, wrong
// type, ...) and one it must accept (the control that proves the minting is right).
const JWT_SECRET = 'auth-e2e-known-jwt-secret-0123456789abcdef';
const PW12 = 'twelve-chars';
const PW128 = 'p'.repeat(127) + '!';
assert.equal(PW12.length, 12);
assert.equal(PW128.length, 128);

interface Claims {
  sub: string;
  username: string;
  pv: number;
  typ: string;
  jti: string;
  fam: string;
  iat: number;
  exp: number;
}

const b64url = (v: unknown) => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)).toString('base64url');
function signToken(
  payload: Record<string, unknown>,
  key: string | Buffer = JWT_SECRET,
  header: Record<string, unknown> = { alg: 'HS256', typ: 'JWT' },
): string {
  const head = `${b64url(header)}.${b64url(payload)}`;
  const alg = String(header.alg);
  if (alg.toLowerCase() === 'none') return `${head}.`;
  const hash = alg === 'HS512' ? 'sha512' : alg === 'HS384' ? 'sha384' : 'sha256';
  return `${head}.${createHmac(hash, key).update(head).digest('base64url')}`;
}
const decode = (token: string): Claims =>
  JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString('utf8')) as Claims;
const now = () => Math.floor(Date.now() / 1000);

/** A wrong password of the same length (the real one may be the 128-character maximum). */
const wrongOf = (password: string) => password.slice(0, -1) + (password.endsWith('x') ? 'y' : 'x');

describe('auth', () => {
  let t: TestApp;
  /** Every response body seen, to prove the password hash never leaves the server. */
  const seen: string[] = [];
  const call = async (method: string, path: string, body?: unknown, opts?: RequestOptions): Promise<ApiResponse> => {
    const res = await t.request(method, path, body, opts);
    seen.push(res.text);
    return res;
  };
  const get = (path: string, token?: string) => call('GET', path, undefined, token ? { token } : {});
  const post = (path: string, body?: unknown, token?: string) => call('POST', path, body, token ? { token } : {});
  const login = (username: string, password: string) => post('/auth/login', { username, password });
  const refresh = (refresh_token: string) => post('/auth/refresh', { refresh_token });
  const me = (token: string) => get('/auth/me', token);
  const users = async () =>
    (
      await t.db.query(
        'SELECT id, username, password_hash, password_version, last_login_at FROM admin_users ORDER BY username',
      )
    ).rows;

  let creds: { username: string; password: string };
  let userId: string;

  before(async () => {
    t = await startApp({ JWT_SECRET_KEY: JWT_SECRET });
  });
  after(() => t.close());

  function assertError(res: ApiResponse, status: number, pattern?: RegExp): void {
    assert.equal(res.status, status, res.text);
    assert.equal(res.body.statusCode, status);
    assert.equal(typeof res.body.error, 'string');
    if (pattern) assert.match(JSON.stringify(res.body.message), pattern);
    assert.equal(res.body.access_token, undefined);
    assert.equal(res.body.refresh_token, undefined);
  }

  describe('setup', () => {
    it('reports setup_required while no admin exists', async () => {
      const res = await get('/auth/status');
      assert.equal(res.status, 200);
      assert.deepEqual(res.body, { setup_required: true });
    });

    it('refuses passwords of 11 and 129 characters and bad usernames, creating nobody', async () => {
      for (const password of ['x'.repeat(11), 'x'.repeat(129)])
        assertError(
          await post('/auth/setup', { username: 'admin', password }),
          400,
          /password must be 12-128 characters/,
        );
      for (const username of ['ab', 'has space', 'x'.repeat(65), ''])
        assertError(await post('/auth/setup', { username, password: PW12 }), 400, /username/);
      assertError(await post('/auth/setup', { username: 'admin' }), 400, /password/);
      assertError(await post('/auth/setup', { username: 'admin', password: PW12, is_active: false }), 400, /is_active/);
      assert.deepEqual(await users(), []);
      assert.deepEqual((await get('/auth/status')).body, { setup_required: true });
    });

    it('creates exactly one admin when several setups race (12 and 128 characters accepted)', async () => {
      const attempts = ['admin', 'rival1', 'rival2', 'rival3', 'rival4'].map((username, i) => ({
        username,
        password: i % 2 ? PW128 : PW12,
      }));
      const results = await Promise.all(attempts.map((a) => post('/auth/setup', a)));
      const created = results.filter((r) => r.status === 201);
      assert.equal(created.length, 1, results.map((r) => r.status).join(','));
      for (const r of results.filter((x) => x.status !== 201)) assertError(r, 409, /already/);
      const winner = created[0].body;
      creds = attempts.find((a) => a.username === winner.username)!;
      assert.deepEqual(Object.keys(winner).sort(), [
        'created_at',
        'id',
        'is_active',
        'last_login_at',
        'updated_at',
        'username',
      ]);
      assert.equal(winner.is_active, true);
      assert.equal(winner.last_login_at, null);
      const rows = await users();
      assert.equal(rows.length, 1);
      assert.equal(rows[0].id, winner.id);
      userId = winner.id;
      assert.deepEqual((await get('/auth/status')).body, { setup_required: false });
      const audit = await t.db.query(
        "SELECT count(*)::int AS n FROM activity_logs WHERE log_type = 'audit' AND message LIKE 'Admin account%'",
      );
      assert.equal(audit.rows[0].n, 1);
    });

    it('answers a second setup with 409 and changes nothing', async () => {
      const before = await users();
      assertError(await post('/auth/setup', { username: 'intruder', password: 'intruder-password' }), 409, /already/);
      assertError(await post('/auth/setup', { username: creds.username, password: 'new-password-123' }), 409);
      assert.deepEqual(await users(), before);
    });

    it('stores an argon2id hash', async () => {
      const [row] = await users();
      assert.match(row.password_hash, /^\$argon2id\$v=19\$m=\d+,t=\d+,p=\d+\$/);
      assert.ok(!row.password_hash.includes(creds.password));
    });
  });

  describe('login', () => {
    it('refuses a wrong password and an unknown user alike with 401, logging nobody in', async () => {
      const wrongPassword = wrongOf(creds.password);
      const wrong = await login(creds.username, wrongPassword);
      assertError(wrong, 401, /Invalid username or password/);
      const unknown = await login('nobody', creds.password);
      assertError(unknown, 401);
      assert.deepEqual(unknown.body.message, wrong.body.message, 'no hint which part was wrong');
      assert.equal((await users())[0].last_login_at, null);
      const logged = await t.db.query('SELECT details::text AS d FROM activity_logs');
      for (const row of logged.rows)
        assert.ok(!row.d?.includes(wrongPassword), 'an attempted password is never logged');
    });

    it('refuses bad login bodies with 400', async () => {
      assertError(await post('/auth/login', { username: creds.username }), 400, /password/);
      assertError(await post('/auth/login', { username: creds.username, password: 'x'.repeat(129) }), 400, /password/);
      assertError(await post('/auth/login', {}), 400, /username/);
    });

    it('returns {access_token, refresh_token, token_type: bearer, expires_in}', async () => {
      const res = await login(creds.username, creds.password);
      assert.equal(res.status, 200, res.text);
      assert.deepEqual(Object.keys(res.body).sort(), ['access_token', 'expires_in', 'refresh_token', 'token_type']);
      assert.equal(res.body.token_type, 'bearer');
      assert.equal(res.body.expires_in, 15 * 60);
      const access = decode(res.body.access_token);
      const refreshClaims = decode(res.body.refresh_token);
      assert.equal(access.typ, 'access');
      assert.equal(refreshClaims.typ, 'refresh');
      assert.equal(access.exp - access.iat, 15 * 60);
      assert.equal(refreshClaims.exp - refreshClaims.iat, 7 * 86_400);
      assert.equal(access.sub, userId);
      assert.equal(access.fam, refreshClaims.fam);
      assert.notEqual(access.jti, refreshClaims.jti);
      assert.equal(JSON.parse(Buffer.from(res.body.access_token.split('.')[0], 'base64url').toString()).alg, 'HS256');
      assert.notEqual((await users())[0].last_login_at, null);
    });
  });

  describe('me and access tokens', () => {
    let pair: { access_token: string; refresh_token: string };
    let claims: Claims;
    const forged = (over: Partial<Record<keyof Claims, unknown>> = {}) => ({
      ...claims,
      jti: randomUUID(),
      iat: now(),
      exp: now() + 600,
      ...over,
    });

    before(async () => {
      pair = (await login(creds.username, creds.password)).body;
      claims = decode(pair.access_token);
    });

    it('returns the admin on /auth/me', async () => {
      const res = await me(pair.access_token);
      assert.equal(res.status, 200, res.text);
      assert.equal(res.body.id, userId);
      assert.equal(res.body.username, creds.username);
      assert.deepEqual(Object.keys(res.body).sort(), [
        'created_at',
        'id',
        'is_active',
        'last_login_at',
        'updated_at',
        'username',
      ]);
    });

    it('refuses a missing or malformed Authorization header', async () => {
      assertError(await get('/auth/me'), 401);
      assertError(await get('/auth/me', 'not-a-jwt'), 401);
      for (const authorization of [
        `Basic ${Buffer.from('admin:x').toString('base64')}`,
        `Token ${pair.access_token}`,
        'Bearer ',
      ]) {
        assertError(await call('GET', '/auth/me', undefined, { headers: { authorization } }), 401);
      }
    });

    it('accepts a token minted with the right key (control for the refusals below)', async () => {
      const res = await me(signToken(forged()));
      assert.equal(res.status, 200, res.text);
    });

    it('refuses an expired token', async () => {
      const res = await me(signToken(forged({ iat: now() - 3600, exp: now() - 60 })));
      assertError(res, 401, /expired/i);
    });

    it('refuses a token signed with another key', async () => {
      assertError(await me(signToken(forged(), 'another-key-another-key-another-key-123')), 401);
    });

    it('refuses alg none, and any algorithm but HS256 even with the right key', async () => {
      for (const alg of ['none', 'None', 'NONE'])
        assertError(await me(signToken(forged(), JWT_SECRET, { alg, typ: 'JWT' })), 401);
      for (const alg of ['HS384', 'HS512'])
        assertError(await me(signToken(forged(), JWT_SECRET, { alg, typ: 'JWT' })), 401);
    });

    it('refuses a refresh token used as an access token', async () => {
      assertError(await me(pair.refresh_token), 401);
      assertError(await me(signToken(forged({ typ: 'refresh' }))), 401);
    });

    it('refuses an access token presented as a refresh token', async () => {
      assertError(await refresh(pair.access_token), 401);
    });

    it('refuses well-signed tokens with missing or bogus claims with 401, never 500', async () => {
      const cases: Partial<Record<keyof Claims, unknown>>[] = [
        { sub: randomUUID() },
        { sub: 'not-a-uuid' },
        { sub: undefined },
        { pv: undefined },
        { pv: 'one' },
        { pv: claims.pv + 1 },
        { jti: undefined },
        { fam: undefined },
        { typ: undefined },
        { exp: undefined },
      ];
      for (const over of cases) {
        const res = await me(signToken(forged(over)));
        assert.equal(res.status, 401, `${JSON.stringify(over)}: ${res.text}`);
      }
    });
  });

  describe('refresh rotation', () => {
    it('returns a new pair and kills the refresh token it was given', async () => {
      const first = (await login(creds.username, creds.password)).body;
      const second = await refresh(first.refresh_token);
      assert.equal(second.status, 200, second.text);
      assert.deepEqual(Object.keys(second.body).sort(), ['access_token', 'expires_in', 'refresh_token', 'token_type']);
      assert.notEqual(second.body.refresh_token, first.refresh_token);
      assert.equal(decode(second.body.refresh_token).fam, decode(first.refresh_token).fam, 'same family');
      assert.equal((await me(second.body.access_token)).status, 200);
      const third = await refresh(second.body.refresh_token);
      assert.equal(third.status, 200, 'the new refresh token works once');
    });

    it('treats reuse as theft: 401, and the pair minted by the first use dies too', async () => {
      const other = (await login(creds.username, creds.password)).body;
      const first = (await login(creds.username, creds.password)).body;
      const rotated = (await refresh(first.refresh_token)).body;
      assert.equal((await me(rotated.access_token)).status, 200);

      assertError(await refresh(first.refresh_token), 401);
      assertError(await refresh(rotated.refresh_token), 401);
      assertError(await me(rotated.access_token), 401);
      assertError(await me(first.access_token), 401);
      const famRow = await t.db.query('SELECT 1 FROM revoked_tokens WHERE jti = $1', [
        `fam:${decode(first.refresh_token).fam}`,
      ]);
      assert.equal(famRow.rowCount, 1);

      assert.equal((await me(other.access_token)).status, 200, 'another login is not affected');
      assert.equal((await refresh(other.refresh_token)).status, 200);
    });

    it('lets only one of two concurrent uses of one refresh token through', async () => {
      const pair = (await login(creds.username, creds.password)).body;
      const results = await Promise.all([refresh(pair.refresh_token), refresh(pair.refresh_token)]);
      assert.equal(results.filter((r) => r.status === 200).length, 1, results.map((r) => r.status).join(','));
      assert.equal(results.filter((r) => r.status === 401).length, 1);
    });

    it('refuses a refresh token with a bad signature, an expired one, and a non-JWT', async () => {
      const pair = (await login(creds.username, creds.password)).body;
      const c = decode(pair.refresh_token);
      assertError(
        await refresh(signToken({ ...c, jti: randomUUID() }, 'another-key-another-key-another-key-123')),
        401,
      );
      assertError(await refresh(signToken({ ...c, jti: randomUUID(), iat: now() - 100, exp: now() - 10 })), 401);
      assertError(await refresh(signToken({ ...c, jti: randomUUID() }, JWT_SECRET, { alg: 'none' })), 401);
      assertError(await refresh('garbage'), 400, /refresh_token/);
      assertError(await post('/auth/refresh', {}), 400, /refresh_token/);
      assert.equal((await refresh(pair.refresh_token)).status, 200, 'the genuine one still works');
    });
  });

  describe('logout', () => {
    it('needs a token', async () => {
      assertError(await post('/auth/logout'), 401);
    });

    it('revokes the access and the refresh token of that login, and only those', async () => {
      const other = (await login(creds.username, creds.password)).body;
      const pair = (await login(creds.username, creds.password)).body;
      const res = await post('/auth/logout', undefined, pair.access_token);
      assert.equal(res.status, 204, res.text);
      assert.equal(res.text, '');
      assertError(await me(pair.access_token), 401, /revoked/);
      assertError(await refresh(pair.refresh_token), 401);
      assertError(await post('/auth/logout', undefined, pair.access_token), 401);
      assert.equal((await me(other.access_token)).status, 200);
    });
  });

  describe('change-password', () => {
    const cp = (token: string, current_password: string, new_password: string) =>
      post('/auth/change-password', { current_password, new_password }, token);

    it('refuses a wrong current password, a bad new one and the same one with 400, changing nothing', async () => {
      const pair = (await login(creds.username, creds.password)).body;
      const before = await users();
      assertError(
        await cp(pair.access_token, wrongOf(creds.password), 'a-brand-new-password'),
        400,
        /current_password is wrong/,
      );
      assertError(await cp(pair.access_token, creds.password, 'x'.repeat(11)), 400, /new_password/);
      assertError(await cp(pair.access_token, creds.password, 'x'.repeat(129)), 400, /new_password/);
      assertError(await cp(pair.access_token, creds.password, creds.password), 400, /new_password/);
      assertError(
        await call('POST', '/auth/change-password', {
          current_password: creds.password,
          new_password: 'a-brand-new-password',
        }),
        401,
      );
      assert.deepEqual(await users(), before);
      assert.equal((await me(pair.access_token)).status, 200);
    });

    it('bumps password_version, kills every older token and returns a working pair', async () => {
      // The setup race may have left either length in force: change to the other one, then back.
      const first = creds.password === PW128 ? PW12 : PW128;
      const second = first === PW128 ? PW12 : PW128;
      const other = (await login(creds.username, creds.password)).body;
      const pair = (await login(creds.username, creds.password)).body;
      const [before] = await users();
      const res = await cp(pair.access_token, creds.password, first);
      assert.equal(res.status, 200, res.text);
      assert.deepEqual(Object.keys(res.body).sort(), ['access_token', 'expires_in', 'refresh_token', 'token_type']);
      const [after] = await users();
      assert.equal(after.password_version, before.password_version + 1);
      assert.notEqual(after.password_hash, before.password_hash);
      assert.match(after.password_hash, /^\$argon2id\$/);

      for (const old of [pair, other]) {
        assertError(await me(old.access_token), 401, /password change/);
        assertError(await refresh(old.refresh_token), 401);
      }
      assert.equal((await me(res.body.access_token)).status, 200);
      assert.equal((await refresh(res.body.refresh_token)).status, 200);

      assertError(await login(creds.username, creds.password), 401);
      const fresh = await login(creds.username, first);
      assert.equal(fresh.status, 200);
      creds = { ...creds, password: first };

      const again = await cp(fresh.body.access_token, first, second);
      assert.equal(again.status, 200, 'both 12 and 128 characters accepted');
      creds = { ...creds, password: second };
      assert.equal((await login(creds.username, second)).status, 200);
      assert.equal((await users())[0].password_version, before.password_version + 2);
    });
  });

  it('never shows the password hash in any response', async () => {
    const [row] = await users();
    assert.ok(seen.length > 50);
    for (const text of seen) {
      assert.ok(!text.includes(row.password_hash), 'no hash');
      assert.ok(!text.includes('$argon2'), 'no argon2 string');
      assert.doesNotMatch(text, /password_hash|passwordHash/);
    }
  });
});

describe('login rate limit', () => {
  let t: TestApp;
  const creds = { username: 'limited', password: 'limited-password' };

  before(async () => {
    t = await startApp({ RATE_LIMIT_LOGIN_PER_MINUTE: '5' });
    const setup = await t.post('/auth/setup', creds);
    assert.equal(setup.status, 201);
  });
  after(() => t.close());

  it('answers the 6th attempt in a minute with 429 and Retry-After, even with the right password', async () => {
    for (let i = 0; i < 5; i++)
      assert.equal(
        (await t.post('/auth/login', { ...creds, password: 'wrong-password-x' })).status,
        401,
        `attempt ${i + 1}`,
      );
    const before = await t.db.query('SELECT last_login_at FROM admin_users');
    const res = await t.post('/auth/login', creds);
    assert.equal(res.status, 429, res.text);
    assert.equal(res.body.statusCode, 429);
    assert.equal(res.body.error, 'Too Many Requests');
    assert.equal(res.body.access_token, undefined);
    const retryAfter = Number(res.headers.get('retry-after'));
    assert.ok(
      Number.isInteger(retryAfter) && retryAfter >= 1 && retryAfter <= 60,
      `Retry-After ${res.headers.get('retry-after')}`,
    );
    assert.deepEqual((await t.db.query('SELECT last_login_at FROM admin_users')).rows, before.rows);
  });

  it('is not bypassed by a forged X-Forwarded-For', async () => {
    const res = await t.post('/auth/login', creds, { headers: { 'x-forwarded-for': '203.0.113.7' } });
    assert.equal(res.status, 429);
  });

  it('limits only login: other routes still answer', async () => {
    assert.equal((await t.get('/auth/status')).status, 200);
    assert.equal((await t.get('/health')).status, 200);
  });
});

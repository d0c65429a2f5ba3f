import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { HealthService } from '../../src/health/health.service';
import { ADMIN, setupAdmin, startApp, type ApiResponse, type TestApp } from '../support/app';

const ALLOWED_ORIGIN = 'https://admin.example.test';
const ENCRYPTION_KEY = 'ab'.repeat(32);
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** The NestJS error shape (docs/architecture.md#errors), and nothing that looks like a stack trace. */
function assertErrorShape(res: ApiResponse, status: number, error: string): void {
  assert.equal(res.status, status, res.text);
  assert.match(res.headers.get('content-type') ?? '', /application\/json/);
  assert.equal(res.body.statusCode, status);
  assert.equal(res.body.error, error);
  assert.ok(res.body.message, 'a message');
  assert.equal(res.body.stack, undefined);
  assert.doesNotMatch(res.text, /\bat .+\.(js|ts):\d+/, 'no stack frames');
  assert.doesNotMatch(res.text, /node_modules|dist\/src/);
}

describe('foundation', () => {
  let t: TestApp;
  let token: string;
  let databaseUrl: string;

  before(async () => {
    t = await startApp({
      CORS_ORIGINS: `${ALLOWED_ORIGIN}, https://other-admin.example.test`,
      MCPBOX_ENCRYPTION_KEY: ENCRYPTION_KEY,
    });
    databaseUrl = process.env.DATABASE_URL ?? '';
    token = await setupAdmin(t);
  });
  after(() => t.close());

  const adminRow = async () =>
    (await t.db.query('SELECT password_hash, password_version, last_login_at, updated_at FROM admin_users')).rows;

  describe('health', () => {
    it('answers /health with 200 {status: ok} and a request id, without a token', async () => {
      const res = await t.get('/health');
      assert.equal(res.status, 200);
      assert.deepEqual(res.body, { status: 'ok' });
      assert.match(res.headers.get('x-request-id') ?? '', UUID);
    });

    it('reports the database with its latency on /health/detail, and no secret or connection string', async () => {
      const res = await t.get('/health/detail');
      assert.equal(res.status, 200, res.text);
      assert.equal(res.body.status, 'ok');
      assert.equal(res.body.version, pkgVersion());
      assert.equal(res.body.mode, 'local');
      assert.equal(typeof res.body.uptime_s, 'number');
      const database = res.body.services.find((s: { name: string }) => s.name === 'database');
      assert.ok(database, 'a database entry');
      assert.equal(database.status, 'ok');
      assert.equal(typeof database.latency_ms, 'number');
      assert.ok(database.latency_ms >= 0 && database.latency_ms < 5000);
      assert.equal(database.error, undefined);
      assertNoSecrets(res.text);
    });

    it('lists every service on /health/services', async () => {
      const res = await t.get('/health/services');
      assert.equal(res.status, 200, res.text);
      assert.ok(Array.isArray(res.body.items));
      const database = res.body.items.find((s: { name: string }) => s.name === 'database');
      assert.equal(database?.status, 'ok');
      assert.equal(typeof database.latency_ms, 'number');
      for (const s of res.body.items) assert.match(s.status, /^(ok|degraded|down)$/);
      assertNoSecrets(res.text);
    });
  });

  function assertNoSecrets(text: string): void {
    assert.ok(databaseUrl.length > 0);
    assert.ok(!text.includes(databaseUrl), 'no DATABASE_URL');
    assert.doesNotMatch(text, /postgres(ql)?:\/\//i);
    assert.ok(!text.toLowerCase().includes(ENCRYPTION_KEY), 'no encryption key');
    assert.doesNotMatch(text, /password/i);
  }

  // Last in the health group on purpose: it replaces checks of this app's HealthService.
  describe('health of a failing service', () => {
    it('reports a failing service as down with a scrubbed error, and the whole as degraded', async () => {
      t.app.get(HealthService).register('fake_store', async () => {
        throw new Error('connect ECONNREFUSED postgres://mcpbox:hunter2@db.internal:5432/mcpbox');
      });
      const res = await t.get('/health/detail');
      assert.equal(res.status, 200, res.text);
      assert.equal(res.body.status, 'degraded');
      const store = res.body.services.find((s: { name: string }) => s.name === 'fake_store');
      assert.equal(store.status, 'down');
      assert.equal(typeof store.latency_ms, 'number');
      assert.match(store.error, /ECONNREFUSED/);
      assert.doesNotMatch(res.text, /hunter2|mcpbox:|db\.internal/);
      assert.equal((await t.get('/health')).status, 200);
    });

    it('answers 503 with status down when the database check fails', async () => {
      t.app.get(HealthService).register('database', async () => {
        throw new Error('password authentication failed at postgresql://admin:s3cret@10.0.0.5/x');
      });
      const res = await t.get('/health/detail');
      assert.equal(res.status, 503, res.text);
      assert.equal(res.body.status, 'down');
      assert.doesNotMatch(res.text, /s3cret|10\.0\.0\.5/);
      const services = await t.get('/health/services');
      assert.equal(services.status, 200);
      assert.equal(services.body.items.find((s: { name: string }) => s.name === 'database').status, 'down');
    });
  });

  describe('/api/config', () => {
    it('needs a token', async () => {
      const res = await t.get('/api/config');
      assertErrorShape(res, 401, 'Unauthorized');
      assert.equal(res.body.version, undefined);
    });

    it('returns version, mode, MCP URL, sandbox limits and the policy in force', async () => {
      const res = await t.get('/api/config', { token });
      assert.equal(res.status, 200, res.text);
      assert.equal(res.body.version, pkgVersion());
      assert.equal(res.body.mode, 'local');
      assert.match(res.body.mcp_url, /^https?:\/\/.+\/mcp$/);
      assert.equal(res.body.max_body_bytes, 1024 * 1024);
      const s = res.body.sandbox;
      assert.equal(s.memory_mb, 128);
      assert.equal(s.max_result_size, 1024 * 1024);
      assert.equal(s.workers, 1);
      for (const k of ['max_concurrency', 'queue_size', 'max_timeout_ms', 'max_code_bytes', 'max_stdout_bytes'])
        assert.ok(Number.isInteger(s[k]) && s[k] > 0, k);
      assert.deepEqual(res.body.policy, {
        tool_approval_mode: 'require_approval',
        network_access_policy: 'require_approval',
        module_approval_mode: 'require_approval',
        remote_tool_editing: 'disabled',
        redact_secrets_in_output: 'enabled',
        log_retention_days: 30,
        mcp_rate_limit_rpm: 300,
      });
      assertNoSecrets(res.text);
    });
  });

  describe('headers', () => {
    it('sets the helmet security headers on every response, errors included', async () => {
      for (const res of [await t.get('/health'), await t.get('/api/config'), await t.get('/no-such-route')]) {
        assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
        assert.equal(res.headers.get('x-frame-options'), 'SAMEORIGIN');
        assert.match(res.headers.get('content-security-policy') ?? '', /default-src 'self'/);
        assert.match(res.headers.get('strict-transport-security') ?? '', /max-age=\d+/);
        assert.equal(res.headers.get('x-powered-by'), null);
      }
    });

    it('gives each request its own id, reuses a sane caller id and replaces an unsafe one', async () => {
      const a = (await t.get('/health')).headers.get('x-request-id');
      const b = (await t.get('/health')).headers.get('x-request-id');
      assert.notEqual(a, b);
      const given = await t.get('/health', { headers: { 'x-request-id': 'trace-42.abc:def' } });
      assert.equal(given.headers.get('x-request-id'), 'trace-42.abc:def');
      const onError = await t.get('/api/config', { headers: { 'x-request-id': 'err-trace-1' } });
      assert.equal(onError.status, 401);
      assert.equal(onError.headers.get('x-request-id'), 'err-trace-1');
      for (const unsafe of ['x'.repeat(65), 'has space', '<script>', 'a/b']) {
        const res = await t.get('/health', { headers: { 'x-request-id': unsafe } });
        assert.match(res.headers.get('x-request-id') ?? '', UUID, unsafe);
      }
    });

    it('answers CORS only for the configured origins', async () => {
      const allowed = await t.get('/health', { headers: { origin: ALLOWED_ORIGIN } });
      assert.equal(allowed.headers.get('access-control-allow-origin'), ALLOWED_ORIGIN);
      const other = await t.get('/health', { headers: { origin: 'https://evil.example.test' } });
      assert.equal(other.status, 200);
      assert.equal(other.headers.get('access-control-allow-origin'), null);

      const preflight = await t.request('OPTIONS', '/api/config', undefined, {
        headers: {
          origin: ALLOWED_ORIGIN,
          'access-control-request-method': 'GET',
          'access-control-request-headers': 'authorization',
        },
      });
      assert.ok(preflight.status === 204 || preflight.status === 200, `preflight ${preflight.status}`);
      assert.equal(preflight.headers.get('access-control-allow-origin'), ALLOWED_ORIGIN);
      const badPreflight = await t.request('OPTIONS', '/api/config', undefined, {
        headers: { origin: 'https://evil.example.test', 'access-control-request-method': 'GET' },
      });
      assert.equal(badPreflight.headers.get('access-control-allow-origin'), null);
    });

    it('lets an allowed origin use every method of the API and /mcp, and read the headers a client needs', async () => {
      const exposed = (h: Headers) => (h.get('access-control-expose-headers') ?? '').toLowerCase().split(/\s*,\s*/);
      for (const [method, path] of [
        ['PATCH', '/api/settings/security-policy'],
        ['PUT', '/api/servers/x/secrets/KEY'],
        ['DELETE', '/api/servers/x'],
        ['DELETE', '/mcp'],
        ['POST', '/mcp'],
      ]) {
        const preflight = await t.request('OPTIONS', path, undefined, {
          headers: {
            origin: ALLOWED_ORIGIN,
            'access-control-request-method': method,
            'access-control-request-headers': 'content-type,authorization,mcp-session-id,mcp-protocol-version',
          },
        });
        assert.ok([200, 204].includes(preflight.status), `${method} ${path}: ${preflight.status}`);
        assert.equal(preflight.headers.get('access-control-allow-origin'), ALLOWED_ORIGIN);
        assert.ok(
          (preflight.headers.get('access-control-allow-methods') ?? '').split(/\s*,\s*/).includes(method),
          `${method} ${path}: ${preflight.headers.get('access-control-allow-methods')}`,
        );
      }
      // A 2025 MCP session from a browser: it must read Mcp-Session-Id to send it back.
      const init = await fetch(`${t.url}/mcp`, {
        method: 'POST',
        headers: {
          origin: ALLOWED_ORIGIN,
          'content-type': 'application/json',
          accept: 'application/json, text/event-stream',
        },
        body: JSON.stringify({
          jsonrpc: '2.0',
          id: 1,
          method: 'initialize',
          params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'browser', version: '1' } },
        }),
      });
      await init.text();
      assert.equal(init.status, 200);
      assert.equal(init.headers.get('access-control-allow-origin'), ALLOWED_ORIGIN);
      for (const name of ['mcp-session-id', 'retry-after', 'x-request-id'])
        assert.ok(
          exposed(init.headers).includes(name),
          `${name} in ${init.headers.get('access-control-expose-headers')}`,
        );
      const api = await t.get('/api/config', { headers: { origin: ALLOWED_ORIGIN } });
      assert.ok(exposed(api.headers).includes('x-request-id'));
      // Another origin gets no Access-Control-Allow-Origin, so its browser reads nothing at all.
      const other = await t.request('OPTIONS', '/mcp', undefined, {
        headers: { origin: 'https://evil.example.test', 'access-control-request-method': 'DELETE' },
      });
      assert.equal(other.headers.get('access-control-allow-origin'), null);
    });
  });

  describe('bad input', () => {
    it('answers malformed JSON with 400 in the error shape, no stack, nothing changed', async () => {
      const before = await adminRow();
      for (const raw of ['{"username": "admin", "password":', '{username: admin}', 'not json', '{"a":1}}']) {
        const res = await t.request('POST', '/auth/login', undefined, { raw });
        assertErrorShape(res, 400, 'Bad Request');
        assert.doesNotMatch(res.text, /SyntaxError|Unexpected token/);
      }
      assert.deepEqual(await adminRow(), before);
    });

    it('refuses a body over 1 MiB with 413, on open and protected routes', async () => {
      const big = JSON.stringify({ username: 'admin', password: 'x'.repeat(1024 * 1024) });
      const open = await t.request('POST', '/auth/login', undefined, { raw: big });
      assertErrorShape(open, 413, 'Payload Too Large');
      const guarded = await t.request('PATCH', '/api/settings/security-policy', undefined, { raw: big, token });
      assertErrorShape(guarded, 413, 'Payload Too Large');
      // Just under the limit is parsed (and then refused by validation, not by size).
      const under = JSON.stringify({ username: 'admin', password: 'x'.repeat(1024 * 1024 - 100) });
      assert.ok(Buffer.byteLength(under) < 1024 * 1024);
      const ok = await t.request('POST', '/auth/login', undefined, { raw: under });
      assertErrorShape(ok, 400, 'Bad Request');
    });

    it('refuses unknown fields with 400 naming each one, and logs nobody in', async () => {
      const before = await adminRow();
      const res = await t.post('/auth/login', { ...ADMIN, is_admin: true, role: 'root' });
      assertErrorShape(res, 400, 'Bad Request');
      const text = JSON.stringify(res.body.message);
      assert.match(text, /is_admin/);
      assert.match(text, /role/);
      assert.equal(res.body.access_token, undefined);
      assert.deepEqual(await adminRow(), before);
    });

    it('refuses wrong types with 400 naming each field', async () => {
      const res = await t.post('/auth/login', { username: 123, password: ['a'] });
      assertErrorShape(res, 400, 'Bad Request');
      const text = JSON.stringify(res.body.message);
      assert.match(text, /username/);
      assert.match(text, /password/);
      for (const body of ['"just a string"', '[1,2]', 'null', '42']) {
        const r = await t.request('POST', '/auth/login', undefined, { raw: body });
        assert.equal(r.status, 400, `${body}: ${r.text}`);
        assert.equal(r.body.statusCode, 400);
      }
    });

    it('refuses a non-JSON content type with 415 (no form or text bodies), and logs nobody in', async () => {
      const before = await adminRow();
      const form = `username=${ADMIN.username}&password=${encodeURIComponent(ADMIN.password)}`;
      for (const type of ['application/x-www-form-urlencoded', 'text/plain', 'multipart/form-data; boundary=x']) {
        const res = await t.request('POST', '/auth/login', undefined, { raw: form, headers: { 'content-type': type } });
        assertErrorShape(res, 415, 'Unsupported Media Type');
        assert.equal(res.body.access_token, undefined);
      }
      assert.deepEqual(await adminRow(), before);
      const json = await t.request('POST', '/auth/login', undefined, {
        raw: JSON.stringify(ADMIN),
        headers: { 'content-type': 'application/json; charset=utf-8' },
      });
      assert.equal(json.status, 200, json.text);
    });

    it('takes an empty body with a JSON content type as no body: 400 from validation where a body is needed, never a parse error', async () => {
      const res = await t.request('POST', '/auth/login', undefined, { raw: '' });
      assertErrorShape(res, 400, 'Bad Request');
      assert.doesNotMatch(res.text, /Body cannot be empty/);
      // A route that takes no body works with the header alone (what many HTTP clients send).
      const logout = await t.request('POST', '/auth/logout', undefined, { raw: '', token: await setupAdmin(t) });
      assert.equal(logout.status, 204, logout.text);
    });

    it('refuses prototype-poisoning keys with 400', async () => {
      const res = await t.request('POST', '/auth/login', undefined, {
        raw: '{"username":"admin","password":"correct horse battery","__proto__":{"x":1}}',
      });
      assertErrorShape(res, 400, 'Bad Request');
      assert.equal(res.body.access_token, undefined);
    });

    it('answers an unknown route with a 404 in the error shape', async () => {
      for (const path of ['/no-such-route', '/api/no-such-thing', '/auth/nope']) {
        const res = await t.get(path);
        assertErrorShape(res, 404, 'Not Found');
      }
      const res = await t.request('DELETE', '/health');
      assertErrorShape(res, 404, 'Not Found');
    });
  });
});

function pkgVersion(): string {
  return (JSON.parse(readFileSync(join(__dirname, '..', '..', '..', 'package.json'), 'utf8')) as { version: string })
    .version;
}

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { DomainError } from '../../src/common/errors';
import { SandboxService } from '../../src/sandbox/sandbox.service';
import { setupAdmin, startApp, type TestApp } from '../support/app';
import {
  allowHost,
  approveTool,
  createServerVia,
  createToolVia,
  setSecret,
  startWeatherPeer,
  waitForRows,
  weatherCode,
  type WeatherPeer,
} from './sandbox-fixtures';

const WEATHER_KEY = 'wk-lifecycle-0a1b2c3d4e';
const UNKNOWN = '6f1c2a52-8d0e-4b7b-9a55-3c1f8e2d4b6a';
const ROUTES = ['start', 'stop', 'restart', 'status', 'logs'] as const;
const methodOf = (r: (typeof ROUTES)[number]) => (r === 'status' || r === 'logs' ? 'GET' : 'POST');

const rejectsWith = async (p: Promise<unknown>, kind: string, message: RegExp) => {
  await assert.rejects(p, (err: unknown) => {
    assert.ok(err instanceof DomainError, `a domain error, got ${String(err)}`);
    assert.equal(err.kind, kind);
    assert.match(err.message, message);
    return true;
  });
};

/** One weather server with its secret, allowance and approved tool, plus tools that must not load. */
async function weatherServer(t: TestApp, token: string, peer: WeatherPeer, name = 'weather') {
  const serverId = await createServerVia(t, token, name);
  await setSecret(t, token, serverId, 'WEATHER_KEY', WEATHER_KEY);
  await allowHost(t, token, serverId, '127.0.0.1', peer.port);
  const weather = await createToolVia(t, token, serverId, { name: 'current_weather', code: weatherCode(peer.port) });
  await approveTool(t, token, weather.id);
  const disabled = await createToolVia(t, token, serverId, {
    name: 'disabled_tool',
    code: 'export async function main() { return 1 }',
    enabled: false,
  });
  await approveTool(t, token, disabled.id);
  await createToolVia(t, token, serverId, { name: 'draft_tool', code: 'export async function main() { return 2 }' });
  return { serverId, weatherId: weather.id };
}

describe('sandbox lifecycle: /api/sandbox/servers/{id}/*', () => {
  let t: TestApp;
  let token: string;
  let peer: WeatherPeer;
  let sandbox: SandboxService;
  let serverId: string;
  let weatherId: string;

  before(async () => {
    t = await startApp({ MCPBOX_TEST_ALLOW_LOOPBACK: 'true' });
    token = await setupAdmin(t);
    peer = await startWeatherPeer(WEATHER_KEY);
    ({ serverId, weatherId } = await weatherServer(t, token, peer));
    sandbox = t.app.get(SandboxService);
  });
  after(async () => {
    await t?.close();
    await peer?.close();
  });

  const dbStatus = async (id = serverId) =>
    (await t.db.query('SELECT status FROM servers WHERE id = $1', [id])).rows[0]?.status;

  it('a new server is not running, has nothing loaded and cannot be called', async () => {
    const res = await t.get(`/api/sandbox/servers/${serverId}/status`, { token });
    assert.equal(res.status, 200, res.text);
    assert.deepEqual(res.body, {
      server_id: serverId,
      name: 'weather',
      status: 'ready',
      tools_loaded: 0,
      tools: [],
      started_at: null,
      executions: 0,
      errors: 0,
      memory_bytes: 0,
    });
    await rejectsWith(
      sandbox.executeTool(serverId, 'current_weather', { city: 'x' }, { isTest: false, executedBy: 'u' }),
      'unavailable',
      /not running/,
    );
  });

  it('start loads only the approved + enabled code tools and sets the server running', async () => {
    const res = await t.post(`/api/sandbox/servers/${serverId}/start`, undefined, { token });
    assert.equal(res.status, 200, res.text);
    assert.equal(res.body.status, 'running');
    assert.equal(res.body.tools_loaded, 1);
    assert.deepEqual(res.body.tools, ['current_weather']);
    assert.ok(!Number.isNaN(Date.parse(res.body.started_at)));
    assert.equal(await dbStatus(), 'running');
    const activity = await t.db.query(
      "SELECT message FROM activity_logs WHERE server_id = $1 AND log_type = 'system'",
      [serverId],
    );
    assert.ok(
      activity.rows.some((r) => /started by admin/.test(r.message)),
      'the start is in the activity trail',
    );
  });

  it('executeTool runs the weather tool with the secret header; the echoed secret is [REDACTED]; the call is logged', async () => {
    const calls = peer.requests.length;
    const outcome = await sandbox.executeTool(
      serverId,
      'current_weather',
      { city: 'Lisbon' },
      { isTest: false, executedBy: 'user@example.test' },
    );
    assert.equal(outcome.success, true, outcome.error);
    assert.equal(outcome.isError, false);
    assert.equal(peer.requests.length, calls + 1);
    assert.equal(peer.requests.at(-1)?.headers['x-api-key'], WEATHER_KEY);
    assert.deepEqual(outcome.value, { city: 'Lisbon', temp_c: 21.5, conditions: 'sunny', key_seen: '[REDACTED]' });
    assert.match(outcome.stdout, /sent key \[REDACTED\]/);
    assert.ok(!JSON.stringify(outcome).includes(WEATHER_KEY));

    const rows = await waitForRows(t, 1, 'tool_id = $1 AND NOT is_test', [weatherId]);
    assert.equal(rows.length, 1);
    assert.equal(rows[0].success, true);
    assert.equal(rows[0].executed_by, 'user@example.test');
    assert.deepEqual(rows[0].input_args, { city: 'Lisbon' });
    assert.ok(!JSON.stringify(rows).includes(WEATHER_KEY), 'the secret never reaches tool_execution_logs');
  });

  it('status counts the calls and reports memory', async () => {
    const res = await t.get(`/api/sandbox/servers/${serverId}/status`, { token });
    assert.equal(res.body.executions, 1);
    assert.equal(res.body.errors, 0);
    assert.equal(typeof res.body.memory_bytes, 'number');
    assert.ok(res.body.memory_bytes >= 0);
  });

  it('a tool that is not loaded (disabled, draft, unknown) is a domain error naming it; bad arguments are invalid', async () => {
    await rejectsWith(
      sandbox.executeTool(serverId, 'disabled_tool', {}, { isTest: false, executedBy: null }),
      'not_found',
      /disabled_tool.*weather/,
    );
    await rejectsWith(
      sandbox.executeTool(serverId, 'draft_tool', {}, { isTest: false, executedBy: null }),
      'not_found',
      /draft_tool/,
    );
    await rejectsWith(
      sandbox.executeTool(serverId, 'nope', {}, { isTest: false, executedBy: null }),
      'not_found',
      /'nope'/,
    );
    await rejectsWith(
      sandbox.executeTool(serverId, 'current_weather', ['x'], { isTest: false, executedBy: null }),
      'invalid',
      /arguments/,
    );
    await rejectsWith(
      sandbox.executeTool(UNKNOWN, 'current_weather', {}, { isTest: false, executedBy: null }),
      'unavailable',
      /not running/,
    );
  });

  it('a failing call counts as an error', async () => {
    peer.expectedKey = 'rotated-upstream';
    try {
      const outcome = await sandbox.executeTool(
        serverId,
        'current_weather',
        { city: 'Porto' },
        { isTest: false, executedBy: null },
      );
      assert.equal(outcome.success, false);
      assert.equal(outcome.isError, true);
      assert.match(outcome.error ?? '', /upstream said 401/);
    } finally {
      peer.expectedKey = WEATHER_KEY;
    }
    const res = await t.get(`/api/sandbox/servers/${serverId}/status`, { token });
    assert.equal(res.body.executions, 2);
    assert.equal(res.body.errors, 1);
    await waitForRows(t, 2, 'tool_id = $1 AND NOT is_test', [weatherId]);
  });

  it('starting a running server again is idempotent: still running, same run, counters kept', async () => {
    const before = await t.get(`/api/sandbox/servers/${serverId}/status`, { token });
    const res = await t.post(`/api/sandbox/servers/${serverId}/start`, undefined, { token });
    assert.equal(res.status, 200);
    assert.equal(res.body.status, 'running');
    assert.equal(res.body.started_at, before.body.started_at);
    assert.equal(res.body.executions, before.body.executions);
    assert.equal(res.body.tools_loaded, 1);
  });

  it('logs lists executions and lifecycle entries, newest first, paginated', async () => {
    const all = await t.get(`/api/sandbox/servers/${serverId}/logs?page_size=100`, { token });
    assert.equal(all.status, 200, all.text);
    const kinds = new Set(all.body.items.map((i: { kind: string }) => i.kind));
    assert.deepEqual([...kinds].sort(), ['execution', 'lifecycle']);
    assert.equal(all.body.total, all.body.items.length);
    const times = all.body.items.map((i: { created_at: string }) => Date.parse(i.created_at));
    assert.deepEqual(
      times,
      [...times].sort((a, b) => b - a),
      'newest first',
    );
    const execution = all.body.items.find((i: { kind: string }) => i.kind === 'execution');
    assert.equal(execution.tool_name, 'current_weather');
    assert.ok(!all.text.includes(WEATHER_KEY));

    const page = await t.get(`/api/sandbox/servers/${serverId}/logs?page=2&page_size=1`, { token });
    assert.equal(page.status, 200);
    assert.equal(page.body.items.length, 1);
    assert.equal(page.body.page, 2);
    assert.equal(page.body.page_size, 1);
    assert.equal(page.body.pages, all.body.total);
    assert.equal(page.body.items[0].id, all.body.items[1].id);

    const bad = await t.get(`/api/sandbox/servers/${serverId}/logs?page_size=101`, { token });
    assert.equal(bad.status, 400);
  });

  it('stop unloads the server; stopping again changes nothing', async () => {
    const res = await t.post(`/api/sandbox/servers/${serverId}/stop`, undefined, { token });
    assert.equal(res.status, 200, res.text);
    assert.equal(res.body.status, 'stopped');
    assert.equal(res.body.tools_loaded, 0);
    assert.equal(res.body.started_at, null);
    assert.equal(await dbStatus(), 'stopped');
    await rejectsWith(
      sandbox.executeTool(serverId, 'current_weather', { city: 'x' }, { isTest: false, executedBy: null }),
      'unavailable',
      /not running/,
    );

    const entries = async () =>
      Number((await t.db.query('SELECT count(*) AS n FROM activity_logs WHERE server_id = $1', [serverId])).rows[0].n);
    const count = await entries();
    const again = await t.post(`/api/sandbox/servers/${serverId}/stop`, undefined, { token });
    assert.equal(again.status, 200);
    assert.equal(again.body.status, 'stopped');
    assert.equal(await entries(), count, 'a no-op stop writes nothing');
  });

  it('restart brings a stopped server back with a new run', async () => {
    const res = await t.post(`/api/sandbox/servers/${serverId}/restart`, undefined, { token });
    assert.equal(res.status, 200, res.text);
    assert.equal(res.body.status, 'running');
    assert.equal(res.body.tools_loaded, 1);
    assert.equal(res.body.executions, 0);
    const outcome = await sandbox.executeTool(
      serverId,
      'current_weather',
      { city: 'Faro' },
      { isTest: false, executedBy: null },
    );
    assert.equal(outcome.success, true, outcome.error);
  });

  it('reports the sandbox pool in /health/services', async () => {
    const res = await t.get('/health/services');
    const item = res.body.items.find((s: { name: string }) => s.name === 'sandbox');
    assert.ok(item, res.text);
    assert.equal(item.status, 'ok');
    assert.ok(item.details.workers >= 1);
    assert.equal(typeof item.details.in_flight, 'number');
    assert.equal(typeof item.details.queued, 'number');
  });

  describe('bad input', () => {
    for (const route of ROUTES) {
      it(`${route}: an unknown server → 404, a non-UUID → 400, no token → 401, nothing written`, async () => {
        const before = Number(await t.db.query('SELECT count(*) AS n FROM activity_logs').then((r) => r.rows[0].n));
        const unknown = await t.request(methodOf(route), `/api/sandbox/servers/${UNKNOWN}/${route}`, undefined, {
          token,
        });
        assert.equal(unknown.status, 404, unknown.text);
        assert.match(unknown.body.message, /not found/);
        const notUuid = await t.request(methodOf(route), `/api/sandbox/servers/not-a-uuid/${route}`, undefined, {
          token,
        });
        assert.equal(notUuid.status, 400, notUuid.text);
        const anonymous = await t.request(methodOf(route), `/api/sandbox/servers/${serverId}/${route}`);
        assert.equal(anonymous.status, 401);
        const after = Number(await t.db.query('SELECT count(*) AS n FROM activity_logs').then((r) => r.rows[0].n));
        assert.equal(after, before);
      });
    }
  });

  it('documents every lifecycle route in /docs-json', async () => {
    const doc = await t.get('/docs-json');
    for (const route of ROUTES) {
      const op = doc.body.paths[`/api/sandbox/servers/{id}/${route}`]?.[methodOf(route).toLowerCase()];
      assert.ok(op, `${route} documented`);
      for (const code of ['200', '400', '401', '404']) assert.ok(op.responses[code], `${route} ${code}`);
    }
  });
});

describe('sandbox lifecycle: a running server comes back after a process restart', () => {
  const env = { MCPBOX_TEST_ALLOW_LOOPBACK: 'true', MCPBOX_ENCRYPTION_KEY: randomBytes(32).toString('hex') };
  let peer: WeatherPeer;
  let first: TestApp | undefined;
  let second: TestApp | undefined;

  before(async () => {
    peer = await startWeatherPeer(WEATHER_KEY);
  });
  after(async () => {
    await first?.close().catch(() => undefined);
    await second?.close();
    await peer.close();
  });

  it('resumes with its tools loaded and its secrets readable, on the same database', async () => {
    first = await startApp(env, { keepDatabase: true });
    const token = await setupAdmin(first);
    const { serverId } = await weatherServer(first, token, peer, 'resumable');
    const stoppedId = await createServerVia(first, token, 'stays_stopped');
    const started = await first.post(`/api/sandbox/servers/${serverId}/start`, undefined, { token });
    assert.equal(started.body.status, 'running');
    const databaseUrl = first.databaseUrl;
    await first.close();
    first = undefined;

    second = await startApp(env, { databaseUrl });
    const token2 = await setupAdmin(second);
    const status = await second.get(`/api/sandbox/servers/${serverId}/status`, { token: token2 });
    assert.equal(status.status, 200, status.text);
    assert.equal(status.body.status, 'running');
    assert.deepEqual(status.body.tools, ['current_weather']);
    assert.ok(status.body.started_at);
    const other = await second.get(`/api/sandbox/servers/${stoppedId}/status`, { token: token2 });
    assert.equal(other.body.status, 'ready');
    assert.equal(other.body.tools_loaded, 0);

    const outcome = await second.app
      .get(SandboxService)
      .executeTool(serverId, 'current_weather', { city: 'Coimbra' }, { isTest: false, executedBy: null });
    assert.equal(outcome.success, true, outcome.error);
    assert.equal(peer.requests.at(-1)?.headers['x-api-key'], WEATHER_KEY);
    const resumed = await second.db.query(
      "SELECT message FROM activity_logs WHERE server_id = $1 AND message LIKE '%resumed after a restart%'",
      [serverId],
    );
    assert.equal(resumed.rows.length, 1);
  });
});

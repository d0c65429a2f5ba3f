import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setupAdmin, startApp, type TestApp } from '../support/app';
import {
  allowHost,
  approveTool,
  createServerVia,
  createToolVia,
  executionRows,
  setPolicy,
  setSecret,
  startWeatherPeer,
  weatherCode,
  type WeatherPeer,
} from './sandbox-fixtures';

const WEATHER_KEY = 'wk-test-9f8e7d6c5b4a';

describe('POST /api/tools/test-code', () => {
  let t: TestApp;
  let token: string;
  let peer: WeatherPeer;
  let serverId: string;
  let weatherId: string;

  const countRows = async () => (await executionRows(t)).length;

  before(async () => {
    t = await startApp({ MCPBOX_TEST_ALLOW_LOOPBACK: 'true' });
    token = await setupAdmin(t);
    peer = await startWeatherPeer(WEATHER_KEY);
    serverId = await createServerVia(t, token, 'weather');
    await setSecret(t, token, serverId, 'WEATHER_KEY', WEATHER_KEY);
    await allowHost(t, token, serverId, '127.0.0.1', peer.port);
    weatherId = (await createToolVia(t, token, serverId, { name: 'current_weather', code: weatherCode(peer.port) })).id;
    await approveTool(t, token, weatherId);
  });
  after(async () => {
    await t?.close();
    await peer?.close();
  });

  it('runs the saved weather tool once: the peer gets the secret header, the echoed secret comes back [REDACTED]', async () => {
    const before = peer.requests.length;
    const res = await t.post('/api/tools/test-code', { tool_id: weatherId, arguments: { city: 'Lisbon' } }, { token });
    assert.equal(res.status, 200, res.text);
    assert.equal(res.body.success, true, res.text);
    assert.equal(res.body.error, null);
    assert.equal(peer.requests.length, before + 1, 'exactly one upstream call');
    assert.equal(peer.requests.at(-1)?.headers['x-api-key'], WEATHER_KEY, 'the peer saw the secret header');
    assert.deepEqual(res.body.result, { city: 'Lisbon', temp_c: 21.5, conditions: 'sunny', key_seen: '[REDACTED]' });
    assert.match(res.body.stdout, /sent key \[REDACTED\]/);
    assert.equal(typeof res.body.duration_ms, 'number');
    assert.ok(!res.text.includes(WEATHER_KEY), 'the secret appears nowhere in the response');
  });

  it('writes one is_test row per run with the admin, and no secret in any column (arguments included)', async () => {
    const res = await t.post(
      '/api/tools/test-code',
      { tool_id: weatherId, arguments: { city: 'Porto', note: `key ${WEATHER_KEY}` } },
      { token },
    );
    assert.equal(res.status, 200, res.text);
    const rows = await executionRows(t, 'tool_id = $1', [weatherId]);
    const last = rows.at(-1);
    assert.ok(last);
    assert.equal(last.is_test, true);
    assert.equal(last.success, true);
    assert.equal(last.executed_by, 'admin');
    assert.equal(last.server_id, serverId);
    assert.equal(last.tool_name, 'current_weather');
    assert.deepEqual(last.input_args, { city: 'Porto', note: 'key [REDACTED]' });
    assert.match(last.result ?? '', /"key_seen":"\[REDACTED\]"/);
    assert.match(last.stdout ?? '', /sent key \[REDACTED\]/);
    const everything = JSON.stringify(await executionRows(t));
    assert.ok(!everything.includes(WEATHER_KEY), 'no execution row holds the secret');
  });

  it('returns the raw secret only while redact_secrets_in_output is disabled; the log never holds it', async () => {
    await setPolicy(t, token, { redact_secrets_in_output: 'disabled' });
    try {
      const res = await t.post('/api/tools/test-code', { tool_id: weatherId, arguments: { city: 'Faro' } }, { token });
      assert.equal(res.status, 200, res.text);
      assert.equal(res.body.result.key_seen, WEATHER_KEY);
      assert.match(res.body.stdout, new RegExp(`sent key ${WEATHER_KEY}`));
      assert.ok(!JSON.stringify(await executionRows(t)).includes(WEATHER_KEY));
    } finally {
      await setPolicy(t, token, { redact_secrets_in_output: 'enabled' });
    }
    const again = await t.post('/api/tools/test-code', { tool_id: weatherId, arguments: { city: 'Faro' } }, { token });
    assert.equal(again.body.result.key_seen, '[REDACTED]');
  });

  it('reports a thrown error as success false with the message only, and logs it', async () => {
    peer.expectedKey = 'another-key-entirely';
    try {
      const res = await t.post('/api/tools/test-code', { tool_id: weatherId, arguments: { city: 'Braga' } }, { token });
      assert.equal(res.status, 200, res.text);
      assert.equal(res.body.success, false);
      assert.equal(res.body.result, null);
      assert.match(res.body.error, /upstream said 401/);
      assert.doesNotMatch(res.text, /\bat .+\.(js|ts):\d+/, 'no host stack trace');
      const last = (await executionRows(t, 'tool_id = $1', [weatherId])).at(-1);
      assert.equal(last?.success, false);
      assert.match(last?.error ?? '', /upstream said 401/);
    } finally {
      peer.expectedKey = WEATHER_KEY;
    }
  });

  it('ends a tool that runs past its timeout, with a clear error and a success=false log row', async () => {
    const loop = await createToolVia(t, token, serverId, {
      name: 'spin',
      code: 'export async function main() { while (true) {} }',
      timeout_ms: 300,
    });
    await approveTool(t, token, loop.id);
    const started = Date.now();
    const res = await t.post('/api/tools/test-code', { tool_id: loop.id, arguments: {} }, { token });
    assert.equal(res.status, 200, res.text);
    assert.equal(res.body.success, false);
    assert.match(res.body.error, /time/i);
    assert.ok(Date.now() - started < 10_000, 'the call ended near its limit');
    const rows = await executionRows(t, 'tool_id = $1', [loop.id]);
    assert.equal(rows.length, 1);
    assert.equal(rows[0].success, false);
    assert.equal(rows[0].is_test, true);
    assert.match(rows[0].error ?? '', /time/i);
    // The sandbox is unharmed: the next call works.
    const next = await t.post('/api/tools/test-code', { tool_id: weatherId, arguments: { city: 'Evora' } }, { token });
    assert.equal(next.body.success, true, next.text);
  });

  it('a call that kills its sandbox worker is still logged; the event is in the activity trail; the next call works', async () => {
    const bomb = await createToolVia(t, token, serverId, {
      name: 'map_bomb',
      code: 'export async function main() { const m = new Map(); for (let i = 0; ; i++) m.set(i, { i, s: "x" + i }); }',
      timeout_ms: 60000,
    });
    await approveTool(t, token, bomb.id);
    const res = await t.post('/api/tools/test-code', { tool_id: bomb.id, arguments: {} }, { token });
    assert.equal(res.status, 200, res.text);
    assert.equal(res.body.success, false);
    assert.ok(res.body.error, 'a clear error');
    const rows = await executionRows(t, 'tool_id = $1', [bomb.id]);
    assert.equal(rows.length, 1, 'the row was written although the worker died');
    assert.equal(rows[0].success, false);
    const events = await t.db.query(
      "SELECT level, message FROM activity_logs WHERE log_type IN ('system', 'error') AND server_id IS NULL",
    );
    assert.ok(events.rows.length >= 1, 'the worker event is an activity entry');
    const next = await t.post('/api/tools/test-code', { tool_id: weatherId, arguments: { city: 'Sintra' } }, { token });
    assert.equal(next.body.success, true, next.text);
  });

  it('runs a tool of a server that is not running (test-code needs no start)', async () => {
    const status = await t.get(`/api/sandbox/servers/${serverId}/status`, { token });
    assert.equal(status.body.status, 'ready');
    const res = await t.post('/api/tools/test-code', { tool_id: weatherId, arguments: { city: 'Beja' } }, { token });
    assert.equal(res.status, 200, res.text);
    assert.equal(res.body.success, true, res.text);
    assert.equal(res.body.result.city, 'Beja');
  });

  describe('bad input: a clear 4xx, nothing run, no row written', () => {
    const expectRefused = async (body: unknown, status: number, message?: RegExp, tok = token) => {
      const rows = await countRows();
      const calls = peer.requests.length;
      const res = await t.post('/api/tools/test-code', body, { token: tok });
      assert.equal(res.status, status, res.text);
      if (message) assert.match(JSON.stringify(res.body.message), message);
      assert.equal(await countRows(), rows, 'no execution row');
      assert.equal(peer.requests.length, calls, 'nothing ran');
    };

    it('a tool_id that is not a UUID → 400', () =>
      expectRefused({ tool_id: 'not-a-uuid', arguments: {} }, 400, /tool_id/));
    it('a missing tool_id → 400', () => expectRefused({ arguments: {} }, 400, /tool_id/));
    it('an unknown tool id → 404', () =>
      expectRefused({ tool_id: '6f1c2a52-8d0e-4b7b-9a55-3c1f8e2d4b6a', arguments: {} }, 404, /not found/));
    it('arguments that are an array → 400', () =>
      expectRefused({ tool_id: weatherId, arguments: ['Lisbon'] }, 400, /arguments/));
    it('arguments that are a string → 400', () =>
      expectRefused({ tool_id: weatherId, arguments: 'Lisbon' }, 400, /arguments/));
    it('arguments that are null → 400', () => expectRefused({ tool_id: weatherId, arguments: null }, 400, /arguments/));
    it('an unknown field → 400', () => expectRefused({ tool_id: weatherId, arguments: {}, code: 'x' }, 400, /code/));
    it('no token → 401', () => expectRefused({ tool_id: weatherId, arguments: {} }, 401, undefined, ''));

    it('an unapproved tool under tool_approval_mode=require_approval → 403; under auto_approve it runs', async () => {
      const draft = await createToolVia(t, token, serverId, {
        name: 'draft_tool',
        code: 'export async function main() { return "ran"; }',
      });
      assert.equal(draft.approval_status, 'draft');
      await expectRefused({ tool_id: draft.id, arguments: {} }, 403, /require_approval/);
      await setPolicy(t, token, { tool_approval_mode: 'auto_approve' });
      try {
        // arguments may be left out: main then receives {}.
        const res = await t.post('/api/tools/test-code', { tool_id: draft.id }, { token });
        assert.equal(res.status, 200, res.text);
        assert.equal(res.body.result, 'ran');
        assert.deepEqual(res.body.content, [{ type: 'text', text: 'ran' }]);
      } finally {
        await setPolicy(t, token, { tool_approval_mode: 'require_approval' });
      }
    });
  });

  it('is documented in /docs-json', async () => {
    const doc = await t.get('/docs-json');
    const op = doc.body.paths['/api/tools/test-code']?.post;
    assert.ok(op, 'documented');
    for (const code of ['200', '400', '401', '403', '404'])
      assert.ok(op.responses[code], `response ${code} documented`);
  });
});

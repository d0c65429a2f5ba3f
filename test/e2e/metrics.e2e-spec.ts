import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { MAX_TOOL_LABELS, MetricsService } from '../../src/metrics/metrics.service';
import { ExecutionLogsService } from '../../src/sandbox/execution-logs.service';
import { setupAdmin, startApp, type TestApp } from '../support/app';
import { connectMcp } from '../support/mcp';
import { parsePrometheus, sampleValue } from '../support/prometheus';
import { approveTool, createServerVia, createToolVia, setSecret } from './sandbox-fixtures';

const METRICS_TOKEN = 'metrics-token-for-the-tests-0123456789';
const ARG = 'argument-value-that-must-not-be-a-label';
const SECRET = 'sk-secret-value-never-in-metrics';

describe('Prometheus metrics at /metrics', () => {
  let t: TestApp;
  let token: string;
  let toolId: string;

  before(async () => {
    // 127.0.0.1 is a trusted proxy here: a request it forwards for 203.0.113.9 is that client's.
    t = await startApp({ METRICS_TOKEN, TRUST_PROXY: '127.0.0.1' });
    token = await setupAdmin(t);
    const serverId = await createServerVia(t, token, 'measured');
    await setSecret(t, token, serverId, 'API_KEY', SECRET);
    const tool = await createToolVia(t, token, serverId, {
      name: 'echo',
      code: 'export async function main({ text }) { if (text === "fail") throw new Error("asked to fail"); return { text } }',
    });
    toolId = tool.id;
    await approveTool(t, token, tool.id);
    assert.equal((await t.post(`/api/sandbox/servers/${serverId}/start`, undefined, { token })).status, 200);
    const client = await connectMcp(`${t.url}/mcp`, 'modern');
    await client.callTool({ name: 'measured__echo', arguments: { text: ARG } });
    await client.callTool({ name: 'measured__echo', arguments: { text: 'fail' } });
    await client.close();
    const test = await t.post('/api/tools/test-code', { tool_id: tool.id, arguments: { text: ARG } }, { token });
    assert.equal(test.status, 200, test.text);
    await t.db.query(
      `INSERT INTO network_access_requests (server_id, host, status, source) VALUES ($1, 'pending.example.com', 'pending', 'llm')`,
      [serverId],
    );
  });
  after(() => t.close());

  const scrape = async () => {
    const res = await t.get('/metrics');
    assert.equal(res.status, 200, res.text);
    return res;
  };

  it('is served to loopback in the text exposition format, which a Prometheus parser reads without error', async () => {
    const res = await scrape();
    assert.match(res.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
    const families = parsePrometheus(res.text);
    assert.ok(families.size > 10);
    for (const name of [
      'mcpbox_http_requests_total',
      'mcpbox_http_request_duration_seconds',
      'mcpbox_mcp_requests_total',
      'mcpbox_mcp_request_duration_seconds',
      'mcpbox_mcp_sessions',
      'mcpbox_mcp_listen_streams',
      'mcpbox_tool_calls_total',
      'mcpbox_tool_call_duration_seconds',
      'mcpbox_sandbox_workers',
      'mcpbox_sandbox_in_flight',
      'mcpbox_sandbox_queued',
      'mcpbox_sandbox_worker_restarts_total',
      'mcpbox_approvals_pending',
      'mcpbox_activity_stream_clients',
    ])
      assert.ok(families.has(name), `${name} is exposed`);
  });

  it('counts open 2025 sessions and 2026-07-28 listen streams', async () => {
    const gauge = async (name: string) => sampleValue(parsePrometheus((await scrape()).text), name);
    const [sessionsBefore, listensBefore] = [
      await gauge('mcpbox_mcp_sessions'),
      await gauge('mcpbox_mcp_listen_streams'),
    ];
    const legacy = await connectMcp(`${t.url}/mcp`, 'legacy');
    const modern = await connectMcp(`${t.url}/mcp`, 'modern');
    await modern.listen({ toolsListChanged: true });
    assert.equal(await gauge('mcpbox_mcp_sessions'), sessionsBefore + 1);
    assert.equal(await gauge('mcpbox_mcp_listen_streams'), listensBefore + 1);
    await Promise.all([legacy.close(), modern.close()]);
    for (let i = 0; i < 100 && (await gauge('mcpbox_mcp_listen_streams')) > listensBefore; i++)
      await new Promise((r) => setTimeout(r, 20));
    assert.equal(await gauge('mcpbox_mcp_listen_streams'), listensBefore);
  });

  it('counts tool calls by outcome and kind, with duration histograms', async () => {
    const f = parsePrometheus((await scrape()).text);
    assert.equal(sampleValue(f, 'mcpbox_tool_calls_total', { outcome: 'success', kind: 'call' }), 1);
    assert.equal(sampleValue(f, 'mcpbox_tool_calls_total', { outcome: 'error', kind: 'call' }), 1);
    assert.equal(sampleValue(f, 'mcpbox_tool_calls_total', { outcome: 'success', kind: 'test' }), 1);
    // This parser folds the samples of a labelled histogram together: read its counts from the registry itself.
    const histogram = await t.app
      .get(MetricsService)
      .registry.getSingleMetric('mcpbox_tool_call_duration_seconds')
      ?.get();
    const counts = histogram?.values.filter(
      (v) => (v as { metricName?: string }).metricName === 'mcpbox_tool_call_duration_seconds_count',
    );
    assert.deepEqual(counts?.map((v) => [v.labels.outcome, v.labels.kind, v.value]).sort(), [
      ['error', 'call', 1],
      ['success', 'call', 1],
      ['success', 'test', 1],
    ]);
    assert.equal(sampleValue(f, 'mcpbox_tool_calls_by_tool_total', { tool: 'measured__echo' }), 3);
    await t.app.get(ExecutionLogsService).drain(); // rows are written behind: count them all
    const rows = (await t.db.query('SELECT count(*)::int AS n FROM tool_execution_logs WHERE tool_id = $1', [toolId]))
      .rows[0].n;
    assert.equal(sampleValue(f, 'mcpbox_tool_calls_total'), rows, 'one count per execution log row');
  });

  it('counts MCP requests by method, era and outcome, and HTTP requests by route pattern and status class', async () => {
    const f = parsePrometheus((await scrape()).text);
    assert.equal(
      sampleValue(f, 'mcpbox_mcp_requests_total', { method: 'tools/call', era: 'modern', outcome: 'ok' }),
      1,
    );
    assert.equal(
      sampleValue(f, 'mcpbox_mcp_requests_total', { method: 'tools/call', era: 'modern', outcome: 'tool_error' }),
      1,
    );
    assert.ok(sampleValue(f, 'mcpbox_http_requests_total', { route: '/api/servers', status_class: '2xx' }) >= 1);
    assert.ok(
      sampleValue(f, 'mcpbox_http_requests_total', { route: '/api/sandbox/servers/:id/start', method: 'POST' }) >= 1,
    );
    await t.get('/no/such/route/12345');
    const after = parsePrometheus((await scrape()).text);
    assert.ok(sampleValue(after, 'mcpbox_http_requests_total', { route: 'unmatched', status_class: '4xx' }) >= 1);
  });

  it('reports the sandbox pool and the pending approvals at scrape time', async () => {
    const f = parsePrometheus((await scrape()).text);
    assert.equal(sampleValue(f, 'mcpbox_sandbox_workers'), 1);
    assert.equal(sampleValue(f, 'mcpbox_sandbox_in_flight'), 0);
    assert.equal(sampleValue(f, 'mcpbox_sandbox_queued'), 0);
    assert.equal(sampleValue(f, 'mcpbox_sandbox_worker_restarts_total'), 0);
    assert.equal(sampleValue(f, 'mcpbox_approvals_pending', { queue: 'network' }), 1);
    assert.equal(sampleValue(f, 'mcpbox_approvals_pending', { queue: 'tools' }), 0);
  });

  it('never carries an argument, a secret, a token or a path value in a label', async () => {
    const { text } = await scrape();
    for (const needle of [ARG, SECRET, token, METRICS_TOKEN, toolId])
      assert.ok(!text.includes(needle), needle.slice(0, 12));
    const f = parsePrometheus(text);
    const routes = f.get('mcpbox_http_requests_total')?.metrics.map((m) => m.labels?.route ?? '') ?? [];
    assert.ok(
      routes.every((r) => !/[0-9a-f]{8}-[0-9a-f]{4}/.test(r)),
      routes.join(', '),
    );
  });

  it('bounds the tool label: past the first names seen, tools share "other"', () => {
    const metrics = new MetricsService();
    for (let i = 0; i < MAX_TOOL_LABELS + 20; i++) metrics.toolCall(`s__t${i}`, true, false, 0.001);
    return metrics.scrape().then(({ body }) => {
      const f = parsePrometheus(body);
      const labels = new Set(f.get('mcpbox_tool_calls_by_tool_total')?.metrics.map((m) => m.labels?.tool));
      assert.equal(labels.size, MAX_TOOL_LABELS + 1);
      assert.equal(sampleValue(f, 'mcpbox_tool_calls_by_tool_total', { tool: 'other' }), 20);
    });
  });

  it('wants METRICS_TOKEN as a bearer token from anyone but loopback', async () => {
    const away = { 'x-forwarded-for': '203.0.113.9' };
    const none = await t.get('/metrics', { headers: away });
    assert.equal(none.status, 401, none.text);
    assert.match(none.headers.get('www-authenticate') ?? '', /^Bearer/);
    assert.equal((await t.get('/metrics', { headers: away, token: `${METRICS_TOKEN}x` })).status, 401);
    assert.equal((await t.get('/metrics', { headers: away, token })).status, 401, 'an admin access token is not it');
    const ok = await t.get('/metrics', { headers: away, token: METRICS_TOKEN });
    assert.equal(ok.status, 200);
    assert.ok(parsePrometheus(ok.text).size > 0);
  });
});

describe('/metrics without METRICS_TOKEN', () => {
  let t: TestApp;
  before(async () => {
    t = await startApp();
  });
  after(() => t.close());

  it('is loopback only: a request that came through a proxy is refused with 403 even from 127.0.0.1', async () => {
    assert.equal((await t.get('/metrics')).status, 200);
    const proxied = await t.get('/metrics', {
      headers: { 'x-forwarded-for': '203.0.113.9' },
      token: 'anything-at-all-here',
    });
    assert.equal(proxied.status, 403, proxied.text);
    assert.match(proxied.body.message, /METRICS_TOKEN/);
  });
});

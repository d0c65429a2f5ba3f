import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setupAdmin, startApp, type TestApp } from '../support/app';
import { approveTool, createServerVia, createToolVia } from './sandbox-fixtures';

const HOUR = 3_600_000;
const CODE = 'export async function main() { return 1 }';

interface ExecRow {
  created_at: Date;
  server_id: string;
  tool_name: string;
  duration_ms: number;
  success: boolean;
  is_test: boolean;
}

/** percentile_cont, as PostgreSQL computes it. */
function percentile(sorted: number[], q: number): number | null {
  if (!sorted.length) return null;
  const at = q * (sorted.length - 1);
  const lo = Math.floor(at);
  return sorted[lo] + (sorted[Math.ceil(at)] - sorted[lo]) * (at - lo);
}

describe('GET /api/dashboard', () => {
  let t: TestApp;
  let token: string;
  let alpha: string;
  let beta: string;

  before(async () => {
    t = await startApp();
    token = await setupAdmin(t);
    alpha = await createServerVia(t, token, 'alpha');
    beta = await createServerVia(t, token, 'beta');
    await createServerVia(t, token, 'gamma');
    const approved = await createToolVia(t, token, alpha, { name: 'fetch_one', code: CODE });
    await approveTool(t, token, approved.id);
    await createToolVia(t, token, alpha, { name: 'drafty', code: CODE });
    for (const name of ['waiting_a', 'waiting_b']) {
      const tool = await createToolVia(t, token, beta, { name, code: CODE });
      const submit = await t.post(`/api/approvals/tools/${tool.id}/action`, { action: 'submit_for_review' }, { token });
      assert.equal(submit.status, 200, submit.text);
    }
    const started = await t.post(`/api/sandbox/servers/${alpha}/start`, undefined, { token });
    assert.equal(started.status, 200, started.text);
    // Pending requests of the other queues, as an LLM's requests would leave them.
    await t.db.query(
      `INSERT INTO network_access_requests (server_id, host, port, status, source) VALUES ($1, 'api.example.com', 443, 'pending', 'llm'), ($1, 'b.example.com', NULL, 'pending', 'llm'), ($1, 'c.example.com', NULL, 'rejected', 'llm')`,
      [alpha],
    );
    await t.db.query(
      `INSERT INTO module_requests (server_id, module_name, status, source) VALUES ($1, 'lodash', 'pending', 'llm')`,
      [alpha],
    );
    // Calls of known ages, outcomes and durations; test runs and calls older than a day must not count.
    const now = Date.now();
    const calls: [number, string, string, number, boolean, boolean][] = [
      [-0.1, alpha, 'fetch_one', 10, true, false],
      [-0.2, alpha, 'fetch_one', 20, true, false],
      [-0.3, alpha, 'fetch_one', 30, false, false],
      [-1.5, alpha, 'fetch_one', 40, true, false],
      [-2.5, beta, 'waiting_a', 50, false, false],
      [-5.5, beta, 'waiting_a', 60, true, false],
      [-23.5, beta, 'waiting_b', 700, true, false],
      [-0.4, alpha, 'fetch_one', 9000, false, true],
      [-0.5, beta, 'waiting_b', 9000, true, true],
      [-25, alpha, 'fetch_one', 8000, false, false],
      [-48, beta, 'waiting_a', 8000, true, false],
    ];
    for (const [hours, serverId, tool, ms, success, isTest] of calls)
      await t.db.query(
        `INSERT INTO tool_execution_logs (created_at, server_id, tool_name, duration_ms, success, is_test) VALUES ($1, $2, $3, $4, $5, $6)`,
        [new Date(now + hours * HOUR), serverId, tool, ms, success, isTest],
      );
  });
  after(() => t.close());

  it("matches the database's rows: servers, tools, pending approvals per queue", async () => {
    const res = await t.get('/api/dashboard', { token });
    assert.equal(res.status, 200, res.text);
    const count = async (sql: string) => (await t.db.query<{ n: number }>(sql)).rows[0].n;
    assert.deepEqual(res.body.servers, {
      total: await count('SELECT count(*)::int AS n FROM servers'),
      running: await count("SELECT count(*)::int AS n FROM servers WHERE status = 'running'"),
    });
    assert.deepEqual(res.body.servers, { total: 3, running: 1 });
    assert.deepEqual(res.body.tools, {
      total: await count('SELECT count(*)::int AS n FROM tools'),
      approved: await count("SELECT count(*)::int AS n FROM tools WHERE approval_status = 'approved'"),
      pending: await count("SELECT count(*)::int AS n FROM tools WHERE approval_status = 'pending_review'"),
    });
    assert.deepEqual(res.body.tools, { total: 4, approved: 1, pending: 2 });
    assert.deepEqual(res.body.pending_approvals, { tools: 2, modules: 1, network: 2, total: 5 });
  });

  it('counts the calls of the last 24 hours without test runs: total, error rate, p50/p95, top tools, hourly', async () => {
    const res = await t.get('/api/dashboard', { token });
    assert.equal(res.status, 200, res.text);
    const { executions, top_tools: top, hourly } = res.body;
    const from = Date.parse(executions.from);
    const to = Date.parse(executions.to);
    assert.equal(to - from, 24 * HOUR);
    const rows = (await t.db.query<ExecRow>('SELECT * FROM tool_execution_logs')).rows.filter(
      (r) => !r.is_test && r.created_at.getTime() >= from && r.created_at.getTime() <= to,
    );
    assert.equal(rows.length, 7, 'the fixture: 7 real calls in the window');
    assert.equal(executions.total, rows.length);
    const errors = rows.filter((r) => !r.success).length;
    assert.equal(executions.errors, errors);
    assert.equal(executions.error_rate, Math.round((errors / rows.length) * 10_000) / 10_000);
    const durations = rows.map((r) => r.duration_ms).sort((a, b) => a - b);
    assert.equal(executions.p50_duration_ms, percentile(durations, 0.5));
    assert.equal(executions.p95_duration_ms, Math.round((percentile(durations, 0.95) ?? 0) * 100) / 100);

    assert.deepEqual(top, [
      { server_id: alpha, server_name: 'alpha', tool_name: 'fetch_one', calls: 4, errors: 1 },
      { server_id: beta, server_name: 'beta', tool_name: 'waiting_a', calls: 2, errors: 1 },
      { server_id: beta, server_name: 'beta', tool_name: 'waiting_b', calls: 1, errors: 0 },
    ]);

    assert.equal(hourly.length, 24);
    assert.equal(Date.parse(hourly[0].from), from);
    const expected = Array.from({ length: 24 }, () => ({ calls: 0, errors: 0 }));
    for (const r of rows) {
      const bucket = Math.min(23, Math.floor((r.created_at.getTime() - from) / HOUR));
      expected[bucket].calls++;
      if (!r.success) expected[bucket].errors++;
    }
    assert.deepEqual(
      hourly.map((h: { calls: number; errors: number }) => ({ calls: h.calls, errors: h.errors })),
      expected,
    );
    assert.equal(
      hourly.reduce((n: number, h: { calls: number }) => n + h.calls, 0),
      executions.total,
    );
  });

  it('shows the latest activity, newest first', async () => {
    const res = await t.get('/api/dashboard', { token });
    const latest = (
      await t.db.query<{ id: string }>('SELECT id FROM activity_logs ORDER BY created_at DESC, id DESC LIMIT 10')
    ).rows;
    assert.deepEqual(
      res.body.recent_activity.map((e: { id: string }) => e.id),
      latest.map((r) => r.id),
    );
  });
});

describe('GET /api/dashboard of a new instance', () => {
  it('answers zeros, not NaN or nulls in counts, when nothing was called', async () => {
    // An app of its own, once the first is closed (passport's strategies are per process).
    const empty = await startApp();
    try {
      const tk = await setupAdmin(empty);
      const res = await empty.get('/api/dashboard', { token: tk });
      assert.equal(res.status, 200, res.text);
      assert.equal(res.body.executions.total, 0);
      assert.equal(res.body.executions.error_rate, 0);
      assert.equal(res.body.executions.p50_duration_ms, null);
      assert.deepEqual(res.body.top_tools, []);
      assert.equal(res.body.hourly.length, 24);
      assert.ok(res.body.hourly.every((h: { calls: number }) => h.calls === 0));
    } finally {
      await empty.close();
    }
  });
});

describe('GET /api/config', () => {
  let t: TestApp;
  let token: string;
  before(async () => {
    t = await startApp({ MCPBOX_PUBLIC_URL: 'https://box.example.test', SANDBOX_MEMORY_MB: '96' });
    token = await setupAdmin(t);
  });
  after(() => t.close());

  it('gives version, mode, MCP URL, sandbox limits and the policy in force, without a secret', async () => {
    const res = await t.get('/api/config', { token });
    assert.equal(res.status, 200, res.text);
    assert.equal(res.body.mode, 'local');
    assert.equal(res.body.mcp_url, 'https://box.example.test/mcp');
    assert.equal(res.body.sandbox.memory_mb, 96);
    assert.equal(res.body.policy.log_retention_days, 30);
    assert.equal(res.body.activity_stream_path, '/api/activity/stream');
    assert.doesNotMatch(res.text, /postgres:\/\/|encryption|secret_key/i);
  });
});

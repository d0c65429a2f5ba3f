import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ActivityService } from '../../src/activity/activity.service';
import { setupAdmin, startApp, type TestApp } from '../support/app';
import { createServerVia } from './sandbox-fixtures';

interface Row {
  id: string;
  created_at: Date;
  server_id: string | null;
  log_type: string;
  level: string;
  message: string;
  duration_ms: number | null;
}

const MIN = 60_000;

/** percentile_cont, as PostgreSQL computes it. */
function percentile(sorted: number[], q: number): number | null {
  if (!sorted.length) return null;
  const at = q * (sorted.length - 1);
  const lo = Math.floor(at);
  const hi = Math.ceil(at);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (at - lo);
}

describe('the activity API', () => {
  let t: TestApp;
  let token: string;
  let serverA: string;
  let serverB: string;
  let rows: Row[];
  const now = Date.now();

  const all = async (query: string): Promise<Row[]> => {
    const out: Row[] = [];
    for (let page = 1; ; page++) {
      const res = await t.get(`/api/activity/logs?${query}${query ? '&' : ''}page=${page}&page_size=100`, { token });
      assert.equal(res.status, 200, res.text);
      out.push(...res.body.items);
      if (page >= res.body.pages) return out;
    }
  };
  const ids = (list: { id: string }[]) => list.map((r) => r.id).sort();

  before(async () => {
    t = await startApp();
    token = await setupAdmin(t);
    serverA = await createServerVia(t, token, 'alpha');
    serverB = await createServerVia(t, token, 'beta');
    const seed: [number, string | null, string, string, string, number | null][] = [
      [-10 * MIN, serverA, 'tool_execution', 'info', 'Tool echo succeeded: 50% done', 12],
      [-11 * MIN, serverA, 'tool_execution', 'error', 'Tool echo failed: under_score broke', 340],
      [-12 * MIN, serverB, 'mcp_request', 'warning', 'MCP tools/call beta__x: refused', 3],
      [-13 * MIN, serverB, 'mcp_request', 'info', 'MCP tools/list on /mcp: ok', 1],
      [-14 * MIN, null, 'error', 'error', 'Back\\slash in a path C:\\temp', null],
      [-15 * MIN, null, 'audit', 'info', "Robert'); DROP TABLE activity_logs;-- was here", null],
      [-2 * 60 * MIN, serverA, 'tool_execution', 'info', 'Tool old one succeeded', 7000],
      [-3 * 24 * 60 * MIN, null, 'system', 'info', 'An old start-up', null],
    ];
    for (const [offset, serverId, type, level, message, duration] of seed)
      await t.db.query(
        `INSERT INTO activity_logs (created_at, server_id, log_type, level, message, duration_ms) VALUES ($1, $2, $3, $4, $5, $6)`,
        [new Date(now + offset), serverId, type, level, message, duration],
      );
    rows = (await t.db.query<Row>('SELECT * FROM activity_logs')).rows;
  });
  after(() => t.close());

  it('lists every entry newest first, in pages of the list envelope', async () => {
    const first = await t.get('/api/activity/logs?page_size=3', { token });
    assert.equal(first.status, 200, first.text);
    assert.equal(first.body.total, rows.length);
    assert.equal(first.body.page_size, 3);
    assert.equal(first.body.pages, Math.ceil(rows.length / 3));
    assert.equal(first.body.items.length, 3);
    const listed = await all('');
    assert.deepEqual(ids(listed), ids(rows));
    const times = listed.map((r) => Date.parse(String(r.created_at)));
    assert.deepEqual(
      times,
      [...times].sort((a, b) => b - a),
    );
    const entry = listed.find((r) => r.message.startsWith('Tool echo succeeded'));
    assert.deepEqual(Object.keys(entry ?? {}).sort(), [
      'created_at',
      'details',
      'duration_ms',
      'id',
      'level',
      'log_type',
      'message',
      'request_id',
      'server_id',
    ]);
  });

  it('filters by log_type, level, server_id and time range, as the rows say', async () => {
    const cases: [string, (r: Row) => boolean][] = [
      ['log_type=tool_execution', (r) => r.log_type === 'tool_execution'],
      ['level=error', (r) => r.level === 'error'],
      [`server_id=${serverA}`, (r) => r.server_id === serverA],
      [
        `server_id=${serverB}&log_type=mcp_request&level=info`,
        (r) => r.server_id === serverB && r.log_type === 'mcp_request' && r.level === 'info',
      ],
      [
        `from=${new Date(now - 12 * MIN).toISOString()}&to=${new Date(now - 10 * MIN).toISOString()}`,
        (r) => r.created_at.getTime() >= now - 12 * MIN && r.created_at.getTime() <= now - 10 * MIN,
      ],
      [`to=${new Date(now - 60 * MIN).toISOString()}`, (r) => r.created_at.getTime() <= now - 60 * MIN],
    ];
    for (const [query, match] of cases) {
      const expected = rows.filter(match);
      assert.ok(expected.length > 0, `the case ${query} selects something`);
      assert.deepEqual(ids(await all(query)), ids(expected), query);
    }
    const res = await t.get(`/api/activity/logs?server_id=${serverA}&page_size=1`, { token });
    assert.equal(res.body.total, rows.filter((r) => r.server_id === serverA).length);
  });

  it('searches a case-insensitive substring, taking %, _, \\ and quotes literally', async () => {
    const cases: [string, string][] = [
      ['DONE', 'done'],
      ['%', '%'],
      ['_', '_'],
      ['\\', '\\'],
      ["'); DROP TABLE activity_logs;--", "'); drop table activity_logs;--"],
      ['tools/call', 'tools/call'],
    ];
    for (const [search, needle] of cases) {
      const expected = rows.filter((r) => r.message.toLowerCase().includes(needle.toLowerCase()));
      assert.ok(expected.length > 0 && expected.length < rows.length, `${search} selects some rows`);
      assert.deepEqual(ids(await all(`search=${encodeURIComponent(search)}`)), ids(expected), search);
    }
    assert.equal((await all(`search=${encodeURIComponent('no such text anywhere')}`)).length, 0);
    assert.equal((await t.db.query('SELECT count(*)::int AS n FROM activity_logs')).rows[0].n >= rows.length, true);
  });

  it('serves each filter from an index (the trigram index for search)', async () => {
    const client = t.db;
    await client.query('BEGIN');
    try {
      await client.query('SET LOCAL enable_seqscan = off');
      const plan = async (sql: string, params: unknown[]) =>
        (await client.query<{ 'QUERY PLAN': string }>(`EXPLAIN ${sql}`, params)).rows
          .map((r) => r['QUERY PLAN'])
          .join('\n');
      const search = await plan(`SELECT * FROM activity_logs WHERE message ILIKE $1`, ['%done%']);
      assert.match(search, /IDX_activity_logs_message_trgm/, search);
      for (const column of ['log_type', 'level', 'server_id']) {
        const p = await plan(
          `SELECT * FROM activity_logs WHERE ${column} = $1 AND created_at >= $2 ORDER BY created_at DESC LIMIT 50`,
          [column === 'server_id' ? serverA : 'info', new Date(now - 60 * MIN)],
        );
        assert.match(p, /Index|Bitmap/, `${column}: ${p}`);
        assert.doesNotMatch(p, /Seq Scan/, `${column}: ${p}`);
      }
    } finally {
      await client.query('ROLLBACK');
    }
  });

  it('gives the stats of a window: counts by type and level, error rate, duration percentiles', async () => {
    const res = await t.get('/api/activity/stats?window_minutes=60', { token });
    assert.equal(res.status, 200, res.text);
    const from = Date.parse(res.body.from);
    const to = Date.parse(res.body.to);
    assert.equal(to - from, 60 * MIN);
    const fresh = (await t.db.query<Row>('SELECT * FROM activity_logs')).rows;
    const inWindow = fresh.filter((r) => r.created_at.getTime() >= from && r.created_at.getTime() <= to);
    assert.equal(res.body.total, inWindow.length);
    assert.equal(res.body.by_type.tool_execution, inWindow.filter((r) => r.log_type === 'tool_execution').length);
    assert.equal(res.body.by_type.mcp_request, 2);
    assert.equal(res.body.by_type.system, inWindow.filter((r) => r.log_type === 'system').length);
    assert.equal(res.body.by_level.error, inWindow.filter((r) => r.level === 'error').length);
    assert.equal(res.body.by_level.error, 2);
    assert.equal(res.body.error_rate, Math.round((2 / inWindow.length) * 10_000) / 10_000);
    assert.ok(res.body.error_rate > 0 && res.body.error_rate < 1);
    const durations = inWindow
      .map((r) => r.duration_ms)
      .filter((d): d is number => d !== null)
      .sort((a, b) => a - b);
    assert.equal(res.body.duration_ms.count, durations.length);
    for (const [key, q] of [
      ['p50', 0.5],
      ['p95', 0.95],
      ['p99', 0.99],
    ] as const)
      assert.equal(res.body.duration_ms[key], Math.round((percentile(durations, q) ?? 0) * 100) / 100, key);
    const day = await t.get('/api/activity/stats?window_minutes=1440', { token });
    assert.equal(day.body.by_type.tool_execution, 3, 'the 2-hour-old execution is in the day');
    const dflt = await t.get('/api/activity/stats', { token });
    assert.equal(dflt.body.window_minutes, 60);
  });

  it('gives the latest entries, 20 by default, at most 100', async () => {
    for (let i = 0; i < 25; i++)
      await t.db.query(`INSERT INTO activity_logs (log_type, level, message) VALUES ('system', 'debug', $1)`, [
        `filler ${i}`,
      ]);
    const dflt = await t.get('/api/activity/recent', { token });
    assert.equal(dflt.status, 200, dflt.text);
    assert.equal(dflt.body.items.length, 20);
    const five = await t.get('/api/activity/recent?limit=5', { token });
    const newest = (
      await t.db.query<{ id: string }>('SELECT id FROM activity_logs ORDER BY created_at DESC, id DESC LIMIT 5')
    ).rows;
    assert.deepEqual(
      five.body.items.map((r: Row) => r.id),
      newest.map((r) => r.id),
    );
    const hundred = await t.get('/api/activity/recent?limit=100', { token });
    assert.equal(hundred.status, 200);
  });

  it('lists entries written behind in one batch in the order they happened, even within a millisecond', async () => {
    const activity = t.app.get(ActivityService);
    const marker = `burst-${Date.now()}`;
    for (let i = 0; i < 30; i++)
      activity.enqueue({ logType: 'mcp_request', level: 'debug', message: `${marker} ${i}` });
    await activity.drain();
    const listed = await t.get(`/api/activity/logs?search=${marker}&page_size=100`, { token });
    assert.equal(listed.status, 200, listed.text);
    assert.deepEqual(
      listed.body.items.map((r: Row) => r.message),
      Array.from({ length: 30 }, (_, i) => `${marker} ${29 - i}`),
    );
  });

  it('refuses bad filters with a 400 naming the field, and changes nothing', async () => {
    const before = (await t.db.query('SELECT count(*)::int AS n FROM activity_logs')).rows[0].n;
    const bad: [string, RegExp][] = [
      ['/api/activity/logs?log_type=everything', /log_type/],
      ['/api/activity/logs?level=loud', /level/],
      ['/api/activity/logs?level=ERROR', /level/],
      ['/api/activity/logs?log_type=audit&log_type=system', /log_type/],
      ['/api/activity/logs?server_id=alpha', /server_id/],
      [`/api/activity/logs?server_id=${encodeURIComponent("' OR 1=1 --")}`, /server_id/],
      ['/api/activity/logs?from=yesterday', /from/],
      ['/api/activity/logs?from=2026-13-01T00:00:00Z', /from/],
      ['/api/activity/logs?from=2026-02-30T00:00:00Z', /from/],
      ['/api/activity/logs?to=1767225600000', /to/],
      ['/api/activity/logs?from=2026-01-02T00:00:00Z&to=2026-01-01T00:00:00Z', /from must not be later than to/],
      ['/api/activity/logs?page_size=101', /page_size/],
      ['/api/activity/logs?page_size=0', /page_size/],
      ['/api/activity/logs?page_size=-1', /page_size/],
      ['/api/activity/logs?page_size=ten', /page_size/],
      ['/api/activity/logs?page=0', /page/],
      ['/api/activity/logs?page=1e3', /page/],
      [`/api/activity/logs?search=${'s'.repeat(201)}`, /search/],
      ['/api/activity/logs?search=a%00b', /search/],
      ['/api/activity/logs?sort=message', /sort/],
      ['/api/activity/stats?window_minutes=0', /window_minutes/],
      ['/api/activity/stats?window_minutes=10081', /window_minutes/],
      ['/api/activity/stats?window_minutes=60.5', /window_minutes/],
      ['/api/activity/recent?limit=0', /limit/],
      ['/api/activity/recent?limit=101', /limit/],
      ['/api/activity/recent?limit=all', /limit/],
    ];
    for (const [path, field] of bad) {
      const res = await t.get(path, { token });
      assert.equal(res.status, 400, `${path}: ${res.status} ${res.text}`);
      assert.equal(res.body.error, 'Bad Request');
      assert.match(JSON.stringify(res.body.message), field, path);
    }
    assert.equal((await t.db.query('SELECT count(*)::int AS n FROM activity_logs')).rows[0].n, before);
  });

  it('needs a token', async () => {
    for (const path of ['/api/activity/logs', '/api/activity/stats', '/api/activity/recent', '/api/dashboard'])
      assert.equal((await t.get(path)).status, 401, path);
  });
});

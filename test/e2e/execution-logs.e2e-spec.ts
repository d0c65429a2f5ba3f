import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { DataSource } from 'typeorm';
import { ExecutionLogsService, type ExecutionRecord } from '../../src/sandbox/execution-logs.service';
import { setupAdmin, startApp, type TestApp } from '../support/app';
import { createServerVia, createToolVia } from './sandbox-fixtures';

/**
 * The execution-log writer against the real database: rows are written behind in
 * batches, a refused row costs no other, and the log lists calls in the order they ended.
 */
describe('ExecutionLogsService writes the execution log behind the calls', () => {
  let t: TestApp;
  let token: string;
  let logs: ExecutionLogsService;
  let serverId: string;
  let toolId: string;
  /** How many INSERTs into tool_execution_logs the app sent, counted at its DataSource. */
  const inserts: number[] = [];

  before(async () => {
    t = await startApp();
    token = await setupAdmin(t);
    serverId = await createServerVia(t, token, 'logged');
    toolId = (await createToolVia(t, token, serverId, { name: 'noted', code: 'export async function main() {}' })).id;
    logs = t.app.get(ExecutionLogsService);
    const db = t.app.get(DataSource);
    const query = db.query.bind(db);
    db.query = ((sql: string, params?: unknown[]) => {
      if (sql.includes('INSERT INTO tool_execution_logs')) inserts.push((params?.[0] as unknown[]).length);
      return query(sql, params);
    }) as typeof db.query;
  });
  after(() => t.close());

  let n = 0;
  const row = (extra: Partial<ExecutionRecord> = {}): ExecutionRecord => ({
    toolId,
    serverId,
    toolName: `call-${++n}`,
    inputArgs: { n },
    result: null,
    error: null,
    stdout: null,
    durationMs: 1,
    success: true,
    isTest: false,
    executedBy: 'test',
    ...extra,
  });
  const stored = async (names: string[]) =>
    (
      await t.db.query<{ tool_name: string; tool_id: string | null }>(
        `SELECT tool_name, tool_id FROM tool_execution_logs WHERE tool_name = ANY($1) ORDER BY tool_name`,
        [names],
      )
    ).rows;
  const quiet = () => new Promise((r) => setTimeout(r, 120)); // past the write interval: the next row goes at once

  it('writes the rows enqueued in one turn with one INSERT', async () => {
    await quiet();
    inserts.length = 0;
    const rows = [row(), row(), row()];
    await Promise.all(rows.map((r) => logs.record(r)));
    assert.deepEqual(inserts, [3]);
    assert.equal((await stored(rows.map((r) => r.toolName))).length, 3);
  });

  it('a refused row costs no other row; one whose tool is gone is kept without the link', async () => {
    const rows = [row(), row({ toolId: randomUUID() }), row({ serverId: randomUUID() }), row()];
    await Promise.all(rows.map((r) => logs.record(r)));
    assert.deepEqual(
      (await stored(rows.map((r) => r.toolName))).map((r) => [r.tool_name, r.tool_id]),
      [
        [rows[0].toolName, toolId],
        [rows[1].toolName, null],
        [rows[3].toolName, toolId],
      ].sort((a, b) => String(a[0]).localeCompare(String(b[0]))),
    );
  });

  it('under sustained traffic, rows of separate turns within the write interval share one INSERT', async () => {
    await quiet();
    inserts.length = 0;
    const first = row();
    await logs.record(first); // after a quiet spell: written at once
    const later = [row(), row()];
    const written = [logs.record(later[0])];
    await new Promise((r) => setImmediate(r));
    written.push(logs.record(later[1]));
    await Promise.all(written);
    assert.deepEqual(inserts, [1, 2]);
    assert.equal((await stored([first, ...later].map((r) => r.toolName))).length, 3);
  });

  it('drain() returns once every enqueued row is written, also rows enqueued while a write is under way', async () => {
    const rows = [row(), row()];
    void logs.record(rows[0]);
    setImmediate(() => void logs.record(rows[1]));
    await new Promise((r) => setImmediate(r));
    await logs.drain();
    assert.equal((await stored(rows.map((r) => r.toolName))).length, 2);
  });

  it('rows written in one batch keep the order their calls ended in, down to the same millisecond', async () => {
    await quiet();
    inserts.length = 0;
    const rows = Array.from({ length: 20 }, () => row());
    await Promise.all(rows.map((r) => logs.record(r)));
    assert.deepEqual(inserts, [20]);
    const times = (
      await t.db.query<{ tool_name: string; at: string }>(
        `SELECT tool_name, created_at::text AS at FROM tool_execution_logs WHERE tool_name = ANY($1)`,
        [rows.map((r) => r.toolName)],
      )
    ).rows;
    assert.equal(new Set(times.map((r) => r.at)).size, 20, 'each row has its own time');
    // GET /api/tools/{id}/logs lists newest first: the reverse of the order the rows were recorded in.
    const api = await t.get(`/api/tools/${toolId}/logs?limit=20`, { token });
    assert.equal(api.status, 200, api.text);
    assert.deepEqual(
      (api.body.items as { input_args: { n: number } }[]).map((i) => i.input_args.n),
      rows.map((r) => (r.inputArgs as { n: number }).n).reverse(),
    );
  });
});

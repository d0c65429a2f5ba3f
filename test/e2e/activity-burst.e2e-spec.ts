import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ActivityService } from '../../src/activity/activity.service';
import { ExecutionLogsService } from '../../src/sandbox/execution-logs.service';
import { setupAdmin, startApp, type TestApp } from '../support/app';
import { connectMcp, type Era } from '../support/mcp';
import { approveTool, createServerVia, createToolVia, setPolicy } from './sandbox-fixtures';

/** The suite's burst; `npm run bench` (activity-burst) runs the 10,000-call one. */
const CALLS = 1000;
const CLIENTS = 8;

describe('activity entries under a burst of tool calls over /mcp', () => {
  let t: TestApp;
  let token: string;
  let serverId: string;

  before(async () => {
    t = await startApp({ SANDBOX_MAX_CONCURRENCY: '16' });
    token = await setupAdmin(t);
    await setPolicy(t, token, { mcp_rate_limit_rpm: 100_000 });
    serverId = await createServerVia(t, token, 'burst');
    const tool = await createToolVia(t, token, serverId, {
      name: 'inc',
      code: 'export async function main({ n }) { return { n: n + 1 } }',
    });
    await approveTool(t, token, tool.id);
    assert.equal((await t.post(`/api/sandbox/servers/${serverId}/start`, undefined, { token })).status, 200);
  });
  after(() => t.close());

  for (const era of ['modern', 'legacy'] as Era[]) {
    it(`${era}: ${CALLS} calls leave ${CALLS} tool_execution and ${CALLS} tools/call entries, none lost`, async (ctx) => {
      const clients = await Promise.all(Array.from({ length: CLIENTS }, () => connectMcp(`${t.url}/mcp`, era)));
      const startedAt = new Date();
      let next = 0;
      const started = performance.now();
      await Promise.all(
        clients.map(async (client) => {
          while (next < CALLS) {
            const i = next++;
            const r = await client.callTool({ name: 'burst__inc', arguments: { n: i } });
            assert.deepEqual(r.structuredContent, { n: i + 1 });
          }
        }),
      );
      const callsMs = performance.now() - started;
      await Promise.all(clients.map((c) => c.close()));
      await t.app.get(ActivityService).drain();
      const writtenMs = performance.now() - started;
      // The execution log rows are written behind too, by their own writer.
      await t.app.get(ExecutionLogsService).drain();
      const count = async (sql: string) => (await t.db.query<{ n: number }>(sql, [startedAt, serverId])).rows[0].n;
      const executions = await count(
        `SELECT count(*)::int AS n FROM activity_logs WHERE log_type = 'tool_execution' AND created_at >= $1 AND server_id = $2`,
      );
      const requests = await count(
        `SELECT count(*)::int AS n FROM activity_logs WHERE log_type = 'mcp_request' AND details->>'method' = 'tools/call' AND created_at >= $1 AND server_id = $2`,
      );
      const rows = await count(
        `SELECT count(*)::int AS n FROM tool_execution_logs WHERE created_at >= $1 AND server_id = $2 AND NOT is_test`,
      );
      ctx.diagnostic(
        `${era}: ${CALLS} calls by ${CLIENTS} clients in ${Math.round(callsMs)} ms (${Math.round((CALLS / callsMs) * 1000)}/s); every entry written ${Math.round(writtenMs - callsMs)} ms after the last answer`,
      );
      assert.equal(executions, CALLS, 'tool_execution entries');
      assert.equal(requests, CALLS, 'tools/call mcp_request entries');
      assert.equal(rows, CALLS, 'execution log rows');
      const unpaired = await count(
        `SELECT count(*)::int AS n FROM activity_logs e WHERE e.log_type = 'tool_execution' AND e.created_at >= $1 AND e.server_id = $2
           AND NOT EXISTS (SELECT 1 FROM activity_logs r WHERE r.log_type = 'mcp_request' AND r.request_id = e.request_id)`,
      );
      assert.equal(unpaired, 0, 'each execution shares the request id of its MCP request');
    });
  }

  it('leaves out the entries of a server deleted before they were written, and writes the others', async () => {
    const doomed = await createServerVia(t, token, 'doomed');
    const activity = t.app.get(ActivityService);
    assert.equal((await t.delete(`/api/servers/${doomed}`, { token })).status, 204);
    activity.enqueue({ logType: 'system', message: 'late entry of a deleted server', serverId: doomed });
    activity.enqueue({ logType: 'system', message: 'entry of a living server', serverId });
    activity.enqueue({ logType: 'system', message: 'entry of no server' });
    await activity.drain();
    const messages = (
      await t.db.query<{ message: string }>(
        `SELECT message FROM activity_logs WHERE message IN ('late entry of a deleted server', 'entry of a living server', 'entry of no server') ORDER BY message`,
      )
    ).rows.map((r) => r.message);
    assert.deepEqual(messages, ['entry of a living server', 'entry of no server']);
  });
});

describe('a clean shutdown', () => {
  it('writes every buffered entry before the app stops', async () => {
    const t = await startApp({}, { keepDatabase: true });
    const ENTRIES = 20_000;
    const activity = t.app.get(ActivityService);
    for (let i = 0; i < ENTRIES; i++) activity.enqueue({ logType: 'system', level: 'debug', message: `buffered ${i}` });
    await t.close();
    const again = await startApp({}, { databaseUrl: t.databaseUrl });
    try {
      const n = (
        await again.db.query<{ n: number }>(
          "SELECT count(*)::int AS n FROM activity_logs WHERE message LIKE 'buffered %'",
        )
      ).rows[0].n;
      assert.equal(n, ENTRIES);
    } finally {
      await again.close();
    }
  });
});

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { LogRetentionService, RETENTION_BATCH } from '../../src/activity/retention/log-retention.service';
import { setupAdmin, startApp, type TestApp } from '../support/app';
import { createServerVia, setPolicy } from './sandbox-fixtures';

const DAY = 86_400_000;

describe('log retention', () => {
  let t: TestApp;
  let token: string;
  let serverId: string;
  const now = Date.now();
  const OLD_ACTIVITY = RETENTION_BATCH * 2 + 17; // more than one batch
  const OLD_EXECUTIONS = RETENTION_BATCH + 3;

  before(async () => {
    t = await startApp();
    token = await setupAdmin(t);
    serverId = await createServerVia(t, token, 'kept_server');
    await setPolicy(t, token, { log_retention_days: 7 });
    const ageOf = (days: number) => new Date(now - days * DAY);
    // Activity: 1 day, 6.9 days (kept); 7.1 days and 30 days (removed).
    await t.db.query(
      `INSERT INTO activity_logs (created_at, log_type, level, message)
       SELECT $1::timestamptz, 'system', 'info', 'recent ' || g FROM generate_series(1, 5) g
       UNION ALL SELECT $2, 'system', 'info', 'almost old ' || g FROM generate_series(1, 3) g
       UNION ALL SELECT $3, 'audit', 'info', 'just old ' || g FROM generate_series(1, 4) g
       UNION ALL SELECT $4, 'mcp_request', 'info', 'very old ' || g FROM generate_series(1, $5::int - 4) g`,
      [ageOf(1), ageOf(6.9), ageOf(7.1), ageOf(30), OLD_ACTIVITY],
    );
    await t.db.query(
      `INSERT INTO tool_execution_logs (created_at, server_id, tool_name, duration_ms, success)
       SELECT $1::timestamptz, $3::uuid, 'kept', 1, true FROM generate_series(1, 6)
       UNION ALL SELECT $2, $3, 'gone', 1, true FROM generate_series(1, $4::int)`,
      [ageOf(6.9), ageOf(8), serverId, OLD_EXECUTIONS],
    );
  });
  after(() => t.close());

  it('runs on a timer started with the app', () => {
    const timers = (t.app.get(LogRetentionService) as unknown as { timers: NodeJS.Timeout[] }).timers;
    assert.equal(timers.length, 2, 'the first run and the hourly one');
  });

  it('removes what is older than log_retention_days, in batches, keeps the rest, and says what it removed', async () => {
    const count = async (sql: string, params: unknown[] = []) =>
      (await t.db.query<{ n: number }>(sql, params)).rows[0].n;
    const activityBefore = await count('SELECT count(*)::int AS n FROM activity_logs');
    const cutoff = now - 7 * DAY;
    const oldActivity = await count('SELECT count(*)::int AS n FROM activity_logs WHERE created_at < $1', [
      new Date(cutoff),
    ]);
    assert.equal(oldActivity, OLD_ACTIVITY);

    const result = await t.app.get(LogRetentionService).purge(new Date(now));
    assert.equal(result.retentionDays, 7);
    assert.equal(result.cutoff.getTime(), cutoff);
    assert.deepEqual(result.removed, { activity_logs: OLD_ACTIVITY, tool_execution_logs: OLD_EXECUTIONS });

    assert.equal(
      await count('SELECT count(*)::int AS n FROM activity_logs WHERE created_at < $1', [new Date(cutoff)]),
      0,
    );
    assert.equal(
      await count(
        "SELECT count(*)::int AS n FROM activity_logs WHERE message LIKE 'recent %' OR message LIKE 'almost old %'",
      ),
      8,
    );
    assert.equal(await count("SELECT count(*)::int AS n FROM tool_execution_logs WHERE tool_name = 'gone'"), 0);
    assert.equal(await count("SELECT count(*)::int AS n FROM tool_execution_logs WHERE tool_name = 'kept'"), 6);

    const entry = (
      await t.db.query<{ message: string; details: Record<string, unknown>; log_type: string }>(
        "SELECT log_type, message, details FROM activity_logs WHERE message LIKE 'Log retention:%'",
      )
    ).rows;
    assert.equal(entry.length, 1);
    assert.equal(entry[0].log_type, 'system');
    assert.match(
      entry[0].message,
      new RegExp(`removed ${OLD_ACTIVITY} from activity_logs, ${OLD_EXECUTIONS} from tool_execution_logs`),
    );
    assert.deepEqual(entry[0].details.removed, result.removed);
    assert.equal(entry[0].details.retention_days, 7);
    // Everything else, plus the job's own entry.
    assert.equal(await count('SELECT count(*)::int AS n FROM activity_logs'), activityBefore - OLD_ACTIVITY + 1);
  });

  it('removes nothing more on a second run, and writes no entry for it', async () => {
    const entries = async () =>
      (await t.db.query("SELECT count(*)::int AS n FROM activity_logs WHERE message LIKE 'Log retention:%'")).rows[0].n;
    const before = await entries();
    const result = await t.app.get(LogRetentionService).purge(new Date(now));
    assert.deepEqual(result.removed, { activity_logs: 0, tool_execution_logs: 0 });
    assert.equal(await entries(), before);
  });

  it('follows the setting live: a shorter retention removes more', async () => {
    await setPolicy(t, token, { log_retention_days: 1 });
    const result = await t.app.get(LogRetentionService).purge(new Date(now));
    assert.equal(result.retentionDays, 1);
    assert.deepEqual(result.removed, { activity_logs: 3, tool_execution_logs: 6 });
  });
});

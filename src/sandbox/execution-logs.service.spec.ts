import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { DataSource, Repository } from 'typeorm';
import type { ToolExecutionLog } from './entities/tool-execution-log.entity';
import { ExecutionLogsService, type ExecutionRecord } from './execution-logs.service';

const row = (n: number, extra: Partial<ExecutionRecord> = {}): ExecutionRecord => ({
  toolId: `tool-${n}`,
  serverId: 'server',
  toolName: `t${n}`,
  inputArgs: {},
  result: null,
  error: null,
  stdout: null,
  durationMs: 1,
  success: true,
  isTest: false,
  executedBy: null,
  ...extra,
});

/**
 * A database whose INSERT records the rows it was given (read back from the statement's
 * column arrays) and refuses a batch holding a row the rule refuses (like a FK violation).
 */
function fakeDb(refuse: (r: ExecutionRecord) => boolean) {
  const stored: ExecutionRecord[] = [];
  const inserts: number[] = [];
  const db = {
    query: async (sql: string, params: unknown[][]) => {
      assert.match(sql, /INSERT INTO tool_execution_logs/);
      const column = (i: number) => params[i];
      const rows: ExecutionRecord[] = column(0).map((_, n) => ({
        toolId: column(0)[n] as string | null,
        serverId: column(1)[n] as string,
        toolName: column(2)[n] as string,
        inputArgs: JSON.parse(column(3)[n] as string) as unknown,
        result: column(4)[n] as string | null,
        error: column(5)[n] as string | null,
        stdout: column(6)[n] as string | null,
        durationMs: column(7)[n] as number,
        success: column(8)[n] as boolean,
        isTest: column(9)[n] as boolean,
        executedBy: column(10)[n] as string | null,
        mcp: column(11)[n] === null ? null : (JSON.parse(column(11)[n] as string) as ExecutionRecord['mcp']),
      }));
      inserts.push(rows.length);
      if (rows.some(refuse)) throw new Error('violates foreign key constraint');
      stored.push(...rows);
    },
  } as unknown as DataSource;
  return { db, stored, inserts };
}

const service = (db: DataSource) => new ExecutionLogsService({} as Repository<ToolExecutionLog>, db);

describe('ExecutionLogsService', () => {
  it('writes the rows enqueued in one turn with one INSERT', async () => {
    const { db, stored, inserts } = fakeDb(() => false);
    const logs = service(db);
    await Promise.all([logs.record(row(1)), logs.record(row(2)), logs.record(row(3))]);
    assert.equal(stored.length, 3);
    assert.deepEqual(inserts, [3]);
  });

  it('a refused row costs no other row; one whose tool is gone is kept without the link', async () => {
    const { db, stored } = fakeDb((r) => r.toolId === 'tool-2' || r.serverId === 'deleted-server');
    const logs = service(db);
    await Promise.all([
      logs.record(row(1)),
      logs.record(row(2)),
      logs.record(row(3, { serverId: 'deleted-server' })),
      logs.record(row(4)),
    ]);
    assert.deepEqual(
      stored.map((r) => [r.toolName, r.toolId]),
      [
        ['t1', 'tool-1'],
        ['t2', null],
        ['t4', 'tool-4'],
      ],
    );
  });

  it('under sustained traffic, rows of separate turns within the write interval share one INSERT', async () => {
    const { db, stored, inserts } = fakeDb(() => false);
    const logs = service(db);
    await logs.record(row(1)); // after a quiet spell: written at once
    const later = [logs.record(row(2))];
    await new Promise((r) => setImmediate(r));
    later.push(logs.record(row(3)));
    await Promise.all(later);
    assert.equal(stored.length, 3);
    assert.deepEqual(inserts, [1, 2]);
  });

  it('drain() returns once every enqueued row is written, also rows enqueued while a write is under way', async () => {
    const { db, stored } = fakeDb(() => false);
    const logs = service(db);
    void logs.record(row(1));
    setImmediate(() => void logs.record(row(2)));
    await new Promise((r) => setImmediate(r));
    await logs.drain();
    assert.equal(stored.length, 2);
  });
});

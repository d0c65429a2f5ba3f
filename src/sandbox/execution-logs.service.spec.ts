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

/** A repository whose insert records what it stored and refuses rows by rule (like a FK violation). */
function fakeRepo(refuse: (r: ExecutionRecord) => boolean) {
  const stored: ExecutionRecord[] = [];
  const inserts: number[] = [];
  const repo = {
    insert: async (value: ExecutionRecord | ExecutionRecord[]) => {
      const rows = [value].flat();
      inserts.push(rows.length);
      if (rows.some(refuse)) throw new Error('violates foreign key constraint');
      stored.push(...rows);
    },
  } as unknown as Repository<ToolExecutionLog>;
  return { repo, stored, inserts };
}

describe('ExecutionLogsService', () => {
  it('writes the rows enqueued in one turn with one INSERT', async () => {
    const { repo, stored, inserts } = fakeRepo(() => false);
    const logs = new ExecutionLogsService(repo, {} as DataSource);
    await Promise.all([logs.record(row(1)), logs.record(row(2)), logs.record(row(3))]);
    assert.equal(stored.length, 3);
    assert.deepEqual(inserts, [3]);
  });

  it('a refused row costs no other row; one whose tool is gone is kept without the link', async () => {
    const { repo, stored } = fakeRepo((r) => r.toolId === 'tool-2' || r.serverId === 'deleted-server');
    const logs = new ExecutionLogsService(repo, {} as DataSource);
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
    const { repo, stored, inserts } = fakeRepo(() => false);
    const logs = new ExecutionLogsService(repo, {} as DataSource);
    await logs.record(row(1)); // after a quiet spell: written at once
    const later = [logs.record(row(2))];
    await new Promise((r) => setImmediate(r));
    later.push(logs.record(row(3)));
    await Promise.all(later);
    assert.equal(stored.length, 3);
    assert.deepEqual(inserts, [1, 2]);
  });

  it('drain() returns once every enqueued row is written, also rows enqueued while a write is under way', async () => {
    const { repo, stored } = fakeRepo(() => false);
    const logs = new ExecutionLogsService(repo, {} as DataSource);
    void logs.record(row(1));
    setImmediate(() => void logs.record(row(2)));
    await new Promise((r) => setImmediate(r));
    await logs.drain();
    assert.equal(stored.length, 2);
  });
});

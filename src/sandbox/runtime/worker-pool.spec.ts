import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { CodeLoader } from './code-loader';
import { WorkerPool, type WorkerJob } from './worker-pool';

// The pool alone (real worker processes): jobs go to a live worker, each worker is sent a
// tool's code once, and a worker that dies is replaced.
describe('WorkerPool', () => {
  const events: string[] = [];
  const pool = new WorkerPool({
    workers: 1,
    memoryMb: 64,
    maxResultSize: 65536,
    onEvent: (e) => events.push(e.message),
  });
  after(() => pool.close());

  async function job(code: string, over: Partial<WorkerJob> = {}): Promise<WorkerJob> {
    const prepared = await new CodeLoader().prepare(code, 'javascript', `hash-of-${code}`);
    assert.ok(prepared.ok);
    return {
      serverId: 'srv',
      codeKey: prepared.codeKey,
      source: prepared.source,
      args: {},
      secrets: {},
      timeoutMs: 5000,
      network: { allowedHosts: [], policy: 'require_approval', allowLoopback: false },
      ...over,
    };
  }

  it('takes no job before a worker is live', async () => {
    assert.equal(pool.run(await job('export const main = async () => 1;')), undefined);
    assert.equal(pool.liveCount, 0);
  });

  it("sends a tool's code to a worker once, and again after the server was evicted", async () => {
    await pool.start();
    const first = await job('export const main = async () => "compiled once";');
    assert.equal((await pool.run(first))?.value, 'compiled once');
    // The worker holds the code: the pool does not send it again (an empty source would not compile).
    assert.equal((await pool.run({ ...first, source: '' }))?.value, 'compiled once');
    await pool.evict('srv');
    const again = await pool.run({ ...first, source: '' });
    assert.equal(again?.success, false, 'after the eviction the (empty) source is sent again');
    await pool.evict('srv');
    assert.equal((await pool.run(first))?.value, 'compiled once');
  });

  it('fails the calls of a worker that dies, clearly, and replaces the worker', async () => {
    const restarts = pool.restarts;
    const bomb = await job(
      'export async function main() { const m = new Map(); for (let i = 0; ; i++) m.set(i, { i, s: "x" + i }); }',
      { timeoutMs: 60_000 },
    );
    const o = await pool.run(bomb);
    assert.match(o?.error ?? '', /sandbox worker running this call stopped/);
    assert.equal(pool.restarts, restarts + 1);
    for (let i = 0; i < 100 && pool.liveCount < 1; i++) await new Promise((r) => setTimeout(r, 50));
    assert.equal((await pool.run(await job('export const main = async () => "back";')))?.value, 'back');
    assert.ok(events.some((m) => /exited unexpectedly/.test(m)));
  });
});

import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { echo, fail, spin } from '../../../test/support/compute-fixtures';
import { ComputeBusy, ComputePool, ComputeTimeout, computeTask } from './compute-pool';

const FIXTURES = join(__dirname, '..', '..', '..', 'test', 'support', 'compute-fixtures.js');
const SPIN = computeTask(FIXTURES, { spin });
const ECHO = computeTask(FIXTURES, { echo });
const FAIL = computeTask(FIXTURES, { fail });

describe('ComputePool', () => {
  it('runs a task in a worker thread and returns its value', async () => {
    const pool = new ComputePool(1, 10);
    try {
      assert.deepEqual(await pool.run(ECHO, [{ a: [1, 'x'] }], { deadlineMs: 5000 }), { a: [1, 'x'] });
      await assert.rejects(pool.run(FAIL, ['boom'], { deadlineMs: 5000 }), /boom/);
    } finally {
      await pool.close();
    }
  });

  it('stops a task past its deadline (even a tight loop), and keeps serving the next ones', async () => {
    const pool = new ComputePool(1, 10);
    try {
      const started = Date.now();
      const loopStarted = performance.now();
      let ticks = 0;
      const ticker = setInterval(() => ticks++, 20);
      await assert.rejects(pool.run(SPIN, [60_000], { deadlineMs: 300 }), ComputeTimeout);
      clearInterval(ticker);
      assert.ok(Date.now() - started < 2000, `stopped after ${Date.now() - started} ms`);
      assert.ok(
        ticks >= 5,
        `the event loop ran meanwhile (${ticks} ticks in ${Math.round(performance.now() - loopStarted)} ms)`,
      );
      assert.equal(await pool.run(ECHO, ['next'], { deadlineMs: 5000 }), 'next');
    } finally {
      await pool.close();
    }
  });

  it('queues beyond its size and refuses beyond its queue (ComputeBusy)', async () => {
    const pool = new ComputePool(1, 1);
    try {
      const first = pool.run(SPIN, [200], { deadlineMs: 5000 });
      const queued = pool.run(ECHO, ['queued'], { deadlineMs: 5000 });
      await assert.rejects(pool.run(ECHO, ['refused'], { deadlineMs: 5000 }), ComputeBusy);
      assert.ok((await first) > 0);
      assert.equal(await queued, 'queued');
    } finally {
      await pool.close();
    }
  });
});

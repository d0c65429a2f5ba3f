import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { GroupCommitQueue } from './group-commit';

function recorder(opts: { batchSize?: number; minIntervalMs?: number; fail?: (batch: number[]) => boolean } = {}) {
  const writes: number[][] = [];
  const queue = new GroupCommitQueue<number>({
    batchSize: opts.batchSize ?? 100,
    minIntervalMs: opts.minIntervalMs ?? 0,
    write: async (batch) => {
      writes.push(batch);
      await sleep(1);
      if (opts.fail?.(batch)) throw new Error('refused');
    },
  });
  return { queue, writes };
}

describe('GroupCommitQueue', () => {
  it('writes the items pushed in one turn of the event loop together, in order, and not before the next turn', async () => {
    const { queue, writes } = recorder();
    for (let i = 0; i < 5; i++) queue.push(i);
    assert.deepEqual(writes, [], 'push never writes synchronously');
    await queue.drain();
    assert.deepEqual(writes, [[0, 1, 2, 3, 4]]);
    assert.equal(queue.size, 0);
  });

  it('cuts batches at batchSize and keeps every item', async () => {
    const { queue, writes } = recorder({ batchSize: 3 });
    for (let i = 0; i < 8; i++) queue.push(i);
    await queue.drain();
    assert.deepEqual(writes, [
      [0, 1, 2],
      [3, 4, 5],
      [6, 7],
    ]);
  });

  it('items pushed while a write is under way share the next write', async () => {
    const { queue, writes } = recorder();
    queue.push(1);
    await sleep(0);
    await sleep(0);
    queue.push(2);
    queue.push(3);
    await queue.drain();
    assert.deepEqual(writes, [[1], [2, 3]]);
  });

  it('under sustained traffic a write starts at most every minIntervalMs', async () => {
    const { queue, writes } = recorder({ minIntervalMs: 40 });
    const started = performance.now();
    for (let i = 0; i < 20; i++) {
      queue.push(i);
      await sleep(5);
    }
    await queue.drain();
    const elapsed = performance.now() - started;
    assert.equal(writes.flat().length, 20);
    assert.ok(writes.length <= Math.ceil(elapsed / 40) + 1, `${writes.length} writes in ${elapsed.toFixed(0)} ms`);
    assert.ok(writes.length < 20, 'items were grouped');
  });

  it('a refused write does not stop the queue', async () => {
    const { queue, writes } = recorder({ batchSize: 2, fail: (b) => b.includes(0) });
    for (let i = 0; i < 4; i++) queue.push(i);
    await queue.drain();
    assert.deepEqual(writes, [
      [0, 1],
      [2, 3],
    ]);
  });

  it('trimTo drops the oldest items beyond the bound and says how many', async () => {
    const { queue, writes } = recorder();
    for (let i = 0; i < 10; i++) queue.push(i);
    assert.equal(queue.trimTo(4), 6);
    assert.equal(queue.trimTo(4), 0);
    assert.equal(queue.size, 4);
    await queue.drain();
    assert.deepEqual(writes, [[6, 7, 8, 9]]);
  });
});

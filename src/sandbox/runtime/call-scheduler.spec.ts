import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CallScheduler, SandboxUnavailableError, serverShare } from './call-scheduler';

// The scheduler's decisions alone: calls are plain objects, nothing is forked or run.
interface TestCall {
  serverId: string;
  n: number;
}

let seq = 0;
const call = (serverId: string): TestCall => ({ serverId, n: ++seq });

/** Submits as the runtime does: start at once when allowed (and a worker is there), else queue. */
function submit(s: CallScheduler<TestCall>, c: TestCall, workerLive = true): 'run' | 'queued' {
  if (s.mayStart(c.serverId) && workerLive) {
    s.start(c);
    return 'run';
  }
  s.enqueue(c);
  return 'queued';
}

/** Starts every queued call that may start, in the scheduler's order. */
function startAll(s: CallScheduler<TestCall>): TestCall[] {
  const started: TestCall[] = [];
  for (let c = s.next(); c; c = s.next()) started.push(c);
  return started;
}

describe('CallScheduler', () => {
  it('gives one server three quarters of the slots and of the queue (rounded down, at least one)', () => {
    assert.deepEqual(
      [1, 2, 3, 4, 8, 10, 16, 1000].map((n) => serverShare(n)),
      [1, 2, 3, 3, 6, 8, 12, 750],
    );
    const s = new CallScheduler<TestCall>({ maxConcurrency: 8, queueSize: 100 });
    assert.deepEqual([s.serverSlots, s.serverQueue], [6, 75]);
  });

  it('runs calls at once up to the limit, then queues them, first come first served', () => {
    const s = new CallScheduler<TestCall>({ maxConcurrency: 2, queueSize: 10 });
    const [a, b, c, d] = ['x', 'y', 'z', 'w'].map(call);
    assert.deepEqual([submit(s, a), submit(s, b), submit(s, c), submit(s, d)], ['run', 'run', 'queued', 'queued']);
    assert.deepEqual([s.inFlight, s.queued], [2, 2]);
    assert.equal(s.next(), undefined, 'no slot free');
    s.finished(a);
    assert.deepEqual(startAll(s), [c]);
    s.finished(b);
    assert.deepEqual(startAll(s), [d]);
    assert.deepEqual([s.inFlight, s.queued], [2, 0]);
  });

  it('passes over the queued calls of a server at its share, and lets them run once it is below', () => {
    const s = new CallScheduler<TestCall>({ maxConcurrency: 4, queueSize: 10 });
    const hog = Array.from({ length: 5 }, () => call('hog'));
    const results = hog.map((c) => submit(s, c));
    assert.deepEqual(results, ['run', 'run', 'run', 'queued', 'queued'], 'the hog holds 3 of 4 slots');
    const other = call('other');
    assert.equal(submit(s, other), 'run', "another server's call takes the last slot at once");
    s.finished(hog[0]);
    assert.deepEqual(startAll(s), [hog[3]]);
    s.finished(other);
    assert.deepEqual(startAll(s), [], 'the hog is at its share again: its next call waits although a slot is free');
    assert.equal(submit(s, call('third')), 'run', 'and the free slot goes to another server');
  });

  it('never lets a new call overtake a queued one that could run', () => {
    const s = new CallScheduler<TestCall>({ maxConcurrency: 2, queueSize: 10 });
    const [a, b, c] = ['x', 'y', 'z'].map(call);
    submit(s, a);
    submit(s, b);
    assert.equal(submit(s, c), 'queued');
    s.finished(a);
    // A slot is free, but c was first: the newcomer waits behind it.
    const late = call('late');
    assert.equal(s.mayStart(late.serverId), false);
    assert.equal(submit(s, late), 'queued');
    assert.deepEqual(startAll(s), [c]);
  });

  it('queues everything while no worker is live, and starts in order once one is', () => {
    const s = new CallScheduler<TestCall>({ maxConcurrency: 4, queueSize: 10 });
    const calls = ['a', 'b', 'c'].map(call);
    assert.deepEqual(
      calls.map((c) => submit(s, c, false)),
      ['queued', 'queued', 'queued'],
    );
    assert.deepEqual(startAll(s), calls);
  });

  it('refuses a call at once when the queue or the server’s share of it is full, and admits nothing beyond', () => {
    const s = new CallScheduler<TestCall>({ maxConcurrency: 1, queueSize: 4 });
    submit(s, call('hog'));
    for (let i = 0; i < 3; i++) assert.equal(submit(s, call('hog')), 'queued');
    assert.throws(
      () => s.admit('hog'),
      (e: Error) =>
        e instanceof SandboxUnavailableError && /this server's calls: 1 running and 3 queued/.test(e.message),
    );
    assert.throws(() => s.enqueue(call('hog')), /this server's calls/);
    s.admit('other');
    assert.equal(submit(s, call('other')), 'queued', 'another server still finds a place');
    assert.throws(
      () => s.admit('third'),
      (e: Error) =>
        e instanceof SandboxUnavailableError && /1 calls running and 4 queued \(SANDBOX_QUEUE_SIZE\)/.test(e.message),
    );
    assert.throws(() => s.enqueue(call('third')), /4 calls queued \(SANDBOX_QUEUE_SIZE\)/);
  });

  it('gives the waiting calls back at shutdown and forgets them', () => {
    const s = new CallScheduler<TestCall>({ maxConcurrency: 1, queueSize: 4 });
    const running = call('a');
    submit(s, running);
    const waiting = [call('a'), call('b')];
    for (const c of waiting) submit(s, c);
    assert.deepEqual(s.drainQueue(), waiting);
    assert.deepEqual([s.queued, s.inFlight], [0, 1]);
    s.finished(running);
    assert.equal(s.next(), undefined);
    s.admit('a');
  });
});

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { executionRequest } from '../../../test/support/execution-request';
import { GuardedHttpClient } from '../../guarded-http/guarded-http-client';
import { CallBridge } from './call-bridge';
import type { NetworkRules } from './contract';
import { MAX_HOST_BYTES_PER_CALL, MAX_TIMERS_PER_CALL, TIMER_BYTES } from './host-budget';
import { SandboxRuntime } from './sandbox-runtime';

// What a call makes the worker process hold OUTSIDE its isolate (request bodies waiting for
// a slot, response bodies not yet delivered, timers) is bounded per call (issue 13.1).
const MiB = 1024 * 1024;
const BUDGET_ERROR =
  /this call holds [\d.]+ MiB of request\/response data in the host and needs [\d.]+ MiB more \(limit 32 MiB\); wait for earlier requests to finish/;
/** Worker peak RSS allowed under the attack: the worker grew to 1.7 GB without the budget. */
const MAX_WORKER_RSS = 512 * MiB;

async function listen(server: Server): Promise<number> {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return (server.address() as AddressInfo).port;
}

describe('the host memory a call can hold is bounded', () => {
  const rt = new SandboxRuntime({ workers: 1, memoryMb: 128, maxResultSize: 65536, maxConcurrency: 2, queueSize: 2 });
  let slow: Server;
  let slowPort = 0;
  let bodiesReceived = 0;
  let big: Server;
  let bigPort = 0;
  const network = (port: number): NetworkRules => ({
    allowedHosts: [{ host: '127.0.0.1', port }],
    policy: 'require_approval',
    allowLoopback: true,
  });

  before(async () => {
    // A slow host: reads each body, answers a second later.
    slow = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        bodiesReceived++;
        setTimeout(() => res.end('ok'), 1000);
      });
    });
    slowPort = await listen(slow);
    big = createServer((_req, res) => res.end(Buffer.alloc(10 * MiB, 98)));
    bigPort = await listen(big);
    await rt.start();
  });
  after(async () => {
    slow.close();
    big.close();
    await rt.close();
  });

  it('100 fetches with 10 MiB bodies towards a slow host: the excess is refused clearly, the worker stays small', async () => {
    const [start] = await rt.workerInfo();
    const code = `export async function main({ url }) {
      const body = 'x'.repeat(10 * 1024 * 1024);
      const results = await Promise.allSettled(Array.from({ length: 100 }, () => fetch(url, { method: 'POST', body }).then((r) => r.text())));
      const refused = results.filter((r) => r.status === 'rejected').map((r) => r.reason.message);
      return { ok: results.length - refused.length, refused };
    }`;
    const o = await rt.execute(
      executionRequest('srv-flood', code, {
        args: { url: `http://127.0.0.1:${slowPort}/` },
        network: network(slowPort),
        timeoutMs: 60_000,
      }),
    );
    const [end] = await rt.workerInfo();
    assert.equal(o.success, true, o.error);
    const v = o.value as { ok: number; refused: string[] };
    // 32 MiB hold three 10 MiB bodies at once; the tool can catch the rest and retry later.
    assert.equal(v.ok, 3);
    assert.equal(v.refused.length, 97);
    for (const m of v.refused) assert.match(m, BUDGET_ERROR);
    assert.equal(bodiesReceived, 3);
    console.log(
      `worker RSS: ${(start.rss / MiB).toFixed(0)} MiB before, peak ${(end.maxRss / MiB).toFixed(0)} MiB under the attack`,
    );
    assert.ok(end.maxRss < MAX_WORKER_RSS, `the worker peaked at ${(end.maxRss / MiB).toFixed(0)} MiB`);
  });

  it('responses read while the isolate is busy count until delivered: beyond the budget a read fails', async () => {
    const code = `export async function main({ url }) {
      const pending = Array.from({ length: 8 }, () => fetch(url).then((r) => r.arrayBuffer()).then((b) => b.byteLength));
      // The isolate is busy: no response can be delivered, each is held by the host meanwhile
      // (long enough for the host to read every body, even on a busy machine).
      const until = Date.now() + 5000;
      while (Date.now() < until);
      const results = await Promise.allSettled(pending);
      return results.map((r) => (r.status === 'fulfilled' ? r.value : r.reason.message));
    }`;
    const o = await rt.execute(
      executionRequest('srv-responses', code, {
        args: { url: `http://127.0.0.1:${bigPort}/` },
        network: network(bigPort),
        timeoutMs: 30_000,
      }),
    );
    assert.equal(o.success, true, o.error);
    const results = o.value as (number | string)[];
    const delivered = results.filter((r) => r === 10 * MiB).length;
    const refused = results.filter((r) => typeof r === 'string');
    assert.ok(delivered >= 1 && delivered <= 3, `${delivered} responses delivered: ${JSON.stringify(results)}`);
    assert.equal(delivered + refused.length, 8);
    for (const m of refused) assert.match(String(m), new RegExp(`fetch failed: ${BUDGET_ERROR.source}`));
    const [info] = await rt.workerInfo();
    assert.ok(info.maxRss < MAX_WORKER_RSS, `the worker peaked at ${(info.maxRss / MiB).toFixed(0)} MiB`);
  });
});

describe('CallBridge counts what it holds for the call (the host side alone)', () => {
  const http = new GuardedHttpClient();
  const rules: NetworkRules = { allowedHosts: [], policy: 'require_approval', allowLoopback: false };

  it(`refuses a timer beyond ${MAX_TIMERS_PER_CALL}, and frees the count when one is cancelled or fires`, async () => {
    const bridge = new CallBridge(http, rules, Date.now() + 10_000);
    const delivered: number[] = [];
    bridge.deliver = async (id) => void delivered.push(id);
    const ids: number[] = [];
    for (let i = 0; i < MAX_TIMERS_PER_CALL; i++) {
      const [ok, id] = bridge.handle('sleep', 60_000);
      assert.equal(ok, true);
      ids.push(id as number);
    }
    assert.equal(bridge.budget.bytes, MAX_TIMERS_PER_CALL * TIMER_BYTES);
    assert.deepEqual(bridge.handle('sleep', 1), [
      false,
      `too many pending timers (at most ${MAX_TIMERS_PER_CALL} per call)`,
    ]);
    bridge.handle('cancel', ids[0]);
    const [ok, id] = bridge.handle('sleep', 1);
    assert.equal(ok, true);
    await new Promise((r) => setTimeout(r, 30));
    assert.deepEqual(delivered, [id]);
    assert.equal(bridge.budget.timers, MAX_TIMERS_PER_CALL - 1);
    bridge.close();
  });

  it('refuses a request body beyond the budget before copying it, and gives the bytes back when a request ends', async () => {
    let release: () => void = () => undefined;
    const gate = new Promise<void>((r) => (release = r));
    const peer = createServer((req, res) => {
      req.resume();
      void gate.then(() => res.end('done'));
    });
    const port = await listen(peer);
    try {
      const bridge = new CallBridge(
        http,
        { ...rules, allowedHosts: [{ host: '127.0.0.1', port }], allowLoopback: true },
        Date.now() + 10_000,
      );
      const settled: boolean[] = [];
      bridge.deliver = async (_id, ok) => void settled.push(ok);
      const body = 'y'.repeat(10 * MiB);
      const req = { url: `http://127.0.0.1:${port}/`, method: 'POST', headers: [], body };
      for (let i = 0; i < 3; i++) assert.equal(bridge.handle('fetch', req)[0], true);
      assert.ok(bridge.budget.bytes >= 30 * MiB && bridge.budget.bytes <= MAX_HOST_BYTES_PER_CALL);
      const [ok, message] = bridge.handle('fetch', req);
      assert.equal(ok, false);
      assert.match(String(message), BUDGET_ERROR);
      release();
      for (let i = 0; i < 100 && settled.length < 3; i++) await new Promise((r) => setTimeout(r, 20));
      assert.deepEqual(settled, [true, true, true]);
      assert.equal(bridge.budget.bytes, 0, 'every byte is given back');
      assert.equal(bridge.handle('fetch', req)[0], true, 'and the next request is taken');
      bridge.close();
    } finally {
      peer.close();
    }
  });
});

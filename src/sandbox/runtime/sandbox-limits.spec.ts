import { after, afterEach, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ExecutionOutcome, ExecutionRequest, RuntimeEvent } from './contract';
import { SandboxRuntime } from './sandbox-runtime';
import { executionRequest } from '../../../test/support/execution-request';

// Every attack of issue 4, through the real runtime (2 worker processes): each must end
// only its own call, with a clear error, and leave the host and the other servers working.
const MAX_RESULT = 1024 * 1024;
const MEMORY_MB = 64;

const request = (serverId: string, code: string, over: Partial<ExecutionRequest> = {}): ExecutionRequest =>
  executionRequest(serverId, code, {
    toolName: 'attack',
    secrets: { OWN: 'own-secret-value' },
    timeoutMs: 1500,
    ...over,
  });

describe('SandboxRuntime limits: every attack ends only its own call', () => {
  const events: RuntimeEvent[] = [];
  const rt = new SandboxRuntime({
    workers: 2,
    memoryMb: MEMORY_MB,
    maxResultSize: MAX_RESULT,
    maxConcurrency: 16,
    queueSize: 100,
    onEvent: (e) => events.push(e),
  });
  const run = (serverId: string, code: string, over: Partial<ExecutionRequest> = {}) =>
    rt.execute(request(serverId, code, over));
  const NORMAL = 'export async function main({ n = 1 }) { return { n, twice: n * 2 }; }';

  /** After each attack: a normal call on the attacked server and on another server still work. */
  async function stillHealthy(attacked: string) {
    for (const server of [attacked, 'bystander']) {
      const o = await run(server, NORMAL, { args: { n: 4 } });
      assert.equal(o.success, true, `${server}: ${o.error}`);
      assert.deepEqual(o.value, { n: 4, twice: 8 });
    }
  }
  const expectError = (o: ExecutionOutcome, pattern: RegExp) => {
    assert.equal(o.success, false);
    assert.equal(o.isError, true);
    assert.match(o.error ?? '', pattern);
    assert.deepEqual(o.content, [{ type: 'text', text: o.error }]);
  };

  before(() => rt.start());
  after(() => rt.close());
  afterEach(() => assert.equal(rt.stats().inFlight, 0));

  it('an infinite loop in main times out', async () => {
    const t = Date.now();
    const o = await run('atk-loop', 'export async function main() { console.log("spinning"); while (true) {} }', {
      timeoutMs: 800,
    });
    expectError(o, /^Timed out after 800 ms/);
    assert.ok(Date.now() - t < 3000);
    assert.equal(o.stdout, 'spinning\n', 'output printed before the overrun is kept');
    await stillHealthy('atk-loop');
  });

  it('an infinite loop in module top-level code times out', async () => {
    const o = await run('atk-top', 'for (;;) {}\nexport async function main() { return 1; }', { timeoutMs: 800 });
    expectError(o, /^Timed out after 800 ms/);
    await stillHealthy('atk-top');
  });

  it('a loop after an await of a host bridge (timer) still times out', async () => {
    const o = await run(
      'atk-async-loop',
      'export async function main() { await new Promise((r) => setTimeout(r, 10)); for (;;) {} }',
      { timeoutMs: 800 },
    );
    expectError(o, /^Timed out after 800 ms/);
    await stillHealthy('atk-async-loop');
  });

  it('a promise that never settles times out', async () => {
    const o = await run('atk-never', 'export async function main() { await new Promise(() => {}); }', {
      timeoutMs: 600,
    });
    expectError(o, /^Timed out after 600 ms/);
    await stillHealthy('atk-never');
  });

  it('catastrophic regex backtracking (ReDoS) times out', async () => {
    const o = await run('atk-redos', 'export async function main() { return /^(a+)+$/.test("a".repeat(40) + "!"); }', {
      timeoutMs: 800,
    });
    expectError(o, /^Timed out/);
    await stillHealthy('atk-redos');
  });

  it('deep recursion is a RangeError result', async () => {
    const o = await run(
      'atk-rec',
      'function down(n) { return down(n + 1) + 1; }\nexport async function main() { return down(0); }',
    );
    expectError(o, /^RangeError: Maximum call stack size exceeded$/);
    await stillHealthy('atk-rec');
  });

  it('an array memory bomb hits the isolate memory limit', async () => {
    const o = await run(
      'atk-mem',
      'export async function main() { const hog = []; for (;;) hog.push(new Array(1e5).fill(Math.random())); }',
      { timeoutMs: 20000 },
    );
    expectError(o, new RegExp(`^Memory limit exceeded: the tool used more than ${MEMORY_MB} MB`));
    await stillHealthy('atk-mem');
  });

  it('a Map-filling bomb kills only its worker: the call fails clearly, the worker is replaced, a call on the other worker is unaffected', async () => {
    events.length = 0;
    const restarts = rt.stats().workerRestarts;
    // A call of another server holds the first worker while the bomb lands on the least-loaded other one.
    const bystander = run(
      'bystander-long',
      'export async function main() { await new Promise((r) => setTimeout(r, 1500)); return "survived"; }',
      { timeoutMs: 10000 },
    );
    await new Promise((r) => setTimeout(r, 50));
    const bomb = await run(
      'atk-map',
      'export async function main() { const m = new Map(); for (let i = 0; ; i++) m.set(i, { i, s: "x" + i }); }',
      { timeoutMs: 60000 },
    );
    expectError(bomb, /sandbox worker running this call stopped/);
    assert.equal((await bystander).value, 'survived');
    assert.equal(rt.stats().workerRestarts, restarts + 1);
    assert.ok(
      events.some(
        (e) =>
          e.level === 'warning' &&
          /exited unexpectedly/.test(e.message) &&
          (e.details?.servers as string[]).includes('atk-map'),
      ),
    );
    for (let i = 0; i < 50 && rt.stats().workers < 2; i++) await new Promise((r) => setTimeout(r, 50));
    assert.equal(rt.stats().workers, 2, 'the worker was replaced');
    await stillHealthy('atk-map');
    // Both workers serve again.
    const many = await Promise.all(
      Array.from({ length: 6 }, (_, i) => run(`after-map-${i}`, NORMAL, { args: { n: i } })),
    );
    assert.deepEqual(
      many.map((o) => o.success),
      [true, true, true, true, true, true],
    );
  });

  it('a 50 MB result is truncated with a notice and harms nothing', async () => {
    const o = await run('atk-big', 'export async function main() { return "x".repeat(50 * 1024 * 1024); }', {
      timeoutMs: 10000,
    });
    assert.equal(o.success, true, o.error);
    assert.equal(o.truncated, true);
    const t = o.content[0].type === 'text' ? o.content[0].text : '';
    assert.ok(t.length <= MAX_RESULT + 200, `length ${t.length}`);
    assert.match(t, /\[result truncated: 52428800 characters, over the 1048576-byte limit/);
    const json = await run(
      'atk-big',
      'export async function main() { return { rows: Array.from({ length: 200000 }, (_, i) => ({ i, pad: "p".repeat(100) })) }; }',
      {
        timeoutMs: 10000,
      },
    );
    assert.equal(json.truncated, true);
    assert.equal(json.structuredContent, undefined, 'no structuredContent for a cut result');
    await stillHealthy('atk-big');
  });

  it('a flood of console output is capped at 1 MiB with a notice', async () => {
    const o = await run(
      'atk-flood',
      'export async function main() { for (let i = 0; i < 200000; i++) console.log(i, "y".repeat(100)); return "flooded"; }',
      { timeoutMs: 10000 },
    );
    assert.equal(o.value, 'flooded');
    assert.ok(Buffer.byteLength(o.stdout) <= 1024 * 1024 + 200, `stdout ${o.stdout.length}`);
    assert.match(o.stdout, /\[stdout truncated: the output exceeded 1048576 bytes\]\n$/);
    const endless = await run('atk-flood', 'export async function main() { for (;;) console.log("z".repeat(1000)); }', {
      timeoutMs: 800,
    });
    expectError(endless, /^Timed out/);
    assert.ok(endless.stdout.length <= 1024 * 1024 + 200);
    await stillHealthy('atk-flood');
  });

  describe('1000 outbound requests', () => {
    let peer: Server;
    let port = 0;
    let active = 0;
    let maxActive = 0;
    let total = 0;
    before(async () => {
      peer = createServer((_req, res) => {
        active++;
        total++;
        maxActive = Math.max(maxActive, active);
        setTimeout(() => {
          active--;
          res.end('ok');
        }, 2);
      });
      await new Promise<void>((r) => peer.listen(0, '127.0.0.1', r));
      port = (peer.address() as AddressInfo).port;
    });
    after(() => peer.close());

    it('run at most 10 at a time per call; the 1001st is refused', async () => {
      const code = `export async function main() {
        const url = 'http://127.0.0.1:${port}/';
        const results = await Promise.allSettled(Array.from({ length: 1001 }, () => fetch(url).then((r) => r.text())));
        const ok = results.filter((r) => r.status === 'fulfilled' && r.value === 'ok').length;
        const refused = results.filter((r) => r.status === 'rejected').map((r) => r.reason.message);
        return { ok, refused };
      }`;
      const o = await run('atk-http', code, {
        timeoutMs: 30000,
        network: { allowedHosts: [{ host: '127.0.0.1', port }], policy: 'require_approval', allowLoopback: true },
      });
      assert.equal(o.success, true, o.error);
      const v = o.value as { ok: number; refused: string[] };
      assert.equal(v.ok, 1000);
      assert.equal(v.refused.length, 1);
      assert.match(v.refused[0], /at most 1000 outbound requests per call/);
      assert.equal(total, 1000);
      assert.ok(maxActive <= 10, `max concurrent ${maxActive}`);
      assert.ok(maxActive >= 2, 'requests did run in parallel');
      await stillHealthy('atk-http');
    });
  });

  it('cannot reach process, require, the Function constructor or host prototypes', async () => {
    const code = `export async function main() {
      const probe = (f) => { try { const v = f(); return v === undefined ? 'undefined' : typeof v === 'object' || typeof v === 'function' ? 'REACHED ' + Object.keys(v).slice(0, 5).join(',') : String(v); } catch (e) { return 'blocked: ' + e.constructor.name; } };
      let frames = 'none';
      Error.prepareStackTrace = (_e, cs) => cs.map((c) => { const t = c.getThis(); return t && t.process ? 'PROCESS' : typeof c.getFunction(); }).join(',');
      try { crypto.digest('nope', 'x'); } catch (e) { frames = String(e.stack); }
      Error.prepareStackTrace = undefined;
      const u = new URL('http://a.example/');
      return {
        process: typeof process,
        globalProcess: probe(() => globalThis.process),
        ctorCtor: probe(() => globalThis.constructor.constructor('return process')()),
        thisCtor: probe(() => (function () { return this; })()),
        fetchCtor: probe(() => fetch.constructor('return process')()),
        asyncCtor: await (async () => {}).constructor('return typeof process')(),
        urlParts: probe(() => Object.getPrototypeOf(u.parts).constructor.constructor('return process')()),
        consoleCtor: probe(() => console.log.constructor('return typeof require')()),
        bridgeReply: probe(() => crypto.getRandomValues(new Uint8Array(1)).constructor.constructor('return process')()),
        requireFs: probe(() => require('fs')),
        requireChild: probe(() => require('child_process')),
        frames,
        protoIsOwn: Object.getPrototypeOf(Object.getPrototypeOf(u.parts)) === null && Object.getPrototypeOf(u.parts) === Object.prototype,
        names: Object.getOwnPropertyNames(globalThis).filter((n) => /^(process|require|module|exports|Buffer|global|setImmediate)$/.test(n) || (n.startsWith('__') && !/^__mcpbox_control_[0-9a-f]{24}$/.test(n))),
        control: Object.getOwnPropertyNames(globalThis).filter((n) => n.startsWith('__mcpbox')).map((n) => [typeof globalThis[n], String(globalThis[n]('stdout'))]),
        sab: typeof SharedArrayBuffer, atomics: typeof Atomics, wasm: typeof WebAssembly,
      };
    }`;
    const o = await run('atk-escape', code);
    assert.equal(o.success, true, o.error);
    const v = o.value as Record<string, unknown>;
    assert.equal(v.process, 'undefined');
    assert.equal(v.asyncCtor, 'undefined');
    for (const k of ['globalProcess', 'ctorCtor', 'fetchCtor', 'urlParts', 'bridgeReply'])
      assert.match(String(v[k]), /^(undefined|blocked: ReferenceError)$/, `${k}: ${String(v[k])}`);
    assert.equal(v.consoleCtor, 'undefined');
    assert.equal(v.thisCtor, 'undefined', 'strict mode: no sloppy this');
    assert.match(String(v.requireFs), /^blocked: Error$/);
    assert.match(String(v.requireChild), /^blocked: Error$/);
    assert.doesNotMatch(String(v.frames), /PROCESS/);
    assert.equal(v.protoIsOwn, true);
    assert.deepEqual(v.names, []);
    // The call's own control function is the only extra: it can only read this call's stdout or settle its own pending ops.
    assert.deepEqual(v.control, [['function', '']]);
    assert.deepEqual([v.sab, v.atomics, v.wasm], ['undefined', 'undefined', 'undefined']);
    assert.doesNotMatch(JSON.stringify(o), /own-secret-value/);
    await stillHealthy('atk-escape');
  });

  it('reports no worker event for attacks that the isolate contains', () => {
    assert.deepEqual(
      events.filter((e) => !/worker/i.test(e.message)),
      [],
    );
  });
});

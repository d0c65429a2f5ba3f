import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { ExecutionOutcome, ExecutionRequest } from './contract';
import { SandboxRuntime } from './sandbox-runtime';
import { executionRequest } from '../../../test/support/execution-request';

// Attacks on what the host takes back from the isolate: the in-isolate runner is tool-reachable
// (prototypes can be changed), so every size limit must hold on the host side too.
const MAX_RESULT = 64 * 1024;

const request = (serverId: string, code: string, over: Partial<ExecutionRequest> = {}): ExecutionRequest =>
  executionRequest(serverId, code, { toolName: 'attack', secrets: { OWN: 'own-secret-value' }, ...over });

const size = (o: ExecutionOutcome) => JSON.stringify(o).length;

describe('SandboxRuntime: the host enforces the result limits, whatever the isolate hands back', () => {
  const rt = new SandboxRuntime({
    workers: 1,
    memoryMb: 128,
    maxResultSize: MAX_RESULT,
    maxConcurrency: 4,
    queueSize: 10,
  });
  const run = (serverId: string, code: string, over: Partial<ExecutionRequest> = {}) =>
    rt.execute(request(serverId, code, over));
  before(() => rt.start());
  after(() => rt.close());

  it('a huge thrown message is cut', async () => {
    const o = await run('s1', 'export async function main() { throw new Error("e".repeat(20 * 1024 * 1024)); }');
    assert.equal(o.success, false);
    assert.ok(Buffer.byteLength(o.error ?? '') <= MAX_RESULT + 200, `error of ${o.error?.length} characters`);
    assert.match(o.error ?? '', /\[error message truncated: over the 65536-byte limit/);
    assert.ok(size(o) < MAX_RESULT * 3, `outcome of ${size(o)} bytes`);
  });

  it('a huge thrown non-Error value is cut', async () => {
    const o = await run('s1', 'export async function main() { throw { big: "e".repeat(20 * 1024 * 1024) }; }');
    assert.equal(o.success, false);
    assert.ok(Buffer.byteLength(o.error ?? '') <= MAX_RESULT + 200, `error of ${o.error?.length} characters`);
    assert.match(o.error ?? '', /\[error message truncated: over the 65536-byte limit/);
    assert.ok(size(o) < MAX_RESULT * 3, `outcome of ${size(o)} bytes`);
  });

  it('a content result cannot grow past the limit through a prototype setter on the envelope', async () => {
    const code = `export async function main() {
      const big = JSON.stringify([{ type: 'text', text: 'x'.repeat(20 * 1024 * 1024) }]);
      Object.defineProperty(Object.prototype, 'data', { configurable: true, set(v) { Object.defineProperty(this, 'data', { value: big, enumerable: true }); } });
      return { content: [{ type: 'text', text: 'small' }] };
    }`;
    const o = await run('s2', code);
    assert.ok(size(o) < MAX_RESULT * 2, `outcome of ${size(o)} bytes`);
  });

  it('a content result cannot grow past the limit through Array.prototype.join', async () => {
    const code = `export async function main() {
      const big = '{"type":"text","text":"' + 'x'.repeat(20 * 1024 * 1024) + '"}';
      Array.prototype.join = function () { return big; };
      return { content: [{ type: 'text', text: 'small' }] };
    }`;
    const o = await run('s2', code);
    assert.ok(size(o) < MAX_RESULT * 2, `outcome of ${size(o)} bytes`);
  });

  it('structuredContent cannot grow past the limit through a prototype setter', async () => {
    const code = `export async function main() {
      const big = JSON.stringify({ x: 'x'.repeat(20 * 1024 * 1024) });
      Object.defineProperty(Object.prototype, 'structured', { configurable: true, set(v) { Object.defineProperty(this, 'structured', { value: big, enumerable: true }); } });
      return { content: [{ type: 'text', text: 'small' }], structuredContent: { a: 1 } };
    }`;
    const o = await run('s2', code);
    assert.ok(size(o) < MAX_RESULT * 2, `outcome of ${size(o)} bytes`);
  });

  it('stdout replaced by a huge value through a prototype setter is cut', async () => {
    const code = `export async function main() {
      const big = 'o'.repeat(20 * 1024 * 1024);
      Object.defineProperty(Object.prototype, 'kind', { configurable: true, set(v) { Object.defineProperty(this, 'stdout', { value: big, enumerable: true }); Object.defineProperty(this, 'kind', { value: v, enumerable: true }); } });
      return 'fine';
    }`;
    const o = await run('s2', code);
    assert.ok(size(o) < 2 * 1024 * 1024, `outcome of ${size(o)} bytes`);
  });

  it('an envelope getter that never returns ends with the call', async () => {
    // The envelope is built as literals; only `structured` is set on it afterwards, so a
    // prototype setter can plant a getter there that the host's copy would run.
    const code = `export async function main() {
      Object.defineProperty(Object.prototype, 'structured', { configurable: true, set(v) { Object.defineProperty(this, 'structured', { get() { for (;;) {} }, enumerable: true }); } });
      return { content: [{ type: 'text', text: 'fine' }], structuredContent: { a: 1 } };
    }`;
    const t = Date.now();
    const o = await run('s3', code, { timeoutMs: 800 });
    assert.equal(o.success, false);
    assert.ok(Date.now() - t < 4000);
    const ok = await run('s3', 'export async function main() { return 1; }');
    assert.equal(ok.success, true, ok.error);
    // A setter for a field the envelope gets as a literal never runs: the result is untouched.
    const literal = await run(
      's3',
      `export async function main() {
        Object.defineProperty(Object.prototype, 'kind', { configurable: true, set(v) { Object.defineProperty(this, 'kind', { get() { for (;;) {} }, enumerable: true }); } });
        return 'fine';
      }`,
      { timeoutMs: 800 },
    );
    assert.deepEqual([literal.success, literal.value], [true, 'fine']);
  });

  it('an honest content result cut inside a text block full of escapes stays within the limit', async () => {
    const o = await run(
      's5',
      'export async function main() { return { content: [{ type: "text", text: "\\u0001".repeat(200000) }] }; }',
    );
    assert.equal(o.success, true, o.error);
    assert.equal(o.truncated, true);
    assert.ok(size(o) < MAX_RESULT * 2, `outcome of ${size(o)} bytes`);
  });

  it('a Proxy or a throwing toJSON as result is an isError result, not a sandbox failure', async () => {
    for (const ret of [
      'new Proxy({}, { ownKeys() { for (;;) {} } })',
      '{ toJSON() { throw new Error("nope"); } }',
      '(() => { const a = {}; a.a = a; return a; })()',
    ]) {
      const o = await run('s4', `export async function main() { return ${ret}; }`, { timeoutMs: 800 });
      assert.equal(o.success, false, ret);
      const ok = await run('s4', 'export async function main() { return 1; }');
      assert.equal(ok.success, true, ok.error);
    }
  });
});

describe('SandboxRuntime: one server cannot take every slot or the whole queue', () => {
  const rt = new SandboxRuntime({
    workers: 1,
    memoryMb: 64,
    maxResultSize: MAX_RESULT,
    maxConcurrency: 4,
    queueSize: 8,
  });
  const run = (serverId: string, code: string, over: Partial<ExecutionRequest> = {}) =>
    rt.execute(request(serverId, code, over));
  const SLOW = 'export async function main() { await new Promise((r) => setTimeout(r, 1500)); return "slow"; }';
  const QUICK = 'export async function main() { return "quick"; }';
  before(() => rt.start());
  after(() => rt.close());

  it("another server's call runs at once while one server has many slow calls in flight and queued", async () => {
    const hog = Array.from({ length: 6 }, () => run('hog', SLOW));
    await new Promise((r) => setTimeout(r, 200));
    const t = Date.now();
    const o = await run('bystander', QUICK);
    assert.equal(o.value, 'quick', o.error);
    assert.ok(Date.now() - t < 1000, `the bystander waited ${Date.now() - t} ms behind the hog`);
    const done = await Promise.all(hog);
    assert.ok(done.every((d) => d.value === 'slow'));
    assert.equal(rt.stats().inFlight, 0);
  });

  it("a server that fills its share of the queue is refused, another server's call is still taken", async () => {
    const hog: Promise<ExecutionOutcome>[] = [];
    const refused: string[] = [];
    for (let i = 0; i < 12; i++)
      hog.push(
        run('hog', SLOW).catch((e: Error) => (refused.push(e.message), undefined) as unknown as ExecutionOutcome),
      );
    await new Promise((r) => setTimeout(r, 200));
    assert.ok(refused.length >= 1, 'the hog is refused beyond its share');
    assert.match(refused[0], /busy/);
    const o = await run('bystander', QUICK);
    assert.equal(o.value, 'quick', o.error);
    await Promise.all(hog);
    assert.equal(rt.stats().inFlight, 0);
    assert.equal(rt.stats().queued, 0);
  });
});

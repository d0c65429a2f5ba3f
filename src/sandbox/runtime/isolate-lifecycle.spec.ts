import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { executionRequest } from '../../../test/support/execution-request';
import { SandboxRuntime } from './sandbox-runtime';
import { MAX_SCRIPTS_PER_ISOLATE } from './server-isolates';

// One worker: every call of a server shares that worker's isolate of the server.
describe('a server isolate shared by calls', () => {
  const rt = new SandboxRuntime({ workers: 1, memoryMb: 64, maxResultSize: 65536, maxConcurrency: 4, queueSize: 8 });
  before(() => rt.start());
  after(() => rt.close());

  it('gives each call its control function under a new random name', async () => {
    const code =
      'export async function main() { return Object.getOwnPropertyNames(globalThis).filter((n) => n.startsWith("__mcpbox")); }';
    const names = await Promise.all([1, 2, 3].map(() => rt.execute(executionRequest('srv-ctl', code))));
    const seen = names.map((o) => o.value as string[]);
    for (const list of seen) {
      assert.equal(list.length, 1);
      assert.match(list[0], /^__mcpbox_control_[0-9a-f]{24}$/);
    }
    assert.equal(new Set(seen.map((l) => l[0])).size, 3);
  });

  it("a call that loses the isolate to a sibling's memory overrun gets the clear reset message", async () => {
    // The waiting call's promise can be settled by nothing: the sibling's garbage makes V8 collect it
    // (isolated-vm: "Promise was abandoned") before the isolate dies of the sibling's overrun.
    const waiting = rt.execute(
      executionRequest('srv-reset', 'export async function main() { await new Promise(() => {}); }', {
        timeoutMs: 10_000,
      }),
    );
    await new Promise((r) => setTimeout(r, 100));
    const bomb = await rt.execute(
      executionRequest(
        'srv-reset',
        'export async function main() { const hog = []; for (;;) hog.push(new Array(1e5).fill(Math.random())); }',
        { timeoutMs: 20_000 },
      ),
    );
    assert.match(bomb.error ?? '', /^Memory limit exceeded/);
    const lost = await waiting;
    assert.equal(
      lost.error,
      'The sandbox of this server was reset during the call (the server was stopped, or another call hit a limit)',
    );
    assert.ok(lost.durationMs < 5000, `answered when the isolate went, not at the time limit (${lost.durationMs} ms)`);
    const after = await rt.execute(executionRequest('srv-reset', 'export async function main() { return "fresh"; }'));
    assert.equal(after.value, 'fresh');
  });

  it('a promise nothing can settle still ends with the time limit, even when V8 collects it', async () => {
    const o = await rt.execute(
      executionRequest(
        'srv-gc',
        `export async function main() {
          setTimeout(() => { let junk = []; for (let i = 0; i < 400; i++) { junk.push(new Array(1e5).fill(i)); if (junk.length > 20) junk = []; } }, 50);
          await new Promise(() => {});
        }`,
        { timeoutMs: 1500 },
      ),
    );
    assert.equal(o.error, "Timed out after 1500 ms (the tool's time limit)");
  });

  it(`keeps at most ${MAX_SCRIPTS_PER_ISOLATE} compiled scripts per isolate, least recently used dropped`, async () => {
    const tool = (i: number) => `export async function main() { return ${i}; }`;
    const [before] = await rt.workerInfo();
    for (let i = 0; i < MAX_SCRIPTS_PER_ISOLATE + 10; i++) {
      const o = await rt.execute(executionRequest('srv-many', tool(i)));
      assert.equal(o.value, i);
    }
    const [info] = await rt.workerInfo();
    assert.ok(info.scripts <= before.scripts + MAX_SCRIPTS_PER_ISOLATE, `${info.scripts} scripts held`);
    // A dropped tool compiles again on its next call.
    assert.equal((await rt.execute(executionRequest('srv-many', tool(0)))).value, 0);
  });
});

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ExecutionOutcome, ExecutionRequest, RuntimeEvent } from './contract';
import { SandboxUnavailableError } from './call-scheduler';
import { SandboxRuntime } from './sandbox-runtime';
import { executionRequest } from '../../../test/support/execution-request';

const MAX_RESULT = 64 * 1024;

const request = (serverId: string, code: string, over: Partial<ExecutionRequest> = {}): ExecutionRequest =>
  executionRequest(serverId, code, over);

const text = (o: ExecutionOutcome) => o.content.map((b) => (b.type === 'text' ? b.text : `[${b.type}]`)).join('');

describe('SandboxRuntime: results, globals and isolation (real workers)', () => {
  const events: RuntimeEvent[] = [];
  const rt = new SandboxRuntime({
    workers: 2,
    memoryMb: 64,
    maxResultSize: MAX_RESULT,
    maxConcurrency: 8,
    queueSize: 50,
    onEvent: (e) => events.push(e),
  });
  let peer: Server;
  let port = 0;
  const run = (serverId: string, code: string, over: Partial<ExecutionRequest> = {}) =>
    rt.execute(request(serverId, code, over));

  before(async () => {
    await rt.start();
    peer = createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://x');
      if (url.pathname === '/hop') {
        res.writeHead(302, { location: url.searchParams.get('to') ?? '/' });
        res.end();
        return;
      }
      res.setHeader('content-type', 'application/json');
      res.end(
        JSON.stringify({
          city: url.searchParams.get('q'),
          key: req.headers['x-api-key'] ?? null,
          other: req.headers['x-other'] ?? null,
          temp: 21,
        }),
      );
    });
    await new Promise<void>((r) => peer.listen(0, '127.0.0.1', r));
    port = (peer.address() as AddressInfo).port;
  });
  after(async () => {
    peer.close();
    await rt.close();
  });

  it('maps a string result to one text block', async () => {
    const o = await run('srv-a', 'export async function main({ name }) { return `hello ${name}`; }', {
      args: { name: 'Ada' },
    });
    assert.deepEqual([o.success, o.isError, o.content], [true, false, [{ type: 'text', text: 'hello Ada' }]]);
    assert.equal(o.value, 'hello Ada');
    assert.equal(o.structuredContent, undefined);
  });

  it('maps an object to JSON text plus structuredContent, an array to JSON text only', async () => {
    const o = await run('srv-a', 'export async function main() { return { a: 1, list: [1, 2] }; }');
    assert.deepEqual(o.content, [{ type: 'text', text: '{"a":1,"list":[1,2]}' }]);
    assert.deepEqual(o.structuredContent, { a: 1, list: [1, 2] });
    assert.deepEqual(o.value, { a: 1, list: [1, 2] });
    const arr = await run('srv-a', 'export async function main() { return [1, "two"]; }');
    assert.deepEqual(arr.content, [{ type: 'text', text: '[1,"two"]' }]);
    assert.equal(arr.structuredContent, undefined);
    const num = await run('srv-a', 'export const main = async () => 42;');
    assert.deepEqual([num.content, num.value], [[{ type: 'text', text: '42' }], 42]);
  });

  it('passes an MCP content result through, and undefined gives no content', async () => {
    const o = await run(
      'srv-a',
      'export async function main() { return { content: [{ type: "text", text: "hi" }, { type: "image", data: "AAAA", mimeType: "image/png" }], structuredContent: { x: 1 } }; }',
    );
    assert.deepEqual(o.content, [
      { type: 'text', text: 'hi' },
      { type: 'image', data: 'AAAA', mimeType: 'image/png' },
    ]);
    assert.deepEqual(o.structuredContent, { x: 1 });
    const err = await run(
      'srv-a',
      'export async function main() { return { content: [{ type: "text", text: "upstream down" }], isError: true }; }',
    );
    assert.deepEqual([err.success, err.isError, err.error], [false, true, 'upstream down']);
    const none = await run('srv-a', 'export async function main() {}');
    assert.deepEqual([none.success, none.content], [true, []]);
  });

  it('turns a thrown error into an isError result with the message only', async () => {
    const o = await run(
      'srv-a',
      'export async function main() { console.log("before"); throw new Error("upstream said 503"); }',
    );
    assert.deepEqual([o.success, o.isError, o.error, text(o)], [false, true, 'upstream said 503', 'upstream said 503']);
    assert.equal(o.stdout, 'before\n');
    const typed = await run('srv-a', 'export async function main() { null.x; }');
    assert.match(typed.error ?? '', /^TypeError: /);
    for (const out of [o, typed])
      assert.doesNotMatch(JSON.stringify(out), /node:internal|\/work\/|sandbox-worker|call-runner|at .*\.js/);
  });

  it('type-strips TypeScript', async () => {
    const code =
      'interface In { n: number }\nexport async function main({ n }: In): Promise<number> { const x: number = n * 2; return x; }';
    const o = await run('srv-a', code, { language: 'typescript', args: { n: 21 } });
    assert.equal(o.value, 42);
  });

  it('reports a syntax error clearly, and an import of an unapproved module', async () => {
    const syntax = await run('srv-a', 'export async function main( {');
    assert.equal(syntax.isError, true);
    assert.match(syntax.error ?? '', /^SyntaxError: .*line 1/);
    const imp = await run('srv-a', 'import _ from "lodash";\nexport async function main() { return _.VERSION; }');
    assert.match(imp.error ?? '', /module "lodash" is not approved\/installed/);
    const dyn = await run(
      'srv-a',
      'export async function main() { const fs = await import("node:fs"); return Object.keys(fs); }',
    );
    assert.match(dyn.error ?? '', /module "node:fs" is not approved\/installed/);
    const noMain = await run('srv-a', 'export const notMain = 1;');
    assert.match(noMain.error ?? '', /must export an async function main/);
  });

  it('provides the web globals (docs/sandbox.md#globals) inside the isolate', async () => {
    const code = `export async function main() {
      const u = new URL('/p/a?x=1#h', 'https://Example.com:443');
      u.searchParams.append('y', 'a b&c');
      const sp = new URLSearchParams({ q: 'é ~!' });
      const bytes = new TextEncoder().encode('hé€😀');
      const rnd = crypto.getRandomValues(new Uint8Array(8));
      const waited = await new Promise((r) => setTimeout(() => r('timer'), 20));
      let cleared = 'kept';
      const id = setTimeout(() => { cleared = 'fired'; }, 10);
      clearTimeout(id);
      await new Promise((r) => setTimeout(r, 30));
      return {
        href: u.href, host: u.host, search: u.search, sp: sp.toString(), spGet: new URLSearchParams('a=1&a=2&b=%20x').getAll('a'),
        bytes: Array.from(bytes), decoded: new TextDecoder().decode(bytes), b64: btoa('hello'), unb64: atob('aGVsbG8='),
        uuid: /^[0-9a-f-]{36}$/.test(crypto.randomUUID()), rnd: rnd.length, sha: crypto.digest('sha256', 'abc'),
        hmac: crypto.hmac('sha256', 'key', 'The quick brown fox jumps over the lazy dog'), waited, cleared,
        types: [typeof fetch, typeof http.get, typeof Headers, typeof Response, typeof queueMicrotask],
      };
    }`;
    const o = await run('srv-a', code);
    assert.equal(o.success, true, o.error);
    assert.deepEqual(o.value, {
      href: 'https://example.com/p/a?x=1&y=a+b%26c#h',
      host: 'example.com',
      search: '?x=1&y=a+b%26c',
      sp: 'q=%C3%A9+%7E%21',
      spGet: ['1', '2'],
      bytes: [104, 195, 169, 226, 130, 172, 240, 159, 152, 128],
      decoded: 'hé€😀',
      b64: 'aGVsbG8=',
      unb64: 'hello',
      uuid: true,
      rnd: 8,
      sha: 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
      hmac: 'f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8',
      waited: 'timer',
      cleared: 'kept',
      types: ['function', 'function', 'function', 'function', 'function'],
    });
  });

  it('captures console output as stdout', async () => {
    const o = await run(
      'srv-a',
      'export async function main() { console.log("a", 1, { b: [2] }); console.info("i"); console.warn("w"); console.error(new Error("e")); console.debug(null, undefined); return 1; }',
    );
    assert.match(o.stdout, /^a 1 \{ b: \[ 2 \] \}\ni\n\[warn\] w\n\[error\] Error: e[\s\S]*\nnull undefined\n$/);
  });

  it('runs every call in a fresh context: no state survives between calls', async () => {
    const code =
      'export async function main() { const seen = globalThis.leftover ?? null; globalThis.leftover = "from an earlier call"; Object.prototype.polluted = 1; Array.prototype.push = () => 0; return { seen, polluted: ({}).polluted ?? null }; }';
    for (let i = 0; i < 6; i++) {
      const o = await run('srv-a', code);
      assert.deepEqual(o.value, { seen: null, polluted: 1 }, `call ${i}`);
    }
    const clean = await run(
      'srv-a',
      'export async function main() { const a = []; a.push(1); return [a.length, ({}).polluted ?? null]; }',
    );
    assert.deepEqual(clean.value, [1, null]);
  });

  it('gives secrets read-only, deeply frozen', async () => {
    const o = await run(
      'srv-a',
      'export async function main() { let assigned = "no"; try { secrets.API_KEY = "x"; assigned = "yes"; } catch (e) { assigned = e.constructor.name; } try { globalThis.secrets = {}; } catch {} return [secrets.API_KEY, assigned, Object.isFrozen(secrets), Object.keys(secrets)]; }',
      { secrets: { API_KEY: 'k-123' } },
    );
    assert.deepEqual(o.value, ['k-123', 'TypeError', true, ['API_KEY']]);
  });

  it("never lets one server's code read another server's secrets, even on the same worker", async () => {
    const one = new SandboxRuntime({
      workers: 1,
      memoryMb: 64,
      maxResultSize: MAX_RESULT,
      maxConcurrency: 4,
      queueSize: 10,
    });
    await one.start();
    try {
      const b = await one.execute(
        request(
          'srv-b',
          'export async function main() { globalThis.stash = secrets.TOKEN; return secrets.TOKEN.length; }',
          { secrets: { TOKEN: 'b-very-secret-token' } },
        ),
      );
      assert.equal(b.value, 19);
      const spy = `export async function main() {
        const found = [];
        const visit = (o, path, depth) => { if (depth > 3 || o === null || (typeof o !== 'object' && typeof o !== 'function')) return;
          for (const k of Reflect.ownKeys(o)) { let v; try { v = o[k]; } catch { continue; } if (typeof v === 'string' && v.includes('secret')) found.push(path + '.' + String(k)); visit(v, path + '.' + String(k), depth + 1); } };
        visit(globalThis, 'globalThis', 0);
        return { secrets, stash: globalThis.stash ?? null, found };
      }`;
      const a = await one.execute(request('srv-a', spy, { secrets: { OWN: 'a-value' } }));
      assert.equal(a.success, true, a.error);
      assert.deepEqual(a.value, { secrets: { OWN: 'a-value' }, stash: null, found: [] });
      assert.doesNotMatch(JSON.stringify(a), /b-very-secret-token/);
      // And B's own next call does not see what B stashed either.
      const b2 = await one.execute(
        request('srv-b', 'export async function main() { return globalThis.stash ?? null; }', {
          secrets: { TOKEN: 'b-very-secret-token' },
        }),
      );
      assert.equal(b2.value, null);
    } finally {
      await one.close();
    }
  });

  it('fetches from an approved loopback peer with a secret header (weather-like tool)', async () => {
    const base = `http://127.0.0.1:${port}`;
    const code = `export async function main({ city }) {
      const res = await fetch('${base}/weather?q=' + encodeURIComponent(city), { headers: { 'x-api-key': secrets.WEATHER_KEY } });
      if (!res.ok) throw new Error('upstream said ' + res.status);
      const viaHttp = await http.get('${base}/w', { query: { q: city } });
      return { ...(await res.json()), viaHttp: viaHttp.data.city, status: viaHttp.status };
    }`;
    const network = {
      allowedHosts: [{ host: '127.0.0.1', port }],
      policy: 'require_approval' as const,
      allowLoopback: true,
    };
    const o = await run('srv-w', code, { args: { city: 'Zürich' }, secrets: { WEATHER_KEY: 'wk-1' }, network });
    assert.equal(o.success, true, o.error);
    assert.deepEqual(o.value, { city: 'Zürich', key: 'wk-1', other: null, temp: 21, viaHttp: 'Zürich', status: 200 });
    const refused = await run('srv-w', code, {
      args: { city: 'Bern' },
      secrets: { WEATHER_KEY: 'wk-1' },
      network: { ...network, allowLoopback: false },
    });
    assert.equal(refused.isError, true);
    assert.match(refused.error ?? '', /fetch failed: .*loopback/);
    const unapproved = await run('srv-w', code, { args: { city: 'Bern' }, network: { ...network, allowedHosts: [] } });
    assert.match(unapproved.error ?? '', /not in this server's allowed hosts/);
    // The test flag with allow_all_public but no record for the peer: still refused.
    const open = await run('srv-w', code, {
      args: { city: 'Bern' },
      network: { allowedHosts: [], policy: 'allow_all_public', allowLoopback: true },
    });
    assert.match(open.error ?? '', /fetch failed: .*allow_all_public never covers it/);
  });

  it("never lets a redirect carry the server's secret in a header, to this origin or another", async () => {
    const second = createServer((req, res) => res.end(JSON.stringify({ key: req.headers['x-api-key'] ?? null })));
    await new Promise<void>((r) => second.listen(0, '127.0.0.1', r));
    const secondPort = (second.address() as AddressInfo).port;
    try {
      const code = `export async function main({ to }) {
        const res = await fetch('http://127.0.0.1:${port}/hop?to=' + encodeURIComponent(to), {
          headers: { 'x-api-key': secrets.KEY, 'x-other': 'plain' },
        });
        return await res.json();
      }`;
      const network = {
        allowedHosts: [{ host: '127.0.0.1', port: null }],
        policy: 'require_approval' as const,
        allowLoopback: true,
      };
      const same = await run('srv-r', code, { args: { to: '/w?q=x' }, secrets: { KEY: 'rk-secret-1' }, network });
      assert.equal(same.success, true, same.error);
      assert.deepEqual([(same.value as any).key, (same.value as any).other], [null, 'plain']);
      const away = await run('srv-r', code, {
        args: { to: `http://127.0.0.1:${secondPort}/` },
        secrets: { KEY: 'rk-secret-1' },
        network,
      });
      assert.deepEqual(away.value, { key: null });
    } finally {
      second.close();
    }
  });

  it('evicts a server: memory is reported before, and the next call still works', async () => {
    await run('srv-e', 'export async function main() { return 1; }');
    assert.ok((await rt.serverMemoryBytes('srv-e')) > 0);
    await rt.evictServer('srv-e');
    assert.equal(await rt.serverMemoryBytes('srv-e'), 0);
    const o = await run('srv-e', 'export async function main() { return 2; }');
    assert.equal(o.value, 2);
  });

  it('queues beyond maxConcurrency and fails fast when the queue is full', async () => {
    const small = new SandboxRuntime({
      workers: 1,
      memoryMb: 64,
      maxResultSize: MAX_RESULT,
      maxConcurrency: 2,
      queueSize: 1,
    });
    await small.start();
    try {
      const slow = request(
        'srv-q',
        'export async function main() { await new Promise((r) => setTimeout(r, 300)); return "done"; }',
      );
      const running = [small.execute(slow), small.execute(slow), small.execute(slow)];
      // Each call is compiled before it is scheduled: wait for that rather than for a fixed time (CI may be slow).
      for (let i = 0; i < 200 && small.stats().inFlight + small.stats().queued < 3; i++)
        await new Promise((r) => setTimeout(r, 10));
      assert.deepEqual([small.stats().inFlight, small.stats().queued], [2, 1]);
      const t = Date.now();
      await assert.rejects(
        small.execute(slow),
        (e: Error) => e instanceof SandboxUnavailableError && /busy/.test(e.message),
      );
      assert.ok(Date.now() - t < 100, 'fails fast');
      const outcomes = await Promise.all(running);
      assert.deepEqual(
        outcomes.map((o) => o.value),
        ['done', 'done', 'done'],
      );
    } finally {
      await small.close();
    }
    await assert.rejects(
      small.execute(request('srv-q', 'export const main = async () => 1;')),
      SandboxUnavailableError,
    );
  });

  it('runs concurrent calls across both workers', async () => {
    const outcomes = await Promise.all(
      Array.from({ length: 16 }, (_, i) =>
        run(
          `srv-c${i % 3}`,
          'export async function main({ i }) { await new Promise((r) => setTimeout(r, 20)); return i; }',
          { args: { i } },
        ),
      ),
    );
    assert.deepEqual(
      outcomes.map((o) => o.value),
      Array.from({ length: 16 }, (_, i) => i),
    );
    assert.equal(rt.stats().workers, 2);
    assert.equal(rt.stats().inFlight, 0);
    assert.deepEqual(events, []);
  });
});

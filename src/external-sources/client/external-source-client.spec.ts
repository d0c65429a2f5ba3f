import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { after, describe, it } from 'node:test';
import {
  bearerGate,
  fixtureTools,
  headerGate,
  loggingFetch,
  PNG_1PX,
  startSource,
  TestSource,
  type SourceKind,
} from '../../../test/support/mcp-sources';
import { plainFetch } from '../../../test/support/plain-fetch';
import { ExternalSourceClient } from './external-source-client';
import {
  SourceAuthError,
  SourceBlockedError,
  SourceCallAbortedError,
  SourceClosedError,
  SourceConfigError,
  SourceProtocolError,
  SourceTimeoutError,
  SourceUnavailableError,
} from './source-errors';
import type { ExternalSourceClientOptions, SourceEvent } from './source-options';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const opened: { close(): Promise<void> }[] = [];
after(async () => {
  for (const x of opened.reverse()) await x.close().catch(() => undefined);
});

function client(source: TestSource, extra: Partial<ExternalSourceClientOptions> = {}): ExternalSourceClient {
  const c = new ExternalSourceClient({
    url: source.url,
    transport: source.kind === 'sse' ? 'sse' : 'streamable_http',
    // Like the product's guarded client: no keep-alive (a restarted source gets a fresh connection).
    fetch: plainFetch,
    connectTimeoutMs: 5000,
    callTimeoutMs: 5000,
    ...extra,
  });
  opened.push(c);
  return c;
}
async function source(kind: SourceKind, options: Parameters<typeof startSource>[1]): Promise<TestSource> {
  const s = await startSource(kind, options);
  opened.push({ close: () => s.stop() });
  return s;
}
async function until(check: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('condition not reached in time');
    await sleep(20);
  }
}

const ERA: Record<SourceKind, { era: string; version: string }> = {
  modern: { era: 'modern', version: '2026-07-28' },
  session: { era: 'legacy', version: '2025-11-25' },
  sse: { era: 'legacy', version: '2025-11-25' },
};

for (const kind of ['modern', 'session', 'sse'] as const) {
  describe(`external source client on a ${kind} source`, () => {
    it('discovers every page of tools exactly as the source defines them, with its identity and protocol', async () => {
      const tools = fixtureTools();
      const s = await source(kind, { tools, pageSize: 2 });
      const log = loggingFetch(plainFetch);
      const c = client(s, { fetch: log.fetch });
      const found = await c.discover();
      assert.equal(found.era, ERA[kind].era);
      assert.equal(found.protocolVersion, ERA[kind].version);
      assert.deepEqual(found.serverInfo, { name: `test-${kind}`, version: '3.1.4' });
      assert.deepEqual(
        found.tools,
        tools.map((t) => t.definition),
      );
      assert.ok(found.capabilities.tools?.listChanged);
      // Every request the source saw went through the injected fetch.
      assert.equal(s.requests.length, log.log.length);
    });

    it('returns text, image, error and structured results unchanged', async () => {
      const calls: string[] = [];
      const s = await source(kind, { tools: fixtureTools(calls) });
      const c = client(s);
      const echo = await c.call('Echo-Text', { text: 'hi' });
      assert.deepEqual(echo.content, [{ type: 'text', text: 'echo: hi' }]);
      const picture = await c.call('picture');
      assert.deepEqual(picture.content, [
        { type: 'image', data: PNG_1PX, mimeType: 'image/png' },
        { type: 'text', text: 'a pixel' },
      ]);
      const failed = await c.call('fails');
      assert.equal(failed.isError, true);
      assert.deepEqual(failed.content, [{ type: 'text', text: 'the widget is broken' }]);
      // Does not match its own output schema: still passed through, not judged here.
      const stats = await c.call('stats');
      assert.deepEqual(stats.structuredContent, { count: 'many' });
      assert.equal((stats._meta as Record<string, unknown>)['example.com/trace'], 'abc');
      assert.deepEqual(calls, ['Echo-Text', 'picture', 'fails', 'stats']);
    });

    it('reports an unknown tool as the source said it, as a protocol error that leaves the source healthy', async () => {
      const s = await source(kind, { tools: fixtureTools() });
      const c = client(s);
      const err = await c.call('nope').catch((e: unknown) => e);
      assert.ok(err instanceof SourceProtocolError, String(err));
      assert.match(err.message, /Unknown tool: nope/);
      assert.equal(err.sourceStatus, null);
    });

    it('survives a restart of the source: the next call reconnects and runs once', async () => {
      const calls: string[] = [];
      const events: SourceEvent[] = [];
      const s = await source(kind, { tools: fixtureTools(calls) });
      const c = client(s, { onEvent: (e) => events.push(e) });
      await c.call('Echo-Text', { text: 'one' });
      await s.restart();
      const again = await c.call('Echo-Text', { text: 'two' });
      assert.deepEqual(again.content, [{ type: 'text', text: 'echo: two' }]);
      assert.deepEqual(calls, ['Echo-Text', 'Echo-Text']);
      if (kind !== 'modern') {
        assert.equal(s.sessionCount, 1, 'one new session after the restart');
        assert.ok(events.some((e) => e.type === 'session_replaced'));
      }
    });

    it('says clearly when the source is down, and recovers when it is back', async () => {
      const s = await source(kind, { tools: fixtureTools() });
      const c = client(s);
      await c.call('Echo-Text', { text: 'up' });
      await s.stop();
      const err = await c.call('Echo-Text', { text: 'down' }).catch((e: unknown) => e);
      assert.ok(err instanceof SourceUnavailableError, String(err));
      assert.match(err.message, /unreachable \(connection refused\); nothing was sent/);
      assert.equal(err.mayHaveRun, false);
      assert.equal(err.sourceStatus, 'error');
      await s.start();
      const back = await c.call('Echo-Text', { text: 'back' });
      assert.deepEqual(back.content, [{ type: 'text', text: 'echo: back' }]);
    });

    it('times a call out, and cancels one on its signal', async () => {
      const s = await source(kind, { tools: fixtureTools() });
      const c = client(s);
      const started = Date.now();
      const late = await c.call('slow', { ms: 3000 }, { timeoutMs: 300 }).catch((e: unknown) => e);
      assert.ok(late instanceof SourceTimeoutError, String(late));
      assert.ok(Date.now() - started < 2000);
      assert.equal(late.mayHaveRun, true);
      assert.match(late.message, /did not answer "slow" within 300 ms; it may still be running/);
      const abort = new AbortController();
      setTimeout(() => abort.abort(), 100);
      const cancelled = await c.call('slow', { ms: 3000 }, { signal: abort.signal }).catch((e: unknown) => e);
      assert.ok(cancelled instanceof SourceCallAbortedError, String(cancelled));
      assert.equal(cancelled.mayHaveRun, true, 'it was sent: it may have run');
      assert.equal(cancelled.sourceStatus, null, 'a cancellation says nothing about the source');
      // The connection is still good.
      assert.deepEqual((await c.call('Echo-Text', { text: 'ok' })).content, [{ type: 'text', text: 'echo: ok' }]);
    });

    it('sends the bearer token, and a wrong one gives a clear error that does not show it', async () => {
      const s = await source(kind, { tools: fixtureTools(), gate: bearerGate('right-token-123') });
      const good = client(s, { auth: { type: 'bearer', token: 'right-token-123' } });
      assert.equal((await good.discover()).tools.length, 5);
      const bad = client(s, { auth: { type: 'bearer', token: 'wrong-token-456' } });
      const err = await bad.call('Echo-Text', { text: 'x' }).catch((e: unknown) => e);
      assert.ok(err instanceof SourceAuthError, String(err));
      assert.equal(err.httpStatus, 401);
      assert.match(err.message, /refused MCPBox's credentials \(HTTP 401\)/);
      assert.doesNotMatch(err.message, /wrong-token/);
    });

    it('sends a custom auth header', async () => {
      const s = await source(kind, { tools: fixtureTools(), gate: headerGate('X-Api-Key', 'k-789') });
      const c = client(s, { auth: { type: 'header', name: 'X-Api-Key', value: 'k-789' } });
      assert.deepEqual((await c.call('Echo-Text', { text: 'h' })).content, [{ type: 'text', text: 'echo: h' }]);
      const none = client(s);
      const err = await none.call('Echo-Text', { text: 'h' }).catch((e: unknown) => e);
      assert.ok(err instanceof SourceAuthError, String(err));
      assert.match(err.message, /requires authentication \(HTTP 401\), and none is configured/);
    });

    it("calls back (debounced) when the source's tools change, also after the source restarted", async () => {
      const s = await source(kind, { tools: fixtureTools() });
      const c = client(s, { listChangedDebounceMs: 100, watchRetryMinMs: 50 });
      await c.discover();
      let changes = 0;
      c.onToolsChanged(() => changes++);
      await sleep(300);
      await s.notifyToolsChanged();
      await s.notifyToolsChanged();
      await s.notifyToolsChanged();
      await until(() => changes === 1);
      await sleep(300);
      assert.equal(changes, 1, 'three notifications, one callback');
      await s.restart();
      // Reconnected: one callback for what may have been missed, then live again.
      await until(() => changes === 2, 8000);
      await sleep(300);
      await s.notifyToolsChanged();
      await until(() => changes === 3);
    });
  });
}

describe('external source client: pooling, connection and the network path', () => {
  it('opens up to poolSize sessions for overlapping calls and closes idle ones', async () => {
    const s = await source('session', { tools: fixtureTools() });
    const c = client(s, { poolSize: 3, idleMs: 300 });
    await Promise.all([1, 2, 3, 4, 5].map(() => c.call('slow', { ms: 300 })));
    assert.equal(s.sessionCount, 3);
    assert.equal(c.openConnections, 3);
    await until(() => s.sessionCount === 0, 3000);
    assert.equal(c.openConnections, 0);
    assert.ok(s.requests.filter((r) => r.startsWith('DELETE')).length >= 3, 'sessions ended with DELETE');
    await c.call('Echo-Text', { text: 'later' });
    assert.equal(s.sessionCount, 1);
  });

  for (const kind of ['session', 'modern'] as const) {
    it(`never repeats a ${kind} call whose connection broke in flight, and the next call works`, async () => {
      const calls: string[] = [];
      const ref: { s?: TestSource } = {};
      const crash = {
        definition: { name: 'crash', inputSchema: { type: 'object' as const } },
        run: () => {
          calls.push('crash');
          void ref.s?.stop();
          return new Promise<never>(() => undefined);
        },
      };
      const s = await source(kind, { tools: [...fixtureTools(calls), crash] });
      ref.s = s;
      // The global fetch keeps connections alive: the conservative path must hold there too.
      const c = client(s, { fetch });
      const err = await c.call('crash').catch((e: unknown) => e);
      assert.ok(err instanceof SourceUnavailableError, String(err));
      assert.equal(err.mayHaveRun, true);
      assert.match(err.message, /broke while "crash" was in flight .* it may or may not have run there/);
      assert.deepEqual(calls, ['crash'], 'run once, not repeated');
      await s.start();
      await c.call('Echo-Text', { text: 'after' }).catch(() => undefined);
      assert.deepEqual((await c.call('Echo-Text', { text: 'after' })).content, [{ type: 'text', text: 'echo: after' }]);
    });
  }

  it('replaces a session the source refuses with 400 after a restart (how the SDK 1 examples answer a session they forgot), and the call runs once', async () => {
    const calls: string[] = [];
    const events: SourceEvent[] = [];
    const s = await source('session', { tools: fixtureTools(calls), unknownSessionStatus: 400 });
    const c = client(s, { onEvent: (e) => events.push(e) });
    await c.call('Echo-Text', { text: 'one' });
    await s.restart();
    const again = await c.call('Echo-Text', { text: 'two' });
    assert.deepEqual(again.content, [{ type: 'text', text: 'echo: two' }]);
    assert.deepEqual(calls, ['Echo-Text', 'Echo-Text']);
    assert.equal(s.sessionCount, 1, 'one new session after the restart');
    assert.ok(events.some((e) => e.type === 'session_replaced' && e.reason === 'session_refused'));
  });

  it('sends a call refused with 400 on a session once more on a new session, and no third time', async () => {
    const s = await source('session', { tools: fixtureTools() });
    let refused = 0;
    // Every tools/call is answered 400, whatever the session: the renewal cannot help.
    const refusing = async (input: string | URL, init?: RequestInit): Promise<Response> => {
      if (typeof init?.body === 'string' && init.body.includes('"tools/call"')) {
        refused++;
        return new Response('{"jsonrpc":"2.0","error":{"code":-32000,"message":"Bad Request"},"id":null}', {
          status: 400,
          headers: { 'content-type': 'application/json' },
        });
      }
      return plainFetch(input, init);
    };
    const c = client(s, { fetch: refusing });
    const err = await c.call('Echo-Text', { text: 'x' }).catch((e: unknown) => e);
    assert.ok(err instanceof SourceUnavailableError, String(err));
    assert.match(err.message, /answered HTTP 400/);
    assert.equal(err.mayHaveRun, false);
    assert.equal(refused, 2);
    // Both refused sessions are ended at the source (DELETE), none kept for the next call.
    await until(() => s.sessionCount === 0);
  });

  it('follows a source that stops speaking 2026-07-28 (the refused call runs once, on a 2025 session)', async () => {
    const calls: string[] = [];
    const events: SourceEvent[] = [];
    const modern = await source('modern', { tools: fixtureTools(calls) });
    const c = client(modern, { onEvent: (e) => events.push(e) });
    assert.equal((await c.discover()).era, 'modern');
    await modern.stop();
    const downgraded = new TestSource('session', { tools: fixtureTools(calls) });
    downgraded.port = modern.port;
    await downgraded.start();
    opened.push({ close: () => downgraded.stop() });
    assert.deepEqual((await c.call('Echo-Text', { text: 'x' })).content, [{ type: 'text', text: 'echo: x' }]);
    assert.equal(c.era, 'legacy');
    assert.deepEqual(calls, ['Echo-Text']);
    assert.ok(events.some((e) => e.type === 'era_changed' && e.from === 'modern' && e.to === 'legacy'));
  });

  it('stops following nextCursor after maxDiscoverPages pages', async () => {
    const s = await source('session', { tools: fixtureTools(), pageSize: 1 });
    const c = client(s, { maxDiscoverPages: 3 });
    const err = await c.discover().catch((e: unknown) => e);
    assert.ok(err instanceof SourceProtocolError, String(err));
    assert.match(err.message, /more than 3 pages/);
    const all = client(s, { maxDiscoverPages: 5 });
    assert.equal((await all.discover()).tools.length, 5);
  });

  it('holds no notification stream on call sessions', async () => {
    const s = await source('session', { tools: fixtureTools() });
    const c = client(s);
    await c.call('Echo-Text', { text: 'x' });
    assert.equal(s.requests.filter((r) => r.startsWith('GET')).length, 0);
  });

  it('close() ends every session and refuses later use', async () => {
    const s = await source('session', { tools: fixtureTools() });
    const c = client(s);
    c.onToolsChanged(() => undefined);
    await c.call('Echo-Text', { text: 'x' });
    await until(() => s.sessionCount === 2);
    await c.close();
    assert.equal(s.sessionCount, 0);
    await assert.rejects(c.call('Echo-Text', { text: 'x' }), SourceClosedError);
  });

  it('uses the injected fetch as its only network path: a refused host fails before any connection', async () => {
    const s = await source('session', { tools: fixtureTools() });
    const refusing: typeof fetch = async (input) => {
      throw Object.assign(new Error(`blocked: ${new URL(String(input)).hostname} is not allowed for this server`), {
        code: 'blocked',
      });
    };
    for (const transport of ['streamable_http', 'sse'] as const) {
      const c = client(s, { fetch: refusing, transport });
      const err = await c.discover().catch((e: unknown) => e);
      assert.ok(err instanceof SourceBlockedError, String(err));
      assert.match(err.message, /network policy refused .* is not allowed for this server\); nothing was sent/);
      const callErr = await c.call('Echo-Text', { text: 'x' }).catch((e: unknown) => e);
      assert.ok(callErr instanceof SourceBlockedError);
    }
    assert.equal(s.connections, 0, 'no TCP connection reached the source');
  });

  it('gives up connecting to a source that never answers within the connect timeout, and drops the connection', async () => {
    const sockets = new Set<import('node:net').Socket>();
    const silent = createServer((socket) => {
      sockets.add(socket);
      socket.resume(); // reads (and ignores) the request, so that the client's hang-up is seen
      socket.on('close', () => sockets.delete(socket));
    });
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', () => r()));
    opened.push({
      close: () => {
        for (const socket of sockets) socket.destroy();
        return new Promise((r) => silent.close(() => r()));
      },
    });
    const { port } = silent.address() as { port: number };
    const c = new ExternalSourceClient({
      url: `http://127.0.0.1:${port}/mcp`,
      transport: 'streamable_http',
      fetch: plainFetch,
      connectTimeoutMs: 300,
    });
    opened.push(c);
    const started = Date.now();
    const err = await c.call('anything').catch((e: unknown) => e);
    assert.ok(err instanceof SourceTimeoutError, String(err));
    assert.match(err.message, /did not answer within 300 ms while MCPBox was connecting/);
    assert.equal(err.mayHaveRun, false);
    assert.ok(Date.now() - started < 3000);
    await until(() => sockets.size === 0, 2000);
  });

  it('refuses configurations that cannot work before sending anything', () => {
    const base = { url: 'http://127.0.0.1:1/mcp', transport: 'streamable_http' as const, fetch };
    assert.throws(() => new ExternalSourceClient({ ...base, url: 'ftp://x/y' }), SourceConfigError);
    assert.throws(() => new ExternalSourceClient({ ...base, url: 'http://u:p@x/y' }), SourceConfigError);
    assert.throws(
      () => new ExternalSourceClient({ ...base, auth: { type: 'header', name: 'Host', value: 'v' } }),
      /controls routing, framing or the MCP transport/,
    );
    assert.throws(
      () => new ExternalSourceClient({ ...base, auth: { type: 'bearer', token: 'a b' } }),
      SourceConfigError,
    );
    assert.throws(() => new ExternalSourceClient({ ...base, poolSize: 0 }), /poolSize/);
  });
});

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ADMIN, startApp, type TestApp } from '../support/app';
import { connectMcp, MODERN_VERSION } from '../support/mcp';

let t: TestApp;

before(async () => {
  t = await startApp({ MCP_MAX_SESSIONS: '60' });
  await t.post('/auth/setup', ADMIN);
  const token = (await t.post('/auth/login', ADMIN)).body.access_token as string;
  await t.patch('/api/settings/security-policy', { mcp_rate_limit_rpm: 100000 }, { token });
  await t.post('/api/servers', { name: 'known' }, { token });
});
after(async () => t.close());

const ACCEPT = 'application/json, text/event-stream';
const initialize = (id = 1) => ({
  jsonrpc: '2.0',
  id,
  method: 'initialize',
  params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'raw', version: '1' } },
});

/** A raw POST to the gateway; the JSON-RPC body of the answer (JSON, or the first SSE data line). */
async function post(path: string, body: string | Buffer, headers: Record<string, string> = {}) {
  const res = await fetch(`${t.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: ACCEPT, ...headers },
    body,
  });
  const text = await res.text();
  const data = text.split('\n').find((l) => l.startsWith('data: '));
  let json: any;
  try {
    json = JSON.parse(data ? data.slice(6) : text);
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, text, json };
}

describe('the gateway answers bad requests with JSON-RPC errors, never HTML or a 500', () => {
  it('malformed JSON is the parse error (-32700) with HTTP 400', async () => {
    const res = await post('/mcp', '{"jsonrpc":"2.0",');
    assert.equal(res.status, 400);
    assert.equal(res.json?.error?.code, -32700);
    assert.equal(res.json?.jsonrpc, '2.0');
  });

  it('an empty body is a parse error too', async () => {
    const res = await post('/mcp', '');
    assert.equal(res.status, 400);
    assert.equal(res.json?.error?.code, -32700);
  });

  it('JSON that is not JSON-RPC is refused with a JSON-RPC error', async () => {
    for (const body of ['{"hello":"world"}', '[]', '42', '"text"', '{"jsonrpc":"1.0","id":1,"method":"ping"}']) {
      const res = await post('/mcp', body);
      assert.ok(res.status >= 400 && res.status < 500, `${body} → ${res.status} ${res.text}`);
      assert.ok(res.json?.error?.code < 0, `${body} → ${res.text}`);
    }
  });

  it('another content type is a 415 with a JSON-RPC error', async () => {
    const res = await post('/mcp', 'x=1', { 'content-type': 'application/x-www-form-urlencoded' });
    assert.equal(res.status, 415);
    assert.equal(res.json?.jsonrpc, '2.0');
  });

  it('a body over 1 MiB is a 413 that a fetch client receives', async () => {
    for (const size of [2, 5]) {
      const big = JSON.stringify({
        jsonrpc: '2.0',
        id: 1,
        method: 'ping',
        params: { pad: 'x'.repeat(size * 1024 * 1024) },
      });
      const res = await post('/mcp', big);
      assert.equal(res.status, 413, res.text);
      assert.equal(res.json?.jsonrpc, '2.0');
      assert.match(res.json?.error?.message ?? '', /too large/i);
    }
  });

  it('a body of too many JSON values is a 413 without being parsed', async () => {
    const res = await post(
      '/mcp',
      JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping', params: { pad: new Array(300_000).fill(0) } }),
    );
    assert.equal(res.status, 413, res.text);
    assert.equal(res.json?.jsonrpc, '2.0');
  });

  it('a message nested more than 128 levels deep is refused with -32600 and HTTP 400, one within it is served', async () => {
    const meta = {
      'io.modelcontextprotocol/protocolVersion': MODERN_VERSION,
      'io.modelcontextprotocol/clientCapabilities': {},
    };
    const headers = { 'mcp-protocol-version': MODERN_VERSION, 'mcp-method': 'tools/list' };
    const nested = (depth: number) =>
      `{"jsonrpc":"2.0","id":1,"method":"tools/list","params":{"_meta":${JSON.stringify(meta)},"x":${'['.repeat(depth)}${']'.repeat(depth)}}}`;
    for (const depth of [200, 5000, 40_000]) {
      const res = await post('/mcp', nested(depth), headers);
      assert.equal(res.status, 400, `${depth}: ${res.text.slice(0, 200)}`);
      assert.equal(res.json?.error?.code, -32600);
      assert.match(res.json?.error?.message ?? '', /nested more than 128 levels deep/);
    }
    const within = await post('/mcp', nested(100), headers);
    assert.equal(within.status, 200, within.text.slice(0, 200));
    // Brackets inside strings are text, not nesting.
    const text = await post('/mcp', nested(1).replace('"x":', `"s":"${'['.repeat(5000)}","x":`), headers);
    assert.equal(text.status, 200, text.text.slice(0, 200));
  });

  it('an unknown server endpoint is a 404', async () => {
    const res = await post('/mcp/nope', JSON.stringify(initialize()));
    assert.equal(res.status, 404);
    assert.match(res.json?.error?.message ?? '', /no MCPBox server is named "nope"/);
    const weird = await post('/mcp/..%2Fapi', JSON.stringify(initialize()));
    assert.equal(weird.status, 404);
  });

  it('a request without a session (2025) is a 400, an unknown session a 404', async () => {
    const noSession = await post('/mcp', JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/list' }));
    assert.equal(noSession.status, 400);
    assert.equal(noSession.json?.id, 2);
    const unknown = await post('/mcp', JSON.stringify({ jsonrpc: '2.0', id: 3, method: 'tools/list' }), {
      'mcp-session-id': 'f0f0f0f0-0000-4000-8000-000000000000',
    });
    assert.equal(unknown.status, 404);
    const get = await fetch(`${t.url}/mcp`, { headers: { accept: 'text/event-stream' } });
    assert.equal(get.status, 400);
    assert.equal(((await get.json()) as any).jsonrpc, '2.0');
  });

  it('a 2026-07-28 request without its _meta envelope is -32602 with HTTP 400', async () => {
    const res = await post('/mcp', JSON.stringify({ jsonrpc: '2.0', id: 9, method: 'tools/list', params: {} }), {
      'mcp-protocol-version': MODERN_VERSION,
    });
    assert.equal(res.status, 400);
    assert.equal(res.json?.error?.code, -32602);
  });
});

describe('2026-07-28 headers are checked against the body', () => {
  const meta = (version: string) => ({
    'io.modelcontextprotocol/protocolVersion': version,
    'io.modelcontextprotocol/clientCapabilities': {},
  });
  const call = (version: string, id: number) =>
    JSON.stringify({ jsonrpc: '2.0', id, method: 'tools/list', params: { _meta: meta(version) } });

  it('a protocol version header that differs from the body is -32020 with HTTP 400', async () => {
    const res = await post('/mcp', call(MODERN_VERSION, 11), {
      'mcp-protocol-version': '2025-11-25',
      'mcp-method': 'tools/list',
    });
    assert.equal(res.status, 400, res.text);
    assert.equal(res.json?.error?.code, -32020);
    assert.equal(res.json?.id, 11);
  });

  it('an Mcp-Method header that differs from the body is -32020 with HTTP 400', async () => {
    const res = await post('/mcp', call(MODERN_VERSION, 12), {
      'mcp-protocol-version': MODERN_VERSION,
      'mcp-method': 'tools/call',
    });
    assert.equal(res.status, 400, res.text);
    assert.equal(res.json?.error?.code, -32020);
  });

  it('an unknown protocol version is -32022 naming the supported ones', async () => {
    const res = await post('/mcp', call('2099-01-01', 13), {
      'mcp-protocol-version': '2099-01-01',
      'mcp-method': 'tools/list',
    });
    assert.equal(res.status, 400, res.text);
    assert.equal(res.json?.error?.code, -32022);
    assert.ok(res.json?.error?.data?.supported?.includes(MODERN_VERSION));
    assert.equal(res.json?.error?.data?.requested, '2099-01-01');
  });

  it('a well-formed request with matching headers is served', async () => {
    const res = await post('/mcp', call(MODERN_VERSION, 14), {
      'mcp-protocol-version': MODERN_VERSION,
      'mcp-method': 'tools/list',
    });
    assert.equal(res.status, 200, res.text);
    assert.ok(Array.isArray(res.json?.result?.tools));
    assert.equal(res.json?.result?.resultType, 'complete');
  });
});

describe("the gateway's answers carry nosniff, not helmet's document headers", () => {
  const DOCUMENT_HEADERS = [
    'content-security-policy',
    'x-frame-options',
    'cross-origin-opener-policy',
    'referrer-policy',
  ];
  const check = (headers: Headers, what: string) => {
    assert.equal(headers.get('x-content-type-options'), 'nosniff', what);
    assert.ok(headers.get('x-request-id'), what);
    for (const name of DOCUMENT_HEADERS) assert.equal(headers.get(name), null, `${what}: ${name}`);
  };

  it('on served and refused requests of both eras, while the rest of the app keeps them', async () => {
    const list = JSON.stringify({
      jsonrpc: '2.0',
      id: 21,
      method: 'tools/list',
      params: {
        _meta: {
          'io.modelcontextprotocol/protocolVersion': MODERN_VERSION,
          'io.modelcontextprotocol/clientCapabilities': {},
        },
      },
    });
    const modern = await post('/mcp', list, { 'mcp-protocol-version': MODERN_VERSION, 'mcp-method': 'tools/list' });
    assert.equal(modern.status, 200, modern.text);
    check(modern.headers, 'modern');
    check((await post('/mcp', JSON.stringify(initialize(22)))).headers, 'initialize');
    check((await post('/mcp', '{nope')).headers, 'parse error');
    check((await post('/mcp/no-such-server', JSON.stringify(initialize(23)))).headers, 'unknown endpoint');
    check((await fetch(`${t.url}/mcp`, { headers: { accept: 'text/event-stream' } })).headers, 'GET without session');
    const health = await fetch(`${t.url}/health`);
    assert.match(health.headers.get('content-security-policy') ?? '', /default-src 'self'/);
  });
});

describe('DNS-rebinding protection: Host and Origin are checked', () => {
  it('refuses a foreign Origin with 403', async () => {
    const res = await post('/mcp', JSON.stringify(initialize()), { origin: 'http://evil.example' });
    assert.equal(res.status, 403);
    assert.match(res.json?.error?.message ?? '', /Origin/);
  });

  it('refuses the literal null origin', async () => {
    const res = await post('/mcp', JSON.stringify(initialize()), { origin: 'null' });
    assert.equal(res.status, 403);
  });

  it('accepts loopback origins (any port)', async () => {
    for (const origin of ['http://localhost:3000', 'http://127.0.0.1:5173', 'http://[::1]:8080']) {
      const res = await post('/mcp', JSON.stringify(initialize()), { origin });
      assert.equal(res.status, 200, `${origin}: ${res.text}`);
    }
  });

  it('refuses a Host that a rebinding page would send, on a loopback bind', async () => {
    // Node's fetch does not let a caller set Host: speak HTTP by hand.
    const { request } = await import('node:http');
    const url = new URL(t.url);
    const status = await new Promise<number>((resolve, reject) => {
      const req = request(
        {
          host: url.hostname,
          port: url.port,
          path: '/mcp',
          method: 'POST',
          headers: { host: 'rebind.example:8000', 'content-type': 'application/json', accept: ACCEPT },
        },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        },
      );
      req.on('error', reject);
      req.end(JSON.stringify(initialize()));
    });
    assert.equal(status, 403);
  });
});

describe('2025 sessions: limits and expiry', () => {
  it('serves 50 concurrent sessions', async () => {
    const clients = await Promise.all(Array.from({ length: 50 }, () => connectMcp(`${t.url}/mcp`, 'legacy')));
    const lists = await Promise.all(clients.map((c) => c.listTools()));
    assert.equal(lists.length, 50);
    assert.ok(lists.every((l) => Array.isArray(l.tools)));
    await Promise.all(clients.map((c) => c.close()));
  });

  it('negotiates the older 2025 revisions and 2024-11-05 as the SDK does; an unknown one gets 2025-11-25', async () => {
    for (const [asked, expected] of [
      ['2024-11-05', '2024-11-05'],
      ['2025-03-26', '2025-03-26'],
      ['2025-06-18', '2025-06-18'],
      ['2025-11-25', '2025-11-25'],
      ['1999-01-01', '2025-11-25'],
    ]) {
      const body = { ...initialize(), params: { ...initialize().params, protocolVersion: asked } };
      const init = await post('/mcp', JSON.stringify(body));
      assert.equal(init.status, 200, init.text);
      assert.equal(init.json?.result?.protocolVersion, expected, asked);
      const headers = {
        'mcp-session-id': init.headers.get('mcp-session-id') as string,
        'mcp-protocol-version': expected,
      };
      await post('/mcp', JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }), headers);
      const list = await post('/mcp', JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/list' }), headers);
      assert.equal(list.status, 200, `${asked}: ${list.text}`);
      assert.ok(Array.isArray(list.json?.result?.tools), asked);
      await fetch(`${t.url}/mcp`, { method: 'DELETE', headers });
    }
  });

  it('closes a session on DELETE: it is then unknown (404)', async () => {
    const init = await post('/mcp', JSON.stringify(initialize()));
    const sid = init.headers.get('mcp-session-id') as string;
    assert.ok(sid);
    const del = await fetch(`${t.url}/mcp`, {
      method: 'DELETE',
      headers: { 'mcp-session-id': sid, 'mcp-protocol-version': '2025-11-25' },
    });
    assert.ok(del.status >= 200 && del.status < 300, String(del.status));
    const after = await post('/mcp', JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'ping' }), {
      'mcp-session-id': sid,
      'mcp-protocol-version': '2025-11-25',
    });
    assert.equal(after.status, 404);
  });

  it('expires an idle session (MCP_SESSION_IDLE_SECONDS) and says so with a 404', async () => {
    // An app of its own: a short idle time would expire the busy sessions of the other tests under load.
    const idle = await startApp({ MCP_SESSION_IDLE_SECONDS: '1' });
    try {
      const at = (body: unknown, headers: Record<string, string> = {}) =>
        fetch(`${idle.url}/mcp`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...headers },
          body: JSON.stringify(body),
        });
      const init = await at(initialize());
      const sid = init.headers.get('mcp-session-id') as string;
      const headers = { 'mcp-session-id': sid, 'mcp-protocol-version': '2025-11-25' };
      await at({ jsonrpc: '2.0', method: 'notifications/initialized' }, headers);
      const alive = await at({ jsonrpc: '2.0', id: 2, method: 'ping' }, headers);
      assert.equal(alive.status, 200, await alive.text());
      await new Promise((r) => setTimeout(r, 2500));
      const expired = await at({ jsonrpc: '2.0', id: 3, method: 'ping' }, headers);
      assert.equal(expired.status, 404);
      assert.match(
        ((await expired.json()) as { error?: { message?: string } }).error?.message ?? '',
        /expired|not found/i,
      );
    } finally {
      await idle.close();
    }
  });
});

describe('the session cap', () => {
  it('refuses a session past MCP_MAX_SESSIONS with a clear error, and accepts again once one closes', async () => {
    const capped = await startApp({ MCP_MAX_SESSIONS: '3' });
    try {
      const open = async () =>
        fetch(`${capped.url}/mcp`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', accept: ACCEPT },
          body: JSON.stringify(initialize()),
        });
      const sids: string[] = [];
      for (let i = 0; i < 3; i++) {
        const res = await open();
        assert.equal(res.status, 200);
        sids.push(res.headers.get('mcp-session-id') as string);
        await res.text();
      }
      const refused = await open();
      assert.equal(refused.status, 503);
      const body = (await refused.json()) as any;
      assert.equal(body.jsonrpc, '2.0');
      assert.match(body.error.message, /Too many open MCP sessions .*MCP_MAX_SESSIONS/);
      assert.ok(refused.headers.get('retry-after'));
      await fetch(`${capped.url}/mcp`, {
        method: 'DELETE',
        headers: { 'mcp-session-id': sids[0], 'mcp-protocol-version': '2025-11-25' },
      });
      const again = await open();
      assert.equal(again.status, 200);
      await again.text();
    } finally {
      await capped.close();
    }
  });
});

describe('the cap on 2026-07-28 listen streams', () => {
  it('refuses a stream past MCP_MAX_LISTEN_STREAMS (503) and accepts again once one closes', async () => {
    const capped = await startApp({ MCP_MAX_LISTEN_STREAMS: '3' });
    const clients = await Promise.all(Array.from({ length: 4 }, () => connectMcp(`${capped.url}/mcp`, 'modern')));
    try {
      for (const c of clients.slice(0, 3)) await c.listen({ toolsListChanged: true });
      const refused = await clients[3].listen({ toolsListChanged: true }).then(
        () => null,
        (e: Error) => e,
      );
      assert.ok(refused, 'the fourth stream is refused');
      assert.match(refused.message, /Too many open listen streams \(the limit is 3, MCP_MAX_LISTEN_STREAMS\)/);
      await clients[0].close();
      let reopened: Error | null = null;
      for (let i = 0; i < 50; i++) {
        reopened = await clients[3].listen({ toolsListChanged: true }).then(
          () => null,
          (e: Error) => e,
        );
        if (!reopened) break;
        await new Promise((r) => setTimeout(r, 50));
      }
      assert.equal(reopened, null, 'a stream is accepted once one has closed');
    } finally {
      await Promise.all(clients.map((c) => c.close().catch(() => undefined)));
      await capped.close();
    }
  });

  it('one client holds at most 32 streams, so it cannot take all of them; callers on this machine count in the total only', async () => {
    // Clients known by an address of their own: behind a trusted proxy, each its X-Forwarded-For.
    const proxied = await startApp({ TRUST_PROXY: 'loopback', MCP_MAX_LISTEN_STREAMS: '100' });
    const as = (address: string) =>
      connectMcp(`${proxied.url}/mcp`, 'modern', { headers: { 'x-forwarded-for': address } });
    const clients = await Promise.all([
      ...Array.from({ length: 33 }, () => as('203.0.113.7')),
      as('203.0.113.8'),
      ...Array.from({ length: 34 }, () => connectMcp(`${proxied.url}/mcp`, 'modern')),
    ]);
    try {
      for (const c of clients.slice(0, 32)) await c.listen({ toolsListChanged: true });
      const refused = await clients[32].listen({ toolsListChanged: true }).then(
        () => null,
        (e: Error) => e,
      );
      assert.ok(refused);
      assert.match(refused.message, /Too many open listen streams for this client \(the limit is 32\)/);
      await clients[33].listen({ toolsListChanged: true }); // another client is not held back
      // 34 callers on 127.0.0.1 (one address for every client of this machine): past 32, still served.
      for (const c of clients.slice(34)) await c.listen({ toolsListChanged: true });
    } finally {
      await Promise.all(clients.map((c) => c.close().catch(() => undefined)));
      await proxied.close();
    }
  });
});

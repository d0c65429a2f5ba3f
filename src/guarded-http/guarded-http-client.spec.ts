import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import type { NetworkRules } from './network-rules';
import { GuardedHttpClient, GuardedHttpError } from './guarded-http-client';
import type { Resolver } from './destination';

// Every connection in this file goes to a peer on 127.0.0.1; names resolve through a fake resolver.
type Handler = (req: IncomingMessage, res: ServerResponse, body: string) => void;

async function peer(handler: Handler): Promise<{ server: Server; port: number; hits: string[] }> {
  const hits: string[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      hits.push(`${req.method} ${req.url}`);
      handler(req, res, body);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, port: (server.address() as AddressInfo).port, hits };
}

const lookups: string[] = [];
const resolver: Resolver = async (name) => {
  lookups.push(name);
  if (name === 'peer.test') return [{ address: '127.0.0.1', family: 4 }];
  throw Object.assign(new Error('nope'), { code: 'ENOTFOUND' });
};

/** What a peer saw: the caller's headers (without the ones node:http sets itself), method and body. */
function echo(req: IncomingMessage, res: ServerResponse, body: string): void {
  const headers = Object.fromEntries(
    Object.entries(req.headers).filter(([k]) => !['host', 'connection', 'content-length'].includes(k)),
  );
  res.setHeader('content-type', 'application/json');
  res.end(JSON.stringify({ method: req.method, headers, body }));
}

describe('GuardedHttpClient against a loopback peer', () => {
  let main: Awaited<ReturnType<typeof peer>>;
  let other: Awaited<ReturnType<typeof peer>>;
  let second: Awaited<ReturnType<typeof peer>>;
  const client = new GuardedHttpClient({ resolver, timeoutMs: 3000 });
  const rules = (over: Partial<NetworkRules> = {}): NetworkRules => ({
    allowedHosts: [
      { host: '127.0.0.1', port: main.port },
      { host: 'peer.test', port: main.port },
    ],
    policy: 'require_approval',
    allowLoopback: true,
    ...over,
  });

  before(async () => {
    other = await peer((_req, res) => res.end('other peer'));
    second = await peer(echo);
    main = await peer((req, res, body) => {
      const url = new URL(req.url ?? '/', 'http://x');
      switch (url.pathname) {
        case '/echo':
          return echo(req, res, body);
        case '/json':
          res.setHeader('content-type', 'application/json');
          res.end(
            JSON.stringify({
              ok: true,
              method: req.method,
              body,
              auth: req.headers.authorization ?? null,
              host: req.headers.host,
              key: req.headers['x-api-key'] ?? null,
            }),
          );
          return;
        case '/redirect':
          res.statusCode = Number(url.searchParams.get('status') ?? 302);
          res.setHeader('location', url.searchParams.get('to') ?? '/json');
          res.end();
          return;
        case '/loop':
          res.statusCode = 302;
          res.setHeader('location', '/loop');
          res.end();
          return;
        case '/big':
          res.end(Buffer.alloc(Number(url.searchParams.get('n')), 97));
          return;
        case '/gzip':
          res.setHeader('content-encoding', 'gzip');
          res.end(gzipSync('compressed hello'));
          return;
        case '/slow':
          setTimeout(() => res.end('late'), 2000);
          return;
        default:
          res.end('hello');
      }
    });
  });
  after(() => {
    main.server.close();
    other.server.close();
    second.server.close();
  });

  it('reaches an approved loopback peer when allowLoopback is true', async () => {
    const res = await client.request(
      `http://127.0.0.1:${main.port}/json`,
      { method: 'POST', body: 'payload', headers: { 'x-api-key': 'k1' } },
      rules(),
    );
    assert.equal(res.status, 200);
    const body = JSON.parse(res.body.toString());
    assert.deepEqual(
      [body.method, body.body, body.key, body.host],
      ['POST', 'payload', 'k1', `127.0.0.1:${main.port}`],
    );
  });

  it('connects a name to the address it resolved once, sending the name as Host', async () => {
    lookups.length = 0;
    const res = await client.request(`http://peer.test:${main.port}/json`, {}, rules());
    assert.equal(JSON.parse(res.body.toString()).host, `peer.test:${main.port}`);
    assert.deepEqual(lookups, ['peer.test']);
  });

  it('refuses the same peer when allowLoopback is false, without connecting', async () => {
    const before = main.hits.length;
    await assert.rejects(
      client.request(`http://127.0.0.1:${main.port}/json`, {}, rules({ allowLoopback: false })),
      (e: GuardedHttpError) => e.code === 'blocked' && /loopback/.test(e.message),
    );
    await assert.rejects(
      client.request(
        `http://[::ffff:127.0.0.1]:${main.port}/json`,
        {},
        rules({ allowLoopback: false, policy: 'allow_all_public' }),
      ),
      /loopback/,
    );
    await assert.rejects(
      client.request(
        `http://2130706433:${main.port}/json`,
        {},
        rules({ allowLoopback: false, policy: 'allow_all_public' }),
      ),
      /loopback/,
    );
    assert.equal(main.hits.length, before);
  });

  it('refuses a port that is not approved', async () => {
    await assert.rejects(client.request(`http://127.0.0.1:${other.port}/`, {}, rules()), /port .* not approved/);
    assert.equal(other.hits.length, 0);
  });

  it('follows a redirect to an allowed URL and reports it', async () => {
    const res = await client.request(
      `http://127.0.0.1:${main.port}/redirect?to=/json`,
      { method: 'POST', body: 'x' },
      rules(),
    );
    assert.equal(res.status, 200);
    assert.equal(res.redirected, true);
    assert.equal(JSON.parse(res.body.toString()).method, 'GET', '302 after POST becomes GET');
  });

  it('refuses a redirect into a disallowed host, port or range, without connecting there', async () => {
    for (const to of [
      'http://169.254.169.254/latest/meta-data/',
      'http://10.0.0.1/',
      `http://127.0.0.1:${other.port}/`,
      'http://metadata.google.internal/',
      'file:///etc/passwd',
      'http://evil.example.com/',
    ]) {
      await assert.rejects(
        client.request(`http://127.0.0.1:${main.port}/redirect?to=${encodeURIComponent(to)}`, {}, rules()),
        (e: GuardedHttpError) => e.code === 'blocked' && /redirect refused/.test(e.message),
        to,
      );
    }
    assert.equal(other.hits.length, 0);
  });

  it('strips Authorization on a redirect to another origin', async () => {
    const r = rules({ allowedHosts: [{ host: '127.0.0.1', port: null }] });
    const res = await client.request(
      `http://127.0.0.1:${main.port}/redirect?to=${encodeURIComponent(`http://peer.test:${main.port}/json`)}`,
      { headers: { authorization: 'Bearer s3cret' } },
      { ...r, allowedHosts: [...r.allowedHosts, { host: 'peer.test', port: null }] },
    );
    assert.equal(JSON.parse(res.body.toString()).auth, null);
    const same = await client.request(
      `http://127.0.0.1:${main.port}/redirect?to=/json`,
      { headers: { authorization: 'Bearer s3cret' } },
      r,
    );
    assert.equal(JSON.parse(same.body.toString()).auth, 'Bearer s3cret');
  });

  describe('redirects never carry a secret to the next hop', () => {
    const SECRET = 'sk-live-9f8e7d6c5b4a';
    const anyPort = (): NetworkRules => rules({ allowedHosts: [{ host: '127.0.0.1', port: null }] });
    const hop = (status: number, to: string) =>
      `http://127.0.0.1:${main.port}/redirect?status=${status}&to=${encodeURIComponent(to)}`;
    const seen = async (res: { body: Buffer }) =>
      JSON.parse(res.body.toString()) as { method: string; headers: Record<string, string>; body: string };
    const everyHeader: [string, string][] = [
      ['x-api-key', 'k-plain'],
      ['private-token', 'pt-plain'],
      ['x-anything', 'v'],
      ['authorization', 'Bearer b-plain'],
      ['cookie', 'c=1'],
      ['proxy-authorization', 'Basic eDp5'],
      ['accept', 'application/json'],
      ['accept-language', 'de'],
      ['content-language', 'en'],
      ['user-agent', 'tool/1.0'],
      ['content-type', 'text/plain'],
    ];

    it('towards another origin only accept, accept-language, content-language and user-agent follow', async () => {
      for (const status of [301, 302, 303, 307, 308]) {
        const res = await client.request(
          hop(status, `http://127.0.0.1:${second.port}/`),
          { headers: everyHeader },
          anyPort(),
        );
        // A 303 turns the request into a GET without a body: the body's own headers go too (as in fetch).
        const bodyHeaders = status === 303 ? {} : { 'content-language': 'en' };
        assert.deepEqual(
          (await seen(res)).headers,
          { accept: 'application/json', 'accept-language': 'de', ...bodyHeaders, 'user-agent': 'tool/1.0' },
          `status ${status}`,
        );
      }
    });

    it('content-type follows to another origin only with a body re-sent on 307/308', async () => {
      for (const status of [307, 308]) {
        const res = await client.request(
          hop(status, `http://127.0.0.1:${second.port}/`),
          { method: 'POST', body: 'payload', headers: [...everyHeader, ['content-type', 'text/csv']] },
          anyPort(),
        );
        const got = await seen(res);
        assert.deepEqual(
          [got.method, got.body, got.headers['content-type']],
          ['POST', 'payload', 'text/plain, text/csv'],
        );
        assert.equal(got.headers['x-api-key'], undefined);
      }
      const rewritten = await seen(
        await client.request(
          hop(302, `http://127.0.0.1:${second.port}/`),
          { method: 'POST', body: 'payload', headers: everyHeader },
          anyPort(),
        ),
      );
      assert.deepEqual([rewritten.method, rewritten.body, rewritten.headers['content-type']], ['GET', '', undefined]);
    });

    it('a header holding a secret value is dropped on every hop, also within the origin', async () => {
      const basic = Buffer.from(`user:${SECRET}`).toString('base64');
      const res = await client.request(
        hop(302, '/echo'),
        {
          headers: [
            ['x-api-key', SECRET],
            ['authorization', `Bearer ${SECRET}`],
            ['x-basic', `Basic ${basic}`],
            ['x-encoded', `token=${encodeURIComponent(`${SECRET}/+`)}`],
            ['x-trace', 'trace-1'],
            ['authorization-hint', 'no secret here'],
          ],
          secrets: [SECRET, encodeURIComponent(`${SECRET}/+`)],
        },
        anyPort(),
      );
      assert.deepEqual((await seen(res)).headers, { 'x-trace': 'trace-1', 'authorization-hint': 'no secret here' });
      // The first hop itself carries every header: only redirects drop them.
      const direct = await seen(
        await client.request(
          `http://127.0.0.1:${main.port}/echo`,
          { headers: [['x-api-key', SECRET]], secrets: [SECRET] },
          anyPort(),
        ),
      );
      assert.equal(direct.headers['x-api-key'], SECRET);
    });

    it('a body holding a secret value is not re-sent to another origin', async () => {
      const before = second.hits.length;
      for (const body of [
        `client_secret=${SECRET}`,
        JSON.stringify({ key: SECRET }),
        `k=${encodeURIComponent(SECRET)}`,
      ])
        await assert.rejects(
          client.request(
            hop(307, `http://127.0.0.1:${second.port}/`),
            { method: 'POST', body, secrets: [SECRET] },
            anyPort(),
          ),
          (e: GuardedHttpError) => e.code === 'blocked' && /request body holds a secret value/.test(e.message),
          body,
        );
      assert.equal(second.hits.length, before, 'the other origin was never contacted');
      // Within the origin the body is re-sent as it is.
      const same = await seen(
        await client.request(hop(307, '/echo'), { method: 'POST', body: `s=${SECRET}`, secrets: [SECRET] }, anyPort()),
      );
      assert.equal(same.body, `s=${SECRET}`);
    });
  });

  it('stops after 5 redirects', async () => {
    await assert.rejects(
      client.request(`http://127.0.0.1:${main.port}/loop`, {}, rules()),
      (e: GuardedHttpError) => e.code === 'too_many_redirects',
    );
  });

  it('caps the response body', async () => {
    const ok = await client.request(`http://127.0.0.1:${main.port}/big?n=1000`, { maxBodyBytes: 1000 }, rules());
    assert.equal(ok.body.length, 1000);
    await assert.rejects(
      client.request(`http://127.0.0.1:${main.port}/big?n=1001`, { maxBodyBytes: 1000 }, rules()),
      (e: GuardedHttpError) => e.code === 'too_large',
    );
    await assert.rejects(
      client.request(`http://127.0.0.1:${main.port}/big?n=${10 * 1024 * 1024 + 1}`, {}, rules()),
      (e: GuardedHttpError) => e.code === 'too_large',
    );
  });

  it('counts each chunk of the body through `reserve`, and stops the read when it refuses', async () => {
    let counted = 0;
    const ok = await client.request(
      `http://127.0.0.1:${main.port}/big?n=300000`,
      { reserve: (n) => void (counted += n) },
      rules(),
    );
    assert.equal(counted, ok.body.length);
    await assert.rejects(
      client.request(
        `http://127.0.0.1:${main.port}/big?n=300000`,
        {
          reserve: (n) => {
            counted += n;
            if (counted > 400_000) throw new Error('over the budget');
          },
        },
        rules(),
      ),
      (e: GuardedHttpError) => e.code === 'over_budget' && e.message === 'over the budget',
    );
  });

  it('decompresses a gzip body', async () => {
    const res = await client.request(`http://127.0.0.1:${main.port}/gzip`, {}, rules());
    assert.equal(res.body.toString(), 'compressed hello');
    assert.equal(
      res.headers.find(([k]) => k === 'content-encoding'),
      undefined,
    );
  });

  it('times out a slow response', async () => {
    const t = Date.now();
    await assert.rejects(
      client.request(`http://127.0.0.1:${main.port}/slow`, { timeoutMs: 300 }, rules()),
      (e: GuardedHttpError) => e.code === 'timeout',
    );
    assert.ok(Date.now() - t < 1500);
  });

  it('refuses a bad method', async () => {
    await assert.rejects(
      client.request(`http://127.0.0.1:${main.port}/`, { method: 'GE T' }, rules()),
      (e: GuardedHttpError) => e.code === 'invalid_request',
    );
  });
});

import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, describe, it } from 'node:test';
import type { Resolver } from '../guarded-http/destination';
import { GuardedHttpError } from '../guarded-http/guarded-http-client';
import type { NetworkRules } from '../guarded-http/network-rules';
import { guardedSourceFetch } from './guarded-source-fetch';

// Every connection goes to a peer on 127.0.0.1; other addresses are only ever decided on, never dialled.
const servers: Server[] = [];
after(() => Promise.all(servers.map((s) => new Promise((r) => s.close(r)))));

async function peer(handler: (req: IncomingMessage, res: ServerResponse) => void) {
  const hits: { url: string; headers: IncomingMessage['headers'] }[] = [];
  const server = createServer((req, res) => {
    hits.push({ url: req.url ?? '', headers: req.headers });
    handler(req, res);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  servers.push(server);
  return { port: (server.address() as AddressInfo).port, hits };
}

const rules = (...hosts: [string, number | null][]): NetworkRules => ({
  allowedHosts: hosts.map(([host, port]) => ({ host, port })),
  policy: 'require_approval',
  allowLoopback: true,
});
const resolved: string[] = [];
const resolver: Resolver = async (name) => {
  resolved.push(name);
  if (name === 'source.test') return [{ address: '127.0.0.1', family: 4 }];
  if (name === 'metadata.test') return [{ address: '169.254.169.254', family: 4 }];
  throw Object.assign(new Error('nope'), { code: 'ENOTFOUND' });
};
const blocked = (err: unknown) => err instanceof GuardedHttpError && err.code === 'blocked';

describe('guardedSourceFetch: the external sources’ network path', () => {
  it('refuses blocked and unallowed destinations before connecting', async () => {
    const p = await peer((_req, res) => res.end('hi'));
    const f = guardedSourceFetch({ rules: async () => rules(['127.0.0.1', p.port]), resolver });
    for (const url of [
      'http://169.254.169.254/latest/meta-data',
      'http://[::ffff:a9fe:a9fe]/',
      'http://2852039166/',
      'http://10.0.0.1/mcp',
      'http://metadata.test/mcp',
      `http://127.0.0.1:${p.port + 1 === 65536 ? 1 : p.port + 1}/mcp`,
      'file:///etc/passwd',
    ])
      await assert.rejects(f(url, { method: 'POST', body: '{}' }), blocked, url);
    assert.equal(p.hits.length, 0);
  });

  it('connects to the checked address (a name is resolved once and pinned) and streams the body', async () => {
    const p = await peer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('event: message\ndata: {"first":true}\n\n');
      // The rest never comes while the test reads: only a streaming body lets it see the first event.
    });
    const f = guardedSourceFetch({ rules: async () => rules(['source.test', p.port]), resolver });
    resolved.length = 0;
    const controller = new AbortController();
    const res = await f(`http://source.test:${p.port}/mcp`, { signal: controller.signal });
    assert.equal(res.status, 200);
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    const first = await reader.read();
    assert.match(Buffer.from(first.value as Uint8Array).toString(), /"first":true/);
    controller.abort();
    assert.deepEqual(resolved, ['source.test']);
    assert.equal(p.hits[0].headers.host, `source.test:${p.port}`);
  });

  it('re-checks every redirect: into a blocked address is refused; to another origin credentials are dropped', async () => {
    const target = await peer((_req, res) => res.end('landed'));
    const toMetadata = await peer((_req, res) =>
      res.writeHead(307, { location: 'http://169.254.169.254/latest/meta-data' }).end(),
    );
    const toOther = await peer((_req, res) =>
      res.writeHead(307, { location: `http://127.0.0.1:${target.port}/there` }).end(),
    );
    const f = guardedSourceFetch({
      rules: async () => rules(['127.0.0.1', toMetadata.port], ['127.0.0.1', toOther.port], ['127.0.0.1', target.port]),
      resolver,
    });
    await assert.rejects(
      f(`http://127.0.0.1:${toMetadata.port}/mcp`),
      (err: unknown) => blocked(err) && /redirect refused/.test((err as Error).message),
    );
    // A body (a token request's refresh token, say) never follows to another origin.
    await assert.rejects(
      f(`http://127.0.0.1:${toOther.port}/token`, { method: 'POST', body: 'refresh_token=r3fresh' }),
      (err: unknown) => blocked(err) && /with a body/.test((err as Error).message),
    );
    assert.equal(target.hits.length, 0);
    const res = await f(`http://127.0.0.1:${toOther.port}/mcp`, {
      method: 'GET',
      headers: { authorization: 'Bearer s3cret', 'x-api-key': 'k3y', accept: 'application/json' },
    });
    assert.equal(await res.text(), 'landed');
    assert.equal(target.hits[0].headers.authorization, undefined);
    assert.equal(target.hits[0].headers['x-api-key'], undefined);
    assert.equal(target.hits[0].headers.accept, 'application/json');
    assert.equal(toOther.hits.at(-1)?.headers.authorization, 'Bearer s3cret');
  });

  it('reads the rules for every request (an allowance removed takes effect at once)', async () => {
    const p = await peer((_req, res) => res.end('ok'));
    let current = rules(['127.0.0.1', p.port]);
    const f = guardedSourceFetch({ rules: async () => current, resolver });
    assert.equal(await (await f(`http://127.0.0.1:${p.port}/`)).text(), 'ok');
    current = rules();
    await assert.rejects(f(`http://127.0.0.1:${p.port}/`), blocked);
    assert.equal(p.hits.length, 1);
  });
});

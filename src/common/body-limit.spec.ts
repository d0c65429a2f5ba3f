import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { after, before, describe, it } from 'node:test';
import Fastify from 'fastify';
import {
  discardOversizedBody,
  drainBound,
  jsonElementsOver,
  jsonRpcBodyTooLarge,
  maxJsonElements,
  readBodyWithin,
  registerBodyLimit,
} from './body-limit';

const MiB = 1024 * 1024;
const LIMIT = MiB;

/** What a route that reads the raw request itself (reply.hijack(), the MCP gateway) does with the helpers. */
async function gatewayLike(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const answerTooLarge = (drained: boolean) => {
    res.writeHead(413, { 'content-type': 'application/json', ...(drained ? {} : { connection: 'close' }) });
    res.end(JSON.stringify(jsonRpcBodyTooLarge(LIMIT)));
  };
  if (req.url === '/declared') {
    const check = await discardOversizedBody(req, LIMIT);
    if (check.tooLarge) return answerTooLarge(check.drained);
  }
  const read = await readBodyWithin(req, LIMIT);
  if ('tooLarge' in read) return answerTooLarge(read.drained);
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ bytes: read.body.length }));
}

function chunked(bytes: number): ReadableStream<Uint8Array> {
  let left = bytes;
  return new ReadableStream({
    pull(controller) {
      if (left <= 0) return controller.close();
      const n = Math.min(left, 64 * 1024);
      left -= n;
      controller.enqueue(new Uint8Array(n).fill(0x20));
    },
  });
}

describe('body limit helpers for routes that read the raw request', () => {
  let server: Server;
  let url: string;
  before(async () => {
    server = createServer((req, res) => void gatewayLike(req, res));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const address = server.address();
    url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  });
  after(() => new Promise((r) => server.close(r)));

  const post = async (path: string, body: Buffer | ReadableStream<Uint8Array>) => {
    const res = await fetch(`${url}${path}`, {
      method: 'POST',
      body,
      ...(body instanceof ReadableStream ? { duplex: 'half' } : {}),
    } as RequestInit);
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };

  for (const path of ['/declared', '/read'])
    it(`answers 2 and 5 MiB bodies with a 413 and a JSON-RPC error the client receives (${path})`, async () => {
      for (let round = 0; round < 5; round++)
        for (const size of [2 * MiB, 5 * MiB]) {
          const res = await post(path, Buffer.alloc(size, 0x20));
          assert.equal(res.status, 413);
          assert.deepEqual(res.body, {
            jsonrpc: '2.0',
            id: null,
            error: { code: -32600, message: 'Request body is too large: the limit is 1 MiB' },
          });
        }
    });

  it('reads a chunked body within the limit, and refuses one past it with the 413', async () => {
    assert.deepEqual(await post('/read', chunked(LIMIT)), { status: 200, body: { bytes: LIMIT } });
    assert.equal((await post('/read', chunked(5 * MiB))).status, 413);
  });

  it('drains at most 8× the limit, never more than 64 MiB, never less than the limit', () => {
    assert.equal(drainBound(MiB), 8 * MiB);
    assert.equal(drainBound(32 * MiB), 64 * MiB);
    assert.equal(drainBound(100 * MiB), 100 * MiB);
  });

  it("answers with the JSON-RPC body on a Fastify route marked oversizedBody: 'json-rpc' (the hook)", async () => {
    const app = Fastify({ bodyLimit: LIMIT });
    registerBodyLimit(app);
    app.post('/mcp', { config: { oversizedBody: 'json-rpc' } }, async () => ({ ok: true }));
    app.post('/api', async () => ({ ok: true }));
    const base = await app.listen({ port: 0, host: '127.0.0.1' });
    try {
      for (const body of [Buffer.alloc(5 * MiB, 0x20), chunked(5 * MiB)]) {
        const res = await fetch(`${base}/mcp`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body,
          ...(body instanceof ReadableStream ? { duplex: 'half' } : {}),
        } as RequestInit);
        assert.equal(res.status, 413);
        assert.deepEqual(await res.json(), jsonRpcBodyTooLarge(LIMIT));
      }
      const small = await fetch(`${base}/mcp`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{}',
      });
      assert.deepEqual(await small.json(), { ok: true });
    } finally {
      await app.close();
    }
  });

  it('counts JSON elements outside strings, escaped quotes included', () => {
    const count = (text: string) => {
      let n = 0;
      while (jsonElementsOver(' '.repeat(1000) + text, n)) n++;
      return n;
    };
    assert.equal(count('[1,2,3]'), 3);
    assert.equal(count('{"a,b:[{c":1}'), 2);
    assert.equal(count('["a\\"b,c,d",1]'), 2);
    assert.equal(count('["\\\\",1,2]'), 3);
    assert.equal(count('"unterminated,,,'), 0);
    assert.equal(maxJsonElements(MiB), 100_000);
    assert.equal(maxJsonElements(32 * MiB), 524_288);
  });
});

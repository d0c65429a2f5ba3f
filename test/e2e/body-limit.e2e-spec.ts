import { LOOPBACK_NODE_OPTIONS } from '../support/loopback-only';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { BODY_LIMIT_BYTES, IMPORT_BODY_LIMIT_BYTES } from '../../src/common/limits';
import { setupAdmin, startApp, type TestApp } from '../support/app';

const MiB = 1024 * 1024;

interface Sent {
  path: string;
  bytes: number;
  headers?: Record<string, string>;
  /** Sent as a stream without content-length (chunked transfer encoding). */
  chunked?: boolean;
}
type Received = { status: number; body: Record<string, unknown> } | { error: string };

/**
 * Sends the requests one after another with Node's fetch from another process, as a real
 * client would (in the server's own process the race that loses the 413 hardly shows), and
 * returns what that client saw: the status and body, or the network error.
 */
async function sendFromClient(base: string, requests: Sent[]): Promise<Received[]> {
  const script = `
    const [base, json] = process.argv.slice(1);
    const chunked = (bytes) => { let left = bytes; return new ReadableStream({ pull(c) {
      if (left <= 0) return c.close(); const n = Math.min(left, 65536); left -= n; c.enqueue(new Uint8Array(n).fill(32)); } }); };
    const body = (bytes) => Buffer.from(JSON.stringify({ username: 'admin', password: 'x'.repeat(bytes - 40) }));
    (async () => {
      const out = [];
      for (const r of JSON.parse(json)) {
        try {
          const res = await fetch(base + r.path, { method: 'POST', headers: { 'content-type': 'application/json', ...r.headers },
            body: r.chunked ? chunked(r.bytes) : body(r.bytes), ...(r.chunked ? { duplex: 'half' } : {}) });
          out.push({ status: res.status, body: await res.json() });
        } catch (err) { out.push({ error: err.message + ': ' + (err.cause?.code ?? err.cause?.message ?? '') }); }
      }
      process.stdout.write(JSON.stringify(out));
    })();`;
  const child = spawn(process.execPath, ['-e', script, base, JSON.stringify(requests)], {
    env: {
      PATH: process.env.PATH ?? '',
      NODE_OPTIONS: LOOPBACK_NODE_OPTIONS,
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  await new Promise((resolve) => child.on('close', resolve));
  return JSON.parse(out) as Received[];
}

function assertTooLarge(res: Received, limitText: RegExp = /1 MiB/): void {
  assert.ok('status' in res, `a response, not a network error: ${JSON.stringify(res)}`);
  assert.equal(res.status, 413);
  assert.equal(res.body.statusCode, 413);
  assert.equal(res.body.error, 'Payload Too Large');
  assert.match(String(res.body.message), limitText);
}

describe('a body over the limit: a 413 that clients receive (Node fetch)', () => {
  let t: TestApp;
  let token: string;
  before(async () => {
    t = await startApp();
    token = await setupAdmin(t);
  });
  after(async () => t.close());

  // A client still sending when the answer comes sees EPIPE or ECONNRESET only now and then
  // (when the socket buffers cannot hold the rest), so each case runs a few rounds.
  for (const size of [2 * MiB, 5 * MiB])
    it(`answers ${size / MiB} MiB with 413 and the JSON error, on an open and a protected route`, async () => {
      const auth = { authorization: `Bearer ${token}` };
      const round: Sent[] = [
        { path: '/auth/login', bytes: size },
        { path: '/api/servers', bytes: size, headers: auth },
        // Also before the token is checked, and on a route that does not exist.
        { path: '/api/servers', bytes: size },
        { path: '/no/such/route', bytes: size },
      ];
      const results = await sendFromClient(t.url, Array.from({ length: 8 }, () => round).flat());
      assert.equal(results.length, 32);
      for (const res of results) assertTooLarge(res);
    });

  it('answers a chunked body (no content-length) over the limit with 413', async () => {
    for (const res of await sendFromClient(
      t.url,
      Array(4).fill({ path: '/auth/login', bytes: 5 * MiB, chunked: true }),
    ))
      assertTooLarge(res);
  });

  it('keeps the larger limit of the import route, and answers beyond it with 413', async () => {
    const [res] = await sendFromClient(t.url, [
      {
        path: '/api/export/import',
        bytes: IMPORT_BODY_LIMIT_BYTES + MiB,
        headers: { authorization: `Bearer ${token}` },
      },
    ]);
    assertTooLarge(res, /32 MiB/);
  });

  it('still parses a body just under the limit, and the server keeps answering', async () => {
    const [res] = await sendFromClient(t.url, [{ path: '/auth/login', bytes: BODY_LIMIT_BYTES - 100 }]);
    assert.ok('status' in res && res.status === 400, JSON.stringify(res).slice(0, 200));
    assert.equal((await t.get('/health')).status, 200);
  });
});

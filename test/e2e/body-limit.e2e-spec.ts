import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { BODY_LIMIT_BYTES, IMPORT_BODY_LIMIT_BYTES } from '../../src/common/limits';
import { setupAdmin, startApp, type TestApp } from '../support/app';

const MiB = 1024 * 1024;

/** What a client using Node's fetch sees: the status and body, or the network error. */
async function send(
  url: string,
  body: Buffer | ReadableStream<Uint8Array>,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: Record<string, unknown> } | { error: string }> {
  try {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body,
      ...(body instanceof ReadableStream ? { duplex: 'half' } : {}),
    } as RequestInit);
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  } catch (err) {
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    return { error: `${(err as Error).message}: ${cause?.code ?? cause?.message ?? ''}` };
  }
}

const jsonOf = (bytes: number): Buffer =>
  Buffer.from(JSON.stringify({ username: 'admin', password: 'x'.repeat(bytes - 40) }));

/** A body of `bytes` sent in 64 KiB chunks with no content-length (chunked transfer encoding). */
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

function assertTooLarge(res: Awaited<ReturnType<typeof send>>, limitText: RegExp = /1 MiB/): void {
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
      for (let round = 0; round < 8; round++) {
        assertTooLarge(await send(`${t.url}/auth/login`, jsonOf(size)));
        assertTooLarge(await send(`${t.url}/api/servers`, jsonOf(size), { authorization: `Bearer ${token}` }));
        // Also before the token is checked, and on a route that does not exist.
        assertTooLarge(await send(`${t.url}/api/servers`, jsonOf(size)));
        assertTooLarge(await send(`${t.url}/no/such/route`, jsonOf(size)));
      }
    });

  it('answers a chunked body (no content-length) over the limit with 413', async () => {
    assertTooLarge(await send(`${t.url}/auth/login`, chunked(5 * MiB)));
  });

  it('keeps the larger limit of the import route, and answers beyond it with 413', async () => {
    const res = await send(`${t.url}/api/export/import`, jsonOf(IMPORT_BODY_LIMIT_BYTES + MiB), {
      authorization: `Bearer ${token}`,
    });
    assertTooLarge(res, /32 MiB/);
  });

  it('still parses a body just under the limit, and the server keeps answering', async () => {
    const res = await send(`${t.url}/auth/login`, jsonOf(BODY_LIMIT_BYTES - 100));
    assert.ok('status' in res && res.status === 400, JSON.stringify(res).slice(0, 200));
    assert.equal((await t.get('/health')).status, 200);
  });
});

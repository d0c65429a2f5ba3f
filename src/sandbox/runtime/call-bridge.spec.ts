import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { GuardedHttpClient } from '../../guarded-http/guarded-http-client';
import { CallBridge, type AsyncHandlers, type SyncHandlers } from './call-bridge';
import type { FetchReply, HostBridge } from './isolate/bridge';

const rules = { allowedHosts: [], policy: 'require_approval' as const, allowLoopback: false };
const bridge = () => new CallBridge(new GuardedHttpClient(), rules, Date.now() + 5000);

/**
 * Compile-time checks, never run: `tsc` (part of `npm test`) fails when a line marked
 * @ts-expect-error compiles, so these prove that one union (isolate/bridge.ts) holds both
 * sides of the bridge to the same operations, arguments and replies.
 */
export function bridgeTypeChecks(host: HostBridge): void {
  const parts = host('url', 'https://a.example/', undefined);
  if (parts[0]) parts[1].hostname.toUpperCase();
  else parts[1].toUpperCase(); // a refusal carries its message
  const id = host('fetch', { url: 'https://a.example/', method: 'GET', headers: [], body: null });
  if (id[0]) id[1].toFixed(); // an async op answers with its op id
  // @ts-expect-error an operation that does not exist
  host('exec', 'rm -rf /');
  // @ts-expect-error an argument of the wrong type
  host('url', 42);
  // @ts-expect-error an argument missing
  host('hmac', 'sha256', 'key');
  // @ts-expect-error origin cannot be set
  host('urlset', 'https://a.example/', 'origin', 'x');
  // @ts-expect-error an async op answers with an id, not with its reply
  if (id[0]) ((reply: FetchReply) => reply)(id[1]);

  const syncHandlers: Pick<SyncHandlers, 'uuid' | 'digest'> = {
    uuid: () => 'id',
    // @ts-expect-error a handler answering the wrong reply type
    digest: () => 42,
  };
  // @ts-expect-error a handler table without every op
  const incomplete: SyncHandlers = { uuid: () => 'id' };
  const asyncHandlers: Pick<AsyncHandlers, 'sleep'> = {
    // @ts-expect-error an async handler must answer with a promise
    sleep: () => null,
  };
  void [syncHandlers, incomplete, asyncHandlers];
}

describe('CallBridge dispatch', () => {
  it('answers the sync operations of the bridge with copies', () => {
    const b = bridge();
    const [ok, parts] = b.handle('url', '/p?q=1', 'https://Example.com:443');
    assert.equal(ok, true);
    assert.equal((parts as { href: string }).href, 'https://example.com/p?q=1');
    assert.deepEqual(b.handle('urlset', 'https://a.example/', 'hash', 'h')[0], true);
    assert.deepEqual(b.handle('digest', 'SHA-256', 'abc'), [
      true,
      'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
    ]);
    assert.deepEqual(b.handle('hmac', 'sha256', 'key', 'The quick brown fox jumps over the lazy dog'), [
      true,
      'f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8',
    ]);
    assert.equal((b.handle('random', 16)[1] as ArrayBuffer).byteLength, 16);
    assert.match(String(b.handle('uuid')[1]), /^[0-9a-f-]{36}$/);
    b.close();
  });

  it('refuses unknown operations, prototype names and bad input with a message, never throwing', () => {
    const b = bridge();
    // No bridge serves modules: an approved bundle runs inside the isolate (isolate/modules.ts).
    for (const op of ['exec', 'constructor', '__proto__', 'toString', 'hasOwnProperty', 'module'])
      assert.deepEqual(b.handle(op), [false, `unknown bridge operation ${op}`]);
    assert.deepEqual(b.handle('url', 'not a url'), [false, 'Invalid URL']);
    assert.deepEqual(b.handle('urlset', 'https://a.example/', 'origin', 'x'), [false, 'Invalid URL field']);
    assert.match(String(b.handle('digest', 'nope', 'x')[1]), /unsupported hash algorithm nope/);
    assert.deepEqual(b.handle('fetch', { url: 42 }), [false, 'fetch needs a URL']);
    b.close();
    assert.deepEqual(b.handle('sleep', 1), [false, 'the call has ended']);
  });

  it('delivers an async reply by its op id, and nothing after the call has ended', async () => {
    const b = bridge();
    const delivered: [number, boolean, unknown][] = [];
    b.deliver = async (id, ok, value) => void delivered.push([id, ok, value]);
    const [, first] = b.handle('sleep', 5);
    const [, second] = b.handle('sleep', 5);
    b.handle('cancel', second);
    await new Promise((r) => setTimeout(r, 40));
    assert.deepEqual(delivered, [[first, true, null]]);
    b.handle('sleep', 5);
    b.close();
    await new Promise((r) => setTimeout(r, 40));
    assert.equal(delivered.length, 1);
  });
});

import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import type { ServerResponse } from 'node:http';
import { describe, it } from 'node:test';
import { StreamQuota } from './stream-quota';

/** A response that closes when told (the quota only listens for 'close'). */
const response = () => new EventEmitter() as unknown as ServerResponse & EventEmitter;

describe('StreamQuota: open listen streams, in all and per client', () => {
  it('refuses a client past its own cap while others still open streams; a closed stream frees its place', () => {
    const quota = new StreamQuota(10, 2);
    const [a1, a2, a3, b1] = [response(), response(), response(), response()];
    assert.equal(quota.open('ip:a', a1), null);
    assert.equal(quota.open('ip:a', a2), null);
    assert.match(quota.open('ip:a', a3) ?? '', /for this client \(the limit is 2\)/);
    assert.equal(quota.open('ip:b', b1), null);
    assert.equal(quota.size, 3);
    a1.emit('close');
    assert.equal(quota.open('ip:a', a3), null);
    assert.equal(quota.size, 3);
  });

  it('refuses anyone past the total; a stream of no known client counts in the total only', () => {
    const quota = new StreamQuota(3, 1);
    const anonymous = [response(), response()];
    for (const r of anonymous) assert.equal(quota.open(null, r), null, 'no per-client cap without a client');
    assert.equal(quota.open('user:ada', response()), null);
    assert.match(quota.open('user:bob', response()) ?? '', /the limit is 3, MCP_MAX_LISTEN_STREAMS/);
    anonymous[0].emit('close');
    assert.equal(quota.open('user:bob', response()), null);
    assert.equal(quota.size, 3);
  });
});

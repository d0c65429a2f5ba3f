import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RateLimiter } from './rate-limiter';

describe('RateLimiter (token bucket per client)', () => {
  it('allows a burst of perMinute, then refuses with the seconds until the next token', () => {
    let now = 1_000_000;
    const limiter = new RateLimiter(() => now);
    for (let i = 0; i < 60; i++) assert.equal(limiter.take('a', 60), null);
    assert.equal(limiter.take('a', 60), 1);
    now += 1000;
    assert.equal(limiter.take('a', 60), null);
    assert.equal(limiter.take('a', 60), 1);
  });

  it('keeps clients apart', () => {
    const limiter = new RateLimiter(() => 0);
    assert.equal(limiter.take('a', 1), null);
    assert.equal(limiter.take('a', 1), 60);
    assert.equal(limiter.take('b', 1), null);
  });

  it('forgets clients whose bucket is full again, and still counts the first request after a prune', () => {
    let now = 0;
    const limiter = new RateLimiter(() => now);
    for (let i = 0; i < 100; i++) limiter.take(`c${i}`, 10);
    now += 120_000;
    assert.equal(limiter.take('fresh', 2), null);
    assert.equal(limiter.size, 1);
    assert.equal(limiter.take('fresh', 2), null);
    assert.equal(limiter.take('fresh', 2), 30);
  });
});

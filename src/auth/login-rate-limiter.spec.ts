import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { AppConfig } from '../config/app-config';
import { DomainError } from '../common/errors';
import { LoginRateLimiter } from './login-rate-limiter';

const limiter = () => new LoginRateLimiter({ loginRateLimitPerMinute: 5 } as AppConfig);
const limited = (l: LoginRateLimiter, client: string, now: number) => {
  try {
    l.hit(client, now);
    return false;
  } catch (err) {
    if (err instanceof DomainError && err.kind === 'rate_limited') return true;
    throw err;
  }
};

describe('LoginRateLimiter', () => {
  it('allows 5 attempts a minute per client, then refuses until the window moves', () => {
    const l = limiter();
    for (let i = 0; i < 5; i++) assert.equal(limited(l, '203.0.113.7', 1000 + i), false);
    assert.equal(limited(l, '203.0.113.7', 2000), true);
    assert.equal(limited(l, '203.0.113.8', 2000), false, 'another address has its own budget');
    assert.equal(limited(l, '203.0.113.7', 61_001), false);
  });

  it('counts an IPv6 /64 as one client: rotating the interface id does not buy more attempts', () => {
    const l = limiter();
    for (let i = 0; i < 5; i++) assert.equal(limited(l, `2001:db8:1:2::${(i + 1).toString(16)}`, 1000 + i), false);
    assert.equal(limited(l, '2001:db8:1:2:dead:beef:0:1', 2000), true);
    assert.equal(limited(l, '2001:db8:1:3::1', 2000), false, 'another /64 has its own budget');
  });

  it('counts an IPv4-mapped IPv6 address as the IPv4 address', () => {
    const l = limiter();
    for (let i = 0; i < 5; i++)
      assert.equal(limited(l, i % 2 ? '::ffff:198.51.100.4' : '198.51.100.4', 1000 + i), false);
    assert.equal(limited(l, '::ffff:c633:6404', 2000), true);
  });
});

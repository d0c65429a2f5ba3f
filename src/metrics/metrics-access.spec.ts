import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isLoopback } from '../common/client-key';
import { metricsAccess } from './metrics-access';

const TOKEN = 'a-long-metrics-token-0123456789';

describe('who may read /metrics', () => {
  it('knows loopback addresses in every spelling, and nothing else', () => {
    for (const a of ['127.0.0.1', '127.8.9.10', '::1', '::ffff:127.0.0.1']) assert.equal(isLoopback(a), true, a);
    for (const a of ['10.0.0.1', '192.168.1.1', '::ffff:10.0.0.1', '203.0.113.9', 'fe80::1', 'localhost', ''])
      assert.equal(isLoopback(a), false, a);
  });

  it('lets a loopback caller in without a token, unless it came through a proxy', () => {
    assert.deepEqual(metricsAccess('127.0.0.1', {}, undefined), { allowed: true });
    assert.deepEqual(metricsAccess('::1', {}, TOKEN), { allowed: true });
    for (const header of ['x-forwarded-for', 'forwarded', 'x-real-ip']) {
      const d = metricsAccess('127.0.0.1', { [header]: '203.0.113.9' }, undefined);
      assert.equal(d.allowed, false, header);
    }
  });

  it('refuses others with 403 while METRICS_TOKEN is unset, whatever they send', () => {
    const d = metricsAccess('203.0.113.9', { authorization: `Bearer ${TOKEN}` }, undefined);
    assert.deepEqual(d.allowed ? null : d.status, 403);
  });

  it('lets others in with the token as a bearer token only', () => {
    assert.deepEqual(metricsAccess('203.0.113.9', { authorization: `Bearer ${TOKEN}` }, TOKEN), { allowed: true });
    assert.deepEqual(metricsAccess('203.0.113.9', { authorization: `bearer ${TOKEN}` }, TOKEN), { allowed: true });
    for (const authorization of [
      undefined,
      '',
      `Bearer ${TOKEN}x`,
      `Bearer ${TOKEN.slice(1)}`,
      TOKEN,
      `Basic ${TOKEN}`,
      'Bearer ',
    ])
      assert.deepEqual(metricsAccess('203.0.113.9', { authorization }, TOKEN), {
        allowed: false,
        status: 401,
        message: 'Metrics need the METRICS_TOKEN as a bearer token',
      });
  });
});

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { classifyAddress } from './address-policy';
import { limitedResolver, type Resolver } from './destination';

// Pure classification: nothing connects.
describe('address classification: NAT64 prefixes', () => {
  it('reads the IPv4 address of the well-known /96 prefix', () => {
    assert.equal(classifyAddress('64:ff9b::7f00:1'), 'loopback');
    assert.equal(classifyAddress('64:ff9b::a9fe:a9fe'), 'metadata');
    assert.equal(classifyAddress('64:ff9b::808:808'), 'public');
  });

  it('treats the local-use /48 (RFC 8215) as not public: its IPv4 sits elsewhere in the address', () => {
    // 10.0.0.1 embedded as RFC 6052 does for a /48 prefix (bits 48-63 and 72-87), with 8.8.8.8 in the last 32 bits.
    assert.notEqual(classifyAddress('64:ff9b:1:a00:0:108:808:808'), 'public');
    assert.notEqual(classifyAddress('64:ff9b:1::808:808'), 'public');
  });
});

describe('limitedResolver: one server cannot hold every DNS lookup thread of a worker', () => {
  it('runs at most `max` lookups at once; the rest wait their turn and all are answered', async () => {
    let active = 0;
    let peak = 0;
    const releases: (() => void)[] = [];
    const slow: Resolver = () =>
      new Promise((resolve) => {
        active++;
        peak = Math.max(peak, active);
        releases.push(() => {
          active--;
          resolve([{ address: '93.184.216.34', family: 4 }]);
        });
      });
    const limited = limitedResolver(slow, 2);
    let answered = 0;
    const all = Promise.all(
      Array.from({ length: 7 }, (_, i) => limited(`n${i}.example.com`).then((a) => (answered++, a))),
    );
    for (let round = 0; round < 50 && answered < 7; round++) {
      await new Promise((r) => setImmediate(r));
      assert.ok(active <= 2, `active ${active}`);
      for (const r of releases.splice(0)) r();
    }
    const answers = await all;
    assert.equal(answers.length, 7);
    assert.equal(peak, 2);
  });

  it('a failed lookup frees its place', async () => {
    const failing: Resolver = () => Promise.reject(Object.assign(new Error('no'), { code: 'ENOTFOUND' }));
    const limited = limitedResolver(failing, 1);
    for (let i = 0; i < 3; i++) await assert.rejects(limited('x.example.com'), /no/);
  });
});

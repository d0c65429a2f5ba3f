import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { canonicalIp, classifyAddress, METADATA_HOSTNAMES, parseIp } from './address-policy';

// Pure classification (issue 13: the cases mutation testing showed unpinned). Nothing connects.
const expectClass = (cases: [string, string][]) => {
  for (const [ip, cls] of cases) assert.equal(classifyAddress(ip), cls, ip);
};

describe('address classification: every cloud metadata address is `metadata`, not merely link-local or private', () => {
  it('IPv4 endpoints of AWS, GCP/Azure, Alibaba and Oracle', () => {
    expectClass([
      ['169.254.169.254', 'metadata'],
      ['169.254.170.2', 'metadata'], // AWS ECS task metadata (else linkLocal)
      ['169.254.169.123', 'metadata'], // AWS time sync (else linkLocal)
      ['100.100.100.200', 'metadata'], // Alibaba (else carrierGradeNat: approvable!)
      ['192.0.0.192', 'metadata'], // Oracle classic (else reserved: approvable!)
    ]);
  });

  it('AWS IPv6 endpoints, which sit in unique-local space (approvable as private otherwise)', () => {
    expectClass([
      ['fd00:ec2::254', 'metadata'],
      ['fd00:ec2::23', 'metadata'],
      ['fd00:ec2:0:0:0:0:0:254', 'metadata'],
      ['FD00:EC2::254', 'metadata'],
      ['fd00:ec2::255', 'private'],
    ]);
  });

  it('metadata IPv4 addresses inside IPv6 (mapped, RFC 6145, NAT64, 6to4, IPv4-compatible)', () => {
    expectClass([
      ['::ffff:192.0.0.192', 'metadata'],
      ['::ffff:0:a9fe:a9fe', 'metadata'],
      ['64:ff9b::6464:64c8', 'metadata'],
      ['2002:a9fe:a9fe::', 'metadata'],
      ['::a9fe:a9fe', 'metadata'],
    ]);
  });

  it('names the metadata services that are refused before any lookup', () => {
    assert.deepEqual([...METADATA_HOSTNAMES].sort(), [
      'instance-data',
      'instance-data.ec2.internal',
      'metadata',
      'metadata.azure.internal',
      'metadata.goog',
      'metadata.google.internal',
    ]);
  });
});

describe('address classification: IPv4 inside IPv6', () => {
  it('RFC 6145 translated addresses (::ffff:0:a.b.c.d) are the IPv4 address they carry', () => {
    expectClass([
      ['::ffff:0:127.0.0.1', 'loopback'],
      ['::ffff:0:7f00:1', 'loopback'],
      ['::ffff:0:10.0.0.1', 'private'],
      ['::ffff:0:100.64.0.1', 'carrierGradeNat'],
      ['::ffff:0:8.8.8.8', 'public'],
    ]);
  });

  it('IPv4-compatible addresses (::a.b.c.d, hex spelling) are the IPv4 address they spell', () => {
    expectClass([
      ['::7f00:1', 'loopback'],
      ['::7f00:0001', 'loopback'],
      ['0:0:0:0:0:0:7f00:1', 'loopback'],
      ['::a00:1', 'private'], // bytes 12..15 = 10.0.0.1: the first byte alone decides
      ['::a:1', 'unspecified'], // 0.10.0.1, in 0.0.0.0/8
      ['::a01', 'unspecified'], // 0.0.10.1
      ['::2', 'unspecified'], // 0.0.0.2: only :: and ::1 keep their IPv6 meaning
      ['::808:808', 'public'],
      ['::6440:1', 'carrierGradeNat'],
    ]);
  });

  it(':: and ::1 keep their IPv6 meaning', () => {
    expectClass([
      ['::', 'unspecified'],
      ['::1', 'loopback'],
    ]);
  });

  it('an address with any non-zero byte before the last four is not IPv4-compatible', () => {
    expectClass([
      ['fe80::7f00:1', 'linkLocal'],
      ['2606:4700::7f00:1', 'public'],
      ['::1:0:7f00:1', 'public'],
    ]);
  });

  it('6to4 and the well-known NAT64 prefix read the IPv4 address at their own offsets', () => {
    expectClass([
      ['2002:a00:1::', 'private'],
      ['2002:808:808::1', 'public'],
      ['64:ff9b::a00:1', 'private'],
    ]);
  });

  it('the local-use NAT64 prefix (RFC 8215) is reserved, whatever its last 32 bits', () => {
    expectClass([
      ['64:ff9b:1::808:808', 'reserved'],
      ['64:ff9b:1::7f00:1', 'reserved'],
    ]);
  });
});

describe('address classification: IPv6 ranges', () => {
  it('site-local (deprecated) counts as private; teredo, documentation and discard are reserved', () => {
    expectClass([
      ['fec0::1', 'private'],
      ['2001::1', 'reserved'], // teredo
      ['2001:db8::1', 'reserved'], // documentation
      ['100::1', 'reserved'], // discard
      ['ff0e::1', 'multicast'],
      ['fe80::abcd', 'linkLocal'],
    ]);
  });
});

describe('parseIp', () => {
  it('accepts one balanced pair of brackets around an address', () => {
    assert.equal(parseIp('[::1]')?.toString(), '::1');
    assert.equal(parseIp('[2001:db8::1]')?.toString(), '2001:db8::1');
    assert.equal(classifyAddress('[::1]'), 'loopback');
    assert.equal(classifyAddress('[fd00:ec2::254]'), 'metadata');
  });

  it('refuses unbalanced or misplaced brackets (no slicing of an arbitrary first or last character)', () => {
    for (const text of ['[::1', '::1]', 'a::1]', '[::1]]', '[[::1]', ']::1[', '[]', '']) {
      assert.equal(parseIp(text), undefined, text);
    }
    assert.equal(classifyAddress('a::1]'), 'reserved');
  });

  it('parses every IPv4 spelling ipaddr.js knows and prints the canonical form', () => {
    assert.equal(canonicalIp(parseIp('2130706433')!), '127.0.0.1');
    assert.equal(canonicalIp(parseIp('0x7f000001')!), '127.0.0.1');
    assert.equal(canonicalIp(parseIp('0177.0.0.1')!), '127.0.0.1');
    assert.equal(canonicalIp(parseIp('0:0:0:0:0:0:0:1')!), '::1');
    assert.equal(parseIp('example.com'), undefined);
    assert.equal(parseIp('256.0.0.1'), undefined);
  });
});

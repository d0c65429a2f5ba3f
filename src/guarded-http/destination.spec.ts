import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { NetworkRules } from './network-rules';
import { classifyAddress } from './address-policy';
import { checkDestination, type Resolver } from './destination';

// Pure decisions: a fake resolver answers, nothing ever connects or queries real DNS.
const dnsTable: Record<string, string[]> = {
  'api.example.com': ['93.184.216.34'],
  'v6.example.com': ['2606:2800:220:1:248:1893:25c8:1946'],
  'internal.corp': ['10.1.2.3'],
  'cgnat.corp': ['100.64.0.7'],
  'rebind.example.com': ['93.184.216.34', '127.0.0.1'],
  localhost: ['127.0.0.1', '::1'],
  'mapped.example.com': ['::ffff:127.0.0.1'],
  'meta.example.com': ['169.254.169.254'],
  'meta6.example.com': ['fd00:ec2::254'],
  'ula.example.com': ['fd12:3456::1'],
  'linklocal6.example.com': ['fe80::1'],
};
const lookups: string[] = [];
const resolver: Resolver = async (name) => {
  lookups.push(name);
  const found = dnsTable[name];
  if (!found) throw Object.assign(new Error('not found'), { code: 'ENOTFOUND' });
  return found.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
};

const rules = (over: Partial<NetworkRules> = {}): NetworkRules => ({
  allowedHosts: [],
  policy: 'require_approval',
  allowLoopback: false,
  ...over,
});
const allowed = async (url: string, r: NetworkRules) => {
  const d = await checkDestination(url, r, resolver);
  return d.allowed;
};
const reason = async (url: string, r: NetworkRules) => {
  const d = await checkDestination(url, r, resolver);
  assert.equal(d.allowed, false, `${url} should be refused`);
  return d.allowed ? '' : d.reason;
};

describe('address classification', () => {
  const cases: [string, string][] = [
    ['127.0.0.1', 'loopback'],
    ['127.255.0.9', 'loopback'],
    ['::1', 'loopback'],
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:7f00:1', 'loopback'],
    ['::127.0.0.1', 'loopback'],
    ['64:ff9b::7f00:1', 'loopback'],
    ['2002:7f00:1::', 'loopback'],
    ['0.0.0.0', 'unspecified'],
    ['::', 'unspecified'],
    ['169.254.1.1', 'linkLocal'],
    ['fe80::1', 'linkLocal'],
    ['169.254.169.254', 'metadata'],
    ['::ffff:169.254.169.254', 'metadata'],
    ['fd00:ec2::254', 'metadata'],
    ['100.100.100.200', 'metadata'],
    ['224.0.0.1', 'multicast'],
    ['ff02::1', 'multicast'],
    ['255.255.255.255', 'broadcast'],
    ['10.0.0.1', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['192.168.1.1', 'private'],
    ['fc00::1', 'private'],
    ['fd12:3456::1', 'private'],
    ['::ffff:10.0.0.1', 'private'],
    ['100.64.0.1', 'carrierGradeNat'],
    ['100.127.255.254', 'carrierGradeNat'],
    ['240.0.0.1', 'reserved'],
    ['8.8.8.8', 'public'],
    ['172.32.0.1', 'public'],
    ['2606:4700:4700::1111', 'public'],
    ['::ffff:8.8.8.8', 'public'],
    ['not an ip', 'reserved'],
  ];
  for (const [ip, cls] of cases) it(`${ip} is ${cls}`, () => assert.equal(classifyAddress(ip), cls));
});

describe('checkDestination', () => {
  it('allows an approved host on any port when the record has no port, and pins the resolved address', async () => {
    const d = await checkDestination(
      'https://api.example.com:8443/v1?q=1',
      rules({ allowedHosts: [{ host: 'api.example.com', port: null }] }),
      resolver,
    );
    assert.equal(d.allowed, true);
    if (d.allowed) {
      assert.deepEqual(d.address, { address: '93.184.216.34', family: 4 });
      assert.equal(d.port, 8443);
      assert.equal(d.hostname, 'api.example.com');
      assert.equal(d.approved, true);
    }
  });

  it('refuses a host that is not approved under require_approval, before any DNS lookup', async () => {
    lookups.length = 0;
    assert.match(await reason('https://api.example.com/', rules()), /not in this server's allowed hosts/);
    assert.deepEqual(lookups, []);
  });

  it('requires the approved port when the record has one (default ports included)', async () => {
    const r = rules({ allowedHosts: [{ host: 'api.example.com', port: 443 }] });
    assert.equal(await allowed('https://api.example.com/', r), true);
    assert.equal(await allowed('https://api.example.com:443/', r), true);
    assert.match(await reason('http://api.example.com/', r), /port 80 .* not approved/);
    assert.match(await reason('https://api.example.com:8443/', r), /port 8443/);
  });

  it('matches hosts case-insensitively and ignores trailing dots', async () => {
    const r = rules({ allowedHosts: [{ host: 'api.example.com', port: null }] });
    assert.equal(await allowed('https://API.Example.COM./x', r), true);
    assert.equal(await allowed('https://api.example.com../x', r), true);
  });

  it('only http and https', async () => {
    const r = rules({ policy: 'allow_all_public' });
    for (const u of [
      'ftp://api.example.com/',
      'file:///etc/passwd',
      'gopher://api.example.com/',
      'ws://api.example.com/',
      'data:text/plain,hi',
      'javascript:alert(1)',
    ]) {
      assert.match(await reason(u, r), /only http and https|invalid URL/, u);
    }
    assert.match(await reason('not a url', r), /invalid URL/);
  });

  it('refuses credentials in the URL', async () => {
    assert.match(
      await reason('https://user:pw@api.example.com/', rules({ policy: 'allow_all_public' })),
      /credentials/,
    );
  });

  it('allow_all_public allows public addresses (v4 and v6) of any name', async () => {
    const r = rules({ policy: 'allow_all_public' });
    assert.equal(await allowed('https://api.example.com/', r), true);
    assert.equal(await allowed('https://v6.example.com/', r), true);
    assert.equal(await allowed('http://8.8.8.8:8080/', r), true);
    assert.equal(await allowed('http://[2606:4700:4700::1111]/', r), true);
  });

  describe('loopback in every spelling is refused, under allow_all_public and even when approved', () => {
    const spellings = [
      'http://127.0.0.1/',
      'http://127.1/',
      'http://127.0.0.1./',
      'http://2130706433/',
      'http://0x7f000001/',
      'http://0x7f.1/',
      'http://0177.0.0.1/',
      'http://0177.1/',
      'http://[::1]/',
      'http://[0:0:0:0:0:0:0:1]/',
      'http://[::ffff:127.0.0.1]/',
      'http://[::ffff:7f00:1]/',
      'http://[0:0:0:0:0:ffff:7f00:1]/',
      'http://[64:ff9b::127.0.0.1]/',
      'http://localhost/',
      'http://localhost./',
      'http://LOCALHOST/',
      'http://mapped.example.com/',
    ];
    for (const u of spellings) {
      it(u, async () => {
        assert.match(await reason(u, rules({ policy: 'allow_all_public' })), /loopback/);
        const host = new URL(u).hostname.replace(/^\[|\]$/g, '').replace(/\.$/, '');
        assert.match(await reason(u, rules({ allowedHosts: [{ host, port: null }] })), /loopback/);
      });
    }
  });

  it('allowLoopback lifts the loopback block only for an approved host', async () => {
    assert.equal(
      await allowed(
        'http://127.0.0.1:3000/',
        rules({ allowLoopback: true, allowedHosts: [{ host: '127.0.0.1', port: 3000 }] }),
      ),
      true,
    );
    assert.equal(
      await allowed('http://[::1]:3000/', rules({ allowLoopback: true, allowedHosts: [{ host: '::1', port: null }] })),
      true,
    );
    assert.equal(
      await allowed(
        'http://localhost:3000/',
        rules({ allowLoopback: true, policy: 'allow_all_public', allowedHosts: [{ host: 'localhost', port: 3000 }] }),
      ),
      true,
    );
    assert.match(
      await reason('http://127.0.0.1:3000/', rules({ allowLoopback: true })),
      /not in this server's allowed hosts/,
    );
    assert.match(
      await reason(
        'http://127.0.0.1:3001/',
        rules({ allowLoopback: true, allowedHosts: [{ host: '127.0.0.1', port: 3000 }] }),
      ),
      /port 3001/,
    );
  });

  it('allow_all_public never covers loopback, not even with the test flag: every port and spelling but the approved one is refused', async () => {
    const open = rules({ allowLoopback: true, policy: 'allow_all_public' });
    for (const u of [
      'http://127.0.0.1:5432/',
      'http://127.0.0.1:3000/',
      'http://localhost:3000/',
      'http://[::1]:3000/',
      'http://2130706433:3000/',
      'http://0x7f.1:3000/',
      'http://[::ffff:127.0.0.1]:3000/',
      'http://mapped.example.com:3000/',
    ])
      assert.match(
        await reason(u, open),
        /only for a host approved for this server; allow_all_public never covers it/,
        u,
      );
    // An approved record lifts the block for its own host and port only; public names stay open.
    const approved = rules({
      allowLoopback: true,
      policy: 'allow_all_public',
      allowedHosts: [{ host: '127.0.0.1', port: 3000 }],
    });
    assert.equal(await allowed('http://127.0.0.1:3000/', approved), true);
    assert.match(await reason('http://127.0.0.1:5432/', approved), /allow_all_public never covers it/);
    assert.match(await reason('http://localhost:3000/', approved), /allow_all_public never covers it/);
    assert.equal(await allowed('http://api.example.com:5432/', approved), true);
  });

  it('allowLoopback does not lift private, link-local, metadata, unspecified or multicast blocks', async () => {
    const r = rules({ allowLoopback: true, policy: 'allow_all_public' });
    assert.match(await reason('http://10.0.0.1/', r), /private/);
    assert.match(await reason('http://169.254.169.254/', r), /metadata/);
    assert.match(await reason('http://169.254.10.10/', r), /link-local/);
    assert.match(await reason('http://0.0.0.0/', r), /unspecified/);
    assert.match(await reason('http://0/', r), /unspecified/);
    assert.match(await reason('http://[::]/', r), /unspecified/);
    assert.match(await reason('http://224.0.0.1/', r), /multicast/);
  });

  describe('cloud metadata is refused in every spelling, even when approved', () => {
    const spellings = [
      'http://169.254.169.254/latest/meta-data/',
      'http://169.254.169.254./',
      'http://2852039166/',
      'http://0xa9fea9fe/',
      'http://0251.0376.0251.0376/',
      'http://0xa9.0xfe.0xa9.0xfe/',
      'http://[::ffff:169.254.169.254]/',
      'http://[::ffff:a9fe:a9fe]/',
      'http://[fd00:ec2::254]/',
      'http://metadata.google.internal/computeMetadata/v1/',
      'http://METADATA.GOOGLE.INTERNAL./',
      'http://meta.example.com/',
      'http://meta6.example.com/',
      'http://100.100.100.200/',
    ];
    for (const u of spellings) {
      it(u, async () => {
        const host = new URL(u).hostname.replace(/^\[|\]$/g, '').replace(/\.$/, '');
        const approvedRules = rules({
          policy: 'allow_all_public',
          allowLoopback: true,
          allowedHosts: [{ host, port: null }],
        });
        assert.match(await reason(u, approvedRules), /metadata/);
      });
    }
  });

  it('private and CGNAT ranges need an explicit approval; allow_all_public is not enough', async () => {
    const pub = rules({ policy: 'allow_all_public' });
    for (const u of [
      'http://10.0.0.1/',
      'http://172.16.5.4/',
      'http://192.168.0.10/',
      'http://[fd12:3456::1]/',
      'http://[fc00::1]/',
      'http://100.64.0.7/',
      'http://internal.corp/',
      'http://cgnat.corp/',
      'http://ula.example.com/',
      'http://[::ffff:192.168.0.1]/',
      'http://3232235521/',
    ]) {
      assert.match(await reason(u, pub), /private|carrier-grade NAT/, u);
    }
    assert.equal(
      await allowed('http://internal.corp/', rules({ allowedHosts: [{ host: 'internal.corp', port: null }] })),
      true,
    );
    assert.equal(
      await allowed('http://192.168.0.10:8080/', rules({ allowedHosts: [{ host: '192.168.0.10', port: 8080 }] })),
      true,
    );
    assert.equal(
      await allowed('http://100.64.0.7/', rules({ allowedHosts: [{ host: '100.64.0.7', port: null }] })),
      true,
    );
  });

  it('link-local, multicast and broadcast are refused even when approved', async () => {
    for (const [u, host, why] of [
      ['http://169.254.10.10/', '169.254.10.10', /link-local/],
      ['http://[fe80::1]/', 'fe80::1', /link-local/],
      ['http://linklocal6.example.com/', 'linklocal6.example.com', /link-local/],
      ['http://224.0.0.251/', '224.0.0.251', /multicast/],
      ['http://255.255.255.255/', '255.255.255.255', /broadcast/],
      ['http://0.0.0.0/', '0.0.0.0', /unspecified/],
    ] as const) {
      assert.match(await reason(u, rules({ allowedHosts: [{ host, port: null }] })), why, u);
    }
  });

  it('a name with one public and one loopback address is refused (no DNS rebinding by mixing)', async () => {
    assert.match(
      await reason('http://rebind.example.com/', rules({ policy: 'allow_all_public' })),
      /127\.0\.0\.1.*loopback/,
    );
  });

  it('a name that does not resolve is refused with the resolver code', async () => {
    assert.match(
      await reason('http://nowhere.example.com/', rules({ policy: 'allow_all_public' })),
      /could not resolve .*ENOTFOUND/,
    );
  });
});

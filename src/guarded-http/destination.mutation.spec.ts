import { afterEach, describe, it, mock } from 'node:test';
import assert from 'node:assert/strict';
import dnsPromises from 'node:dns/promises';
import { isIP } from 'node:net';
import type { AllowedHost } from '../servers/entities/server.entity';
import type { NetworkRules } from './network-rules';
import { METADATA_HOSTNAMES } from './address-policy';
import {
  checkDestination,
  matchesAllowance,
  normalizeHostname,
  systemResolver,
  type DestinationDecision,
  type Resolver,
} from './destination';

// Decisions only (issue 13: the rules mutation testing showed unpinned). A fake resolver
// answers; the real one is asked about `localhost` and IP literals alone; nothing connects.
const dnsTable: Record<string, string[]> = {
  'api.example.com': ['93.184.216.34'],
  'other.example.com': ['93.184.216.35'],
  'internal.corp': ['10.1.2.3'],
  localhost: ['127.0.0.1'],
  'long6.example.com': ['2606:4700:4700:0:0:0:0:1111'],
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
const allow = (host: string, port: number | null = null): AllowedHost => ({ host, port });
const decide = (url: string | URL, r: NetworkRules, res: Resolver = resolver) => checkDestination(url, r, res);
const accepted = async (url: string | URL, r: NetworkRules, res?: Resolver) => {
  const d = await decide(url, r, res);
  assert.equal(d.allowed, true, `${String(url)} should be allowed: ${d.allowed ? '' : d.reason}`);
  return d as Extract<DestinationDecision, { allowed: true }>;
};
const reason = async (url: string | URL, r: NetworkRules, res?: Resolver) => {
  const d = await decide(url, r, res);
  assert.equal(d.allowed, false, `${String(url)} should be refused`);
  return d.allowed ? '' : d.reason;
};

describe('systemResolver (the real one; asked about localhost and IP literals only)', () => {
  afterEach(() => mock.restoreAll());

  it('answers every address of localhost, each a loopback address with its family', async () => {
    const found = await systemResolver('localhost');
    assert.ok(found.length >= 1);
    for (const a of found) {
      assert.deepEqual(Object.keys(a).sort(), ['address', 'family']);
      assert.equal(a.family, isIP(a.address), a.address);
      assert.match(a.address, /^(127\.|::1$)/);
    }
    const system = await dnsPromises.lookup('localhost', { all: true, order: 'verbatim' });
    assert.deepEqual(
      found.map((a) => a.address),
      system.map((a) => a.address),
      'all addresses, in the order the system gave them',
    );
  });

  it('asks the system for all addresses in its own order (no IPv4-first reordering)', async () => {
    const real = dnsPromises.lookup.bind(dnsPromises);
    const calls: unknown[][] = [];
    mock.method(dnsPromises, 'lookup', (...args: unknown[]) => {
      calls.push(args);
      return (real as (...a: unknown[]) => Promise<unknown>)(...args);
    });
    const found = await systemResolver('localhost');
    assert.deepEqual(calls, [['localhost', { all: true, verbatim: true }]]);
    assert.ok(found.every((a) => a.address.startsWith('127.') || a.address === '::1'));
  });

  it('gives family 6 to an IPv6 answer and 4 to an IPv4 one', async () => {
    assert.deepEqual(await systemResolver('::1'), [{ address: '::1', family: 6 }]);
    assert.deepEqual(await systemResolver('127.0.0.1'), [{ address: '127.0.0.1', family: 4 }]);
  });

  it('is what checkDestination uses by default: localhost is resolved and refused as loopback', async () => {
    const d = await checkDestination('http://localhost/', rules({ policy: 'allow_all_public' }));
    assert.equal(d.allowed, false);
    assert.match(d.allowed ? '' : d.reason, /^localhost resolves to (127\.[0-9.]+|::1), which is refused: a loopback/);
  });
});

describe('normalizeHostname', () => {
  it('trims, lower-cases and drops every trailing dot', () => {
    assert.equal(normalizeHostname(' API.Example.COM '), 'api.example.com');
    assert.equal(normalizeHostname('api.example.com...'), 'api.example.com');
    assert.equal(normalizeHostname('.'), '');
    assert.equal(normalizeHostname('...'), '');
  });

  it('gives an IP literal its canonical spelling, with or without brackets and trailing dots', () => {
    assert.equal(normalizeHostname('0:0:0:0:0:0:0:1'), '::1');
    assert.equal(normalizeHostname('::FFFF:127.0.0.1'), '::ffff:7f00:1');
    assert.equal(normalizeHostname('[2001:DB8::1]'), '2001:db8::1');
    assert.equal(normalizeHostname('::1..'), '::1');
    assert.equal(normalizeHostname('2130706433'), '127.0.0.1');
    assert.equal(normalizeHostname('127.0.0.1..'), '127.0.0.1');
  });

  it('gives a name the URL parser spelling: punycode, ideographic full stops as dots', () => {
    assert.equal(normalizeHostname('Bücher.DE'), 'xn--bcher-kva.de');
    assert.equal(normalizeHostname('example.com。'), 'example.com');
    assert.equal(normalizeHostname('example.com。。'), 'example.com');
  });

  it('strips one balanced pair of brackets only', () => {
    assert.equal(normalizeHostname('[example.com]'), 'example.com');
    assert.equal(normalizeHostname('example.com]'), 'example.com]');
    assert.equal(normalizeHostname('[example.com'), '[example.com');
  });

  it('keeps what is no host name (a port, a space) as written, lower-cased, so it matches no URL', () => {
    assert.equal(normalizeHostname('Example.COM:8080'), 'example.com:8080');
    assert.equal(normalizeHostname('Exa Mple.com'), 'exa mple.com');
  });
});

describe('matchesAllowance', () => {
  it('needs the same host: one allowed host does not open any other', () => {
    const r = rules({ allowedHosts: [allow('api.example.com')] });
    assert.equal(matchesAllowance('api.example.com', 443, r), true);
    assert.equal(matchesAllowance('other.example.com', 443, r), false);
    assert.equal(matchesAllowance('example.com', 443, r), false);
    assert.equal(matchesAllowance('api.example.com.evil.test', 443, r), false);
  });

  it('compares with the record normalised (case, trailing dot, IPv6 spelling)', () => {
    const r = rules({ allowedHosts: [allow('API.Example.COM.'), allow('2001:DB8:0:0:0:0:0:1')] });
    assert.equal(matchesAllowance('api.example.com', 80, r), true);
    assert.equal(matchesAllowance('2001:db8::1', 80, r), true);
  });

  it('a record without a port (null, or absent from the stored JSON) allows any port; one with a port only that', () => {
    assert.equal(matchesAllowance('api.example.com', 8443, rules({ allowedHosts: [allow('api.example.com')] })), true);
    const absent = { host: 'api.example.com' } as AllowedHost;
    assert.equal(matchesAllowance('api.example.com', 8443, rules({ allowedHosts: [absent] })), true);
    const r = rules({ allowedHosts: [allow('api.example.com', 443)] });
    assert.equal(matchesAllowance('api.example.com', 443, r), true);
    assert.equal(matchesAllowance('api.example.com', 8443, r), false);
  });
});

describe('checkDestination: the allowance decides, host by host', () => {
  it('a host that is not approved is refused although another host is, before any lookup', async () => {
    lookups.length = 0;
    const r = rules({ allowedHosts: [allow('other.example.com')] });
    assert.equal(
      await reason('https://api.example.com/', r),
      "host api.example.com is not in this server's allowed hosts (request network access for it)",
    );
    assert.deepEqual(lookups, []);
    assert.equal((await accepted('https://other.example.com/', r)).approved, true);
  });

  it('another host with the same port allowed does not turn the refusal into a port refusal', async () => {
    const r = rules({ allowedHosts: [allow('other.example.com', 443)] });
    assert.match(await reason('https://api.example.com/', r), /^host api\.example\.com is not in/);
    assert.equal(
      await reason('https://other.example.com:8443/', r),
      'port 8443 of other.example.com is not approved for this server',
    );
  });

  it('under allow_all_public, an unrelated allowance does not approve a private address', async () => {
    const r = rules({ policy: 'allow_all_public', allowedHosts: [allow('other.example.com')] });
    assert.equal(
      await reason('http://internal.corp/', r),
      'internal.corp resolves to 10.1.2.3, which is refused: a private address is reachable only when the host is explicitly approved',
    );
    assert.equal((await accepted('https://api.example.com/', r)).approved, false);
    assert.equal((await accepted('https://other.example.com/', r)).approved, true);
  });

  it('a stored record without a port allows any port', async () => {
    const d = await accepted(
      'https://api.example.com:8443/',
      rules({ allowedHosts: [{ host: 'api.example.com' } as AllowedHost] }),
    );
    assert.equal(d.port, 8443);
  });
});

describe('checkDestination: what it answers', () => {
  it('an IP literal is pinned to itself with its family; the hostname has no brackets', async () => {
    const pub = rules({ policy: 'allow_all_public' });
    const v6 = await accepted('http://[2606:4700:4700:0:0:0:0:1111]:8080/x', pub);
    assert.deepEqual(v6.address, { address: '2606:4700:4700::1111', family: 6 });
    assert.equal(v6.hostname, '2606:4700:4700::1111');
    assert.equal(v6.port, 8080);
    assert.equal(v6.approved, false);
    const v4 = await accepted('http://8.8.8.8/', pub);
    assert.deepEqual(v4.address, { address: '8.8.8.8', family: 4 });
    assert.equal(v4.hostname, '8.8.8.8');
    assert.equal(v4.port, 80);
  });

  it('a resolved address is pinned in canonical form; the hostname stays as the URL wrote it', async () => {
    const d = await accepted('https://long6.example.com/', rules({ policy: 'allow_all_public' }));
    assert.deepEqual(d.address, { address: '2606:4700:4700::1111', family: 6 });
    assert.equal(d.hostname, 'long6.example.com');
    assert.equal(d.port, 443);
  });

  it('takes a URL object as well as a string', async () => {
    const target = new URL('https://api.example.com/v1?q=1');
    const d = await accepted(target, rules({ allowedHosts: [allow('api.example.com')] }));
    assert.equal(d.url.href, target.href);
  });
});

describe('checkDestination: refusals, and what they say', () => {
  const pub = rules({ policy: 'allow_all_public' });

  it('names the refused scheme without its colon', async () => {
    assert.equal(await reason('ftp://api.example.com/', pub), 'only http and https URLs are allowed, not ftp');
    assert.equal(await reason('file:///etc/passwd', pub), 'only http and https URLs are allowed, not file');
  });

  it('quotes at most 200 characters of an invalid URL', async () => {
    const long = `not a url ${'x'.repeat(5000)}`;
    assert.equal(await reason(long, pub), `invalid URL: ${long.slice(0, 200)}`);
  });

  it('refuses a user name alone, or a password alone, in the URL', async () => {
    for (const u of ['https://user@api.example.com/', 'https://:pw@api.example.com/', 'https://u:p@api.example.com/'])
      assert.match(await reason(u, pub), /^credentials in the URL are not supported/, u);
  });

  it('refuses a URL whose host is only dots', async () => {
    for (const u of ['http://./', 'http://.../']) assert.equal(await reason(u, pub), 'the URL has no host', u);
  });

  it('refuses every metadata service name before any lookup, even when approved', async () => {
    for (const name of METADATA_HOSTNAMES) {
      lookups.length = 0;
      for (const spelling of [name, `${name.toUpperCase()}.`]) {
        const r = rules({ policy: 'allow_all_public', allowLoopback: true, allowedHosts: [allow(name)] });
        assert.equal(
          await reason(`http://${spelling}/`, r),
          `${name} is a cloud metadata service and is never reachable from tools`,
        );
      }
      assert.deepEqual(lookups, [], name);
    }
  });

  it('says which address of a name was refused, and for an IP literal just the literal', async () => {
    assert.equal(
      await reason('http://127.0.0.1/', pub),
      '127.0.0.1 is refused: a loopback address is never reachable from tools',
    );
    assert.equal(
      await reason('http://localhost/', pub),
      'localhost resolves to 127.0.0.1, which is refused: a loopback address is never reachable from tools',
    );
  });

  it('a resolver failure without a code, or with no error at all, is "lookup failed"', async () => {
    const noCode: Resolver = () => Promise.reject(new Error('boom'));
    const nothing: Resolver = () => Promise.reject(undefined);
    assert.equal(await reason('http://a.example.com/', pub, noCode), 'could not resolve a.example.com: lookup failed');
    assert.equal(await reason('http://a.example.com/', pub, nothing), 'could not resolve a.example.com: lookup failed');
  });

  it('an empty answer is refused, not pinned to nothing', async () => {
    const empty: Resolver = async () => [];
    assert.equal(await reason('http://a.example.com/', pub, empty), 'could not resolve a.example.com: no address');
  });
});

describe('checkDestination: IPv4 inside IPv6, in URL spelling', () => {
  const approvedEverywhere = (u: string) =>
    rules({
      policy: 'allow_all_public',
      allowLoopback: false,
      allowedHosts: [allow(new URL(u).hostname.replace(/^\[|\]$/g, ''))],
    });

  for (const u of [
    'http://[::127.0.0.1]/',
    'http://[::7f00:1]/',
    'http://[::ffff:0:127.0.0.1]/',
    'http://[::ffff:0:7f00:1]/',
  ]) {
    it(`${u} is loopback`, async () => assert.match(await reason(u, approvedEverywhere(u)), /loopback/));
  }
  for (const u of [
    'http://[::ffff:0:169.254.169.254]/',
    'http://[::a9fe:a9fe]/',
    'http://[fd00:ec2::23]/',
    'http://192.0.0.192/',
    'http://169.254.170.2/',
    'http://169.254.169.123/',
  ]) {
    it(`${u} is cloud metadata`, async () => assert.match(await reason(u, approvedEverywhere(u)), /metadata/));
  }
});

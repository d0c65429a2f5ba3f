import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DomainError } from '../common/errors';
import { normalizeHost, normalizePort } from './host-rules';

const refused = (input: unknown) =>
  assert.throws(
    () => normalizeHost(input),
    (e: unknown) => e instanceof DomainError && e.kind === 'invalid',
    `expected ${JSON.stringify(input)} to be refused`,
  );

describe('normalizeHost', () => {
  it('lower-cases, strips one trailing dot and keeps a plain name', () => {
    assert.equal(normalizeHost('API.Example.COM.'), 'api.example.com');
    assert.equal(normalizeHost('localhost'), 'localhost');
    assert.equal(normalizeHost('my_service.internal'), 'my_service.internal');
  });

  it('gives one spelling per IPv4 address', () => {
    assert.equal(normalizeHost('10.0.0.1'), '10.0.0.1');
    assert.equal(normalizeHost('2130706433'), '127.0.0.1');
    assert.equal(normalizeHost('0x7f.0.0.1'), '127.0.0.1');
    assert.equal(normalizeHost('127.1'), '127.0.0.1');
  });

  it('accepts IPv6 literals with or without brackets, compressed', () => {
    assert.equal(normalizeHost('2001:DB8:0:0:0:0:0:1'), '2001:db8::1');
    assert.equal(normalizeHost('[::1]'), '::1');
    assert.equal(normalizeHost('::ffff:127.0.0.1'), '::ffff:7f00:1');
  });

  it('turns an IDN into punycode', () => {
    assert.equal(normalizeHost('bücher.de'), 'xn--bcher-kva.de');
  });

  it('refuses URLs, paths, ports, users, wildcards, whitespace and junk', () => {
    for (const input of [
      '',
      ' ',
      'http://example.com',
      'example.com/path',
      'example.com:443',
      '[::1]:80',
      'user@example.com',
      '*.example.com',
      'exa mple.com',
      ' example.com',
      'example.com\n',
      'fe80::1%eth0',
      '-bad.com',
      'bad-.com',
      'a..b',
      '.',
      '..',
      'example.com..',
      '1.2.3.4.5',
      '999.1.1.1',
      'x'.repeat(64) + '.com',
      `${'a'.repeat(60)}.`.repeat(5) + 'com',
      'ex?ample.com',
      'ex#ample.com',
      '[example.com]',
      '[::1',
      42,
      null,
      undefined,
      {},
    ])
      refused(input);
  });
});

describe('normalizePort', () => {
  it('takes absent as any port and 1..65535 as itself', () => {
    assert.equal(normalizePort(undefined), null);
    assert.equal(normalizePort(null), null);
    assert.equal(normalizePort(1), 1);
    assert.equal(normalizePort(65535), 65535);
  });
  it('refuses 0, 65536, fractions and strings', () => {
    for (const p of [0, 65536, 1.5, -1, '443', NaN]) assert.throws(() => normalizePort(p));
  });
});

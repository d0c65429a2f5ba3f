import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DomainError } from '../common/errors';
import { formatHost, HOST_MAX, normalizeHost, normalizePort } from './host-rules';

// Each refusal says why and names its field (issue 13: messages and limits were unpinned).
const refusedWith = (fn: () => unknown, message: string, field: string) =>
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof DomainError);
    assert.equal(e.kind, 'invalid');
    assert.equal(e.message, message);
    assert.deepEqual(e.details, { fields: [field] });
    return true;
  });
const hostRefused = (input: unknown, message: string) => refusedWith(() => normalizeHost(input), message, 'host');

/** A host name of exactly `length` characters, in labels of at most 63. */
const nameOf = (length: number) => {
  const labels: string[] = [];
  let left = length;
  while (left > 64) {
    labels.push('a'.repeat(63));
    left -= 64;
  }
  labels.push('b'.repeat(left));
  return labels.join('.');
};

describe('normalizeHost: what each refusal says', () => {
  it('an empty or missing host is required', () => {
    for (const input of ['', undefined, null, 42, '.']) hostRefused(input, 'host is required');
  });

  it('anything that is not a bare host', () => {
    for (const input of ['http://example.com', 'example.com/x', 'user@example.com', '*.example.com', 'a b'])
      hostRefused(
        input,
        'host must be a bare hostname or IP address: no scheme, path, port, user, wildcard or whitespace',
      );
  });

  it('brackets: unbalanced, or around something that is not IPv6', () => {
    for (const input of ['[::1', '::1]', 'example.com]', '[example.com', '[[::1]]', 'a[b'])
      hostRefused(input, 'host has unbalanced brackets');
    hostRefused('[example.com]', 'only an IPv6 address may be written in brackets');
    hostRefused('[127.0.0.1]', 'only an IPv6 address may be written in brackets');
  });

  it('a port in the host, or a broken IPv6 address', () => {
    for (const input of ['example.com:443', '1.2.3.4:80', '::1::2', 'fe80:::1'])
      hostRefused(input, 'host must not carry a port (use the port field) and an IPv6 address must be valid');
  });

  it('what the URL parser does not take', () => {
    for (const input of ['999.1.1.1', 'example.123', 'a.0x10'])
      hostRefused(input, 'host is not a valid hostname or IP address');
  });

  it('a bad label', () => {
    for (const input of ['-bad.com', 'bad-.com', 'a..b', `${'x'.repeat(64)}.com`])
      hostRefused(
        input,
        'host is not a valid hostname: each label is 1-63 letters, digits, - or _, not starting or ending with -',
      );
  });
});

describe('normalizeHost: length limits', () => {
  it('takes a name of 253 characters, with or without its trailing dot, and refuses 254', () => {
    assert.equal(HOST_MAX, 253);
    assert.equal(normalizeHost(nameOf(253)), nameOf(253));
    assert.equal(normalizeHost(`${nameOf(253)}.`), nameOf(253));
    assert.equal(nameOf(254).length, 254);
    hostRefused(nameOf(254), 'host must be at most 253 characters');
    hostRefused(`${nameOf(254)}.`, 'host must be at most 253 characters');
  });

  it('reads an input of up to 255 characters (an address may be spelt long) and refuses 256 unread', () => {
    const hex = (length: number) => `0x${'0'.repeat(length - 10)}7f000001`;
    assert.equal(hex(255).length, 255);
    assert.equal(normalizeHost(hex(255)), '127.0.0.1');
    hostRefused(hex(256), 'host must be at most 253 characters');
    hostRefused('a'.repeat(10_000), 'host must be at most 253 characters');
  });
});

describe('normalizeHost: one spelling', () => {
  it('lower-cases before the URL parser maps names (ß stays ß, it does not become ss)', () => {
    assert.equal(normalizeHost('Straße.DE'), 'xn--strae-oqa.de');
    assert.equal(normalizeHost('STRASSE.de'), 'strasse.de');
  });

  it('IPv6 in brackets or not, any case, compressed', () => {
    assert.equal(normalizeHost('[FD00:EC2::254]'), 'fd00:ec2::254');
    assert.equal(normalizeHost('0:0:0:0:0:0:0:1'), '::1');
  });
});

describe('normalizePort', () => {
  it('refuses with one message naming the port field', () => {
    for (const p of [0, 65536, 1.5, -1, '443', NaN, true, {}])
      refusedWith(() => normalizePort(p), 'port must be an integer from 1 to 65535, or absent for any port', 'port');
  });
});

describe('formatHost', () => {
  it('writes host and port as in a URL, IPv6 in brackets, no port for any port', () => {
    assert.equal(formatHost('api.example.com', null), 'api.example.com');
    assert.equal(formatHost('api.example.com', 443), 'api.example.com:443');
    assert.equal(formatHost('::1', null), '[::1]');
    assert.equal(formatHost('2001:db8::1', 8080), '[2001:db8::1]:8080');
  });
});

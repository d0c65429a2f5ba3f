import { isIP } from 'node:net';
import { invalid } from '../common/errors';

export const HOST_MAX = 253;

/**
 * Characters a host may be written with before canonicalisation: letters (any script, for
 * IDNs), digits, `.`, `-`, `_`, and `:`/`[`/`]` for IPv6 literals. Anything else — `/`, `@`,
 * `?`, `#`, `%`, `*`, whitespace — means a URL, a path, a zone id or a wildcard, not a host.
 */
export const HOST_CHARS = /^[\p{L}\p{N}.\-_:[\]]+$/u;
const LABEL = /^(?!-)[a-z0-9_-]{1,63}(?<!-)$/;

const bad = (message: string) => invalid(message, { fields: ['host'] });

/**
 * The one spelling of a host that the network records and the `allowed_hosts` cache use:
 * lower case, no trailing dot, IDNs in punycode, IPv4 in dotted-decimal (the URL parser
 * turns `2130706433` or `0x7f.1` into `127.0.0.1`, so one address has one record), IPv6
 * without brackets in its compressed form. A URL, a path, a port, a wildcard, whitespace,
 * an empty string or more than 253 characters is refused.
 */
export function normalizeHost(input: unknown): string {
  if (typeof input !== 'string' || input.length === 0) throw bad('host is required');
  if (input.length > HOST_MAX + 2) throw bad(`host must be at most ${HOST_MAX} characters`);
  if (!HOST_CHARS.test(input))
    throw bad('host must be a bare hostname or IP address: no scheme, path, port, user, wildcard or whitespace');

  let host = input.toLowerCase();
  const bracketed = host.startsWith('[') && host.endsWith(']');
  if (bracketed) host = host.slice(1, -1);
  if (host.includes('[') || host.includes(']')) throw bad('host has unbalanced brackets');
  if (bracketed && isIP(host) !== 6) throw bad('only an IPv6 address may be written in brackets');
  if (host.endsWith('.')) host = host.slice(0, -1);
  if (!host) throw bad('host is required');

  if (host.includes(':')) {
    // Only an IPv6 literal may hold a colon; `example.com:443` is a port in the host.
    if (isIP(host) !== 6)
      throw bad('host must not carry a port (use the port field) and an IPv6 address must be valid');
    return new URL(`http://[${host}]/`).hostname.slice(1, -1);
  }

  let canonical: string;
  try {
    canonical = new URL(`http://${host}/`).hostname;
  } catch {
    throw bad('host is not a valid hostname or IP address');
  }
  if (isIP(canonical) === 4) return canonical;
  if (canonical.length > HOST_MAX) throw bad(`host must be at most ${HOST_MAX} characters`);
  const labels = canonical.split('.');
  if (labels.some((l) => !LABEL.test(l)))
    throw bad(
      'host is not a valid hostname: each label is 1-63 letters, digits, - or _, not starting or ending with -',
    );
  // A name of digits alone (`1.2.3.4.5`) would be mistaken for an address by some resolvers.
  if (/^[0-9]+$/.test(labels[labels.length - 1])) throw bad('host is not a valid hostname or IP address');
  return canonical;
}

/** null/undefined = any port; otherwise an integer 1..65535. */
export function normalizePort(input: unknown): number | null {
  if (input === undefined || input === null) return null;
  if (typeof input !== 'number' || !Number.isInteger(input) || input < 1 || input > 65535)
    throw invalid('port must be an integer from 1 to 65535, or absent for any port', { fields: ['port'] });
  return input;
}

export const formatHost = (host: string, port: number | null) => {
  const h = host.includes(':') ? `[${host}]` : host;
  return port === null ? h : `${h}:${port}`;
};

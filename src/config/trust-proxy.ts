import ipaddr from 'ipaddr.js';

/**
 * Which reverse proxies may tell us the client's address (`X-Forwarded-For`): none
 * (`false`), the nearest N hops, or the proxies at these addresses/CIDRs. Fastify's
 * `trustProxy` takes each of these forms as is.
 */
export type TrustProxy = false | number | string[];

/** Names proxy-addr (behind Fastify's trustProxy) knows besides addresses and CIDRs. */
const RANGE_NAMES = new Set(['loopback', 'linklocal', 'uniquelocal']);
const MAX_HOPS = 32;

const EVERY_HOP =
  'must not be true: that trusts every hop, so any client could pick its own address (and its own login rate limit) with X-Forwarded-For; give the number of proxies in front of MCPBox (e.g. 1) or their addresses/CIDRs (e.g. 127.0.0.1,10.0.0.0/8)';

/** Parses TRUST_PROXY; `problem` is set (without the variable's name) when the value is unusable. */
export function parseTrustProxy(raw: string | undefined): { value: TrustProxy; problem?: string } {
  const text = (raw ?? '').trim();
  if (text === '' || text === 'false' || text === '0') return { value: false };
  if (text === 'true') return { value: false, problem: EVERY_HOP };
  if (/^\d+$/.test(text)) {
    const hops = Number(text);
    if (hops > MAX_HOPS) return { value: false, problem: `must be at most ${MAX_HOPS} hops` };
    return { value: hops };
  }
  const entries = text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const bad = entries.filter((e) => !isAddressOrRange(e));
  if (bad.length || entries.length === 0)
    return {
      value: false,
      problem: `must be false, a hop count (e.g. 1), or a comma-separated list of proxy addresses/CIDRs (e.g. 127.0.0.1,10.0.0.0/8, or loopback); not understood: ${bad.map((b) => JSON.stringify(b)).join(', ') || JSON.stringify(text)}`,
    };
  return { value: entries };
}

function isAddressOrRange(entry: string): boolean {
  if (RANGE_NAMES.has(entry)) return true;
  if (entry.includes('/')) {
    try {
      ipaddr.parseCIDR(entry);
      return true;
    } catch {
      return false;
    }
  }
  return ipaddr.isValid(entry) && (ipaddr.IPv4.isValidFourPartDecimal(entry) || ipaddr.IPv6.isValid(entry));
}

/**
 * The form Fastify needs. A hop count becomes a function: Fastify 5.12 ignores a plain number
 * ("cannot validate the immediate peer") — true of any hop count, so the README says to use one
 * only when MCPBox is reachable through its proxies alone (e.g. HOST=127.0.0.1).
 */
export function fastifyTrustProxy(value: TrustProxy): false | string[] | ((address: string, hop: number) => boolean) {
  if (typeof value === 'number') return (_address, hop) => hop < value;
  return value;
}

/** For the log: what the setting means in words. */
export function describeTrustProxy(value: TrustProxy): string {
  if (value === false) return 'no proxy is trusted: X-Forwarded-For is ignored';
  if (typeof value === 'number') return `the nearest ${value} proxy hop(s) are trusted with X-Forwarded-For`;
  return `proxies at ${value.join(', ')} are trusted with X-Forwarded-For`;
}

import { lookup } from 'node:dns/promises';
import type { NetworkRules } from './network-rules';
import { canonicalIp, classifyAddress, METADATA_HOSTNAMES, parseIp, type AddressClass } from './address-policy';

export interface ResolvedAddress {
  address: string;
  family: 4 | 6;
}

/** Resolves a host name to ALL its addresses. Tests pass a fake one; nothing else connects. */
export type Resolver = (hostname: string) => Promise<ResolvedAddress[]>;

export const systemResolver: Resolver = async (hostname) => {
  const found = await lookup(hostname, { all: true, verbatim: true });
  return found.map((a) => ({ address: a.address, family: a.family === 6 ? 6 : 4 }));
};

/**
 * A resolver that runs at most `max` lookups at once (the rest wait, in order). The system
 * resolver (getaddrinfo) holds one of the process's few libuv threads for as long as a slow
 * name server takes; one server's tools must not be able to hold them all.
 */
export function limitedResolver(resolver: Resolver, max: number): Resolver {
  let running = 0;
  const waiting: (() => void)[] = [];
  return async (hostname) => {
    if (running >= max) await new Promise<void>((r) => waiting.push(r));
    running++;
    try {
      return await resolver(hostname);
    } finally {
      running--;
      waiting.shift()?.();
    }
  };
}

export type DestinationDecision =
  | {
      allowed: true;
      url: URL;
      /** Host name as written in the URL (for the Host header and TLS SNI), without brackets. */
      hostname: string;
      port: number;
      /** The checked address the connection must be pinned to. */
      address: ResolvedAddress;
      /** True when a server allowance matched (not merely allow_all_public). */
      approved: boolean;
    }
  | { allowed: false; reason: string };

const refuse = (reason: string): DestinationDecision => ({ allowed: false, reason });

/** Lower case, no brackets, no trailing dots, IP literals in canonical form. */
export function normalizeHostname(host: string): string {
  let h = host.trim().toLowerCase();
  if (h.startsWith('[') && h.endsWith(']')) h = h.slice(1, -1);
  h = h.replace(/\.+$/, '');
  const ip = parseIp(h);
  if (ip) return canonicalIp(ip);
  if (h.includes(':')) return h;
  try {
    // The WHATWG parser gives one spelling to 2130706433, 0x7f.1, 0177.0.0.1, IDNs...
    return new URL(`http://${h}/`).hostname.replace(/\.+$/, '');
  } catch {
    return h;
  }
}

function defaultPort(url: URL): number {
  return url.port ? Number(url.port) : url.protocol === 'https:' ? 443 : 80;
}

/** A server allowance matches when the host is equal and the port too (a record without port = any port). */
export function matchesAllowance(hostname: string, port: number, rules: NetworkRules): boolean {
  return rules.allowedHosts.some(
    (rec) =>
      normalizeHostname(rec.host) === hostname && (rec.port === null || rec.port === undefined || rec.port === port),
  );
}

const ALWAYS_REFUSED: Partial<Record<AddressClass, string>> = {
  metadata: 'a cloud metadata address',
  linkLocal: 'a link-local address',
  unspecified: 'an unspecified address',
  multicast: 'a multicast address',
  broadcast: 'a broadcast address',
};

/** Why one resolved address may not be used for this request, or undefined when it may. */
function addressRefusal(cls: AddressClass, approved: boolean, rules: NetworkRules): string | undefined {
  const always = ALWAYS_REFUSED[cls];
  if (always) return `${always} is never reachable from tools`;
  if (cls === 'loopback') {
    // The test flag lifts the block for hosts an approved record names, never for allow_all_public.
    if (!rules.allowLoopback) return 'a loopback address is never reachable from tools';
    return approved
      ? undefined
      : 'a loopback address is reachable (MCPBOX_TEST_ALLOW_LOOPBACK) only for a host approved for this server; allow_all_public never covers it';
  }
  if (cls === 'public') return undefined;
  // private, carrierGradeNat, reserved: only for a host the admin approved as such.
  return approved
    ? undefined
    : `a ${cls === 'carrierGradeNat' ? 'carrier-grade NAT' : cls} address is reachable only when the host is explicitly approved`;
}

/**
 * The outbound decision (docs/guarded-http.md#the-decision) for one URL (and for every redirect hop), without
 * opening any connection: scheme, allowance (host and port) or allow_all_public, blocked
 * names, and every resolved address classified. All addresses must pass (a name that
 * resolves to one public and one internal address is refused), and the connection is
 * then pinned to the first one, so a second resolution can never swap the target.
 */
export async function checkDestination(
  target: string | URL,
  rules: NetworkRules,
  resolver: Resolver = systemResolver,
): Promise<DestinationDecision> {
  let url: URL;
  try {
    url = typeof target === 'string' ? new URL(target) : new URL(target.href);
  } catch {
    return refuse(`invalid URL: ${String(target).slice(0, 200)}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    return refuse(`only http and https URLs are allowed, not ${url.protocol.replace(/:$/, '')}`);
  if (url.username || url.password)
    return refuse('credentials in the URL are not supported; send an Authorization header instead');

  const hostname = normalizeHostname(url.hostname);
  const port = defaultPort(url);
  if (!hostname) return refuse('the URL has no host');
  if (METADATA_HOSTNAMES.has(hostname))
    return refuse(`${hostname} is a cloud metadata service and is never reachable from tools`);

  const approved = matchesAllowance(hostname, port, rules);
  if (!approved && rules.policy !== 'allow_all_public') {
    const otherPort = rules.allowedHosts.some((rec) => normalizeHostname(rec.host) === hostname);
    return refuse(
      otherPort
        ? `port ${port} of ${hostname} is not approved for this server`
        : `host ${hostname} is not in this server's allowed hosts (request network access for it)`,
    );
  }

  let addresses: ResolvedAddress[];
  const literal = parseIp(hostname);
  if (literal) {
    addresses = [{ address: canonicalIp(literal), family: literal.kind() === 'ipv6' ? 6 : 4 }];
  } else {
    try {
      addresses = await resolver(hostname);
    } catch (err) {
      return refuse(`could not resolve ${hostname}: ${(err as NodeJS.ErrnoException)?.code ?? 'lookup failed'}`);
    }
    if (!addresses.length) return refuse(`could not resolve ${hostname}: no address`);
  }

  for (const a of addresses) {
    const why = addressRefusal(classifyAddress(a.address), approved, rules);
    if (why) return refuse(`${hostname}${literal ? '' : ` resolves to ${a.address}, which`} is refused: ${why}`);
  }
  const first = addresses[0];
  const pinned = parseIp(first.address);
  return {
    allowed: true,
    url,
    hostname: url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname,
    port,
    address: { address: pinned ? pinned.toString() : first.address, family: first.family },
    approved,
  };
}

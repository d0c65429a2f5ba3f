import ipaddr from 'ipaddr.js';

/**
 * What an IP address is, for the outbound rules (docs/guarded-http.md#address-classes):
 * - `public`: globally routable unicast — allowed for an approved host or under allow_all_public;
 * - `private`, `carrierGradeNat`, `reserved`: allowed only for a host the admin approved explicitly;
 * - `loopback`: refused unless MCPBOX_TEST_ALLOW_LOOPBACK lifts this one block;
 * - `metadata`, `linkLocal`, `unspecified`, `multicast`, `broadcast`: always refused.
 */
export type AddressClass =
  | 'public'
  | 'private'
  | 'carrierGradeNat'
  | 'reserved'
  | 'loopback'
  | 'metadata'
  | 'linkLocal'
  | 'unspecified'
  | 'multicast'
  | 'broadcast';

/** Cloud metadata endpoints, refused whatever range they sit in (some are in CGNAT or ULA space). */
const METADATA_ADDRESSES = new Set([
  '169.254.169.254', // AWS, GCP, Azure, OpenStack, DigitalOcean...
  '169.254.170.2', // AWS ECS task metadata
  '169.254.169.123', // AWS time sync
  '100.100.100.200', // Alibaba Cloud
  '192.0.0.192', // Oracle Cloud (classic)
  'fd00:ec2::254', // AWS IPv6 metadata
  'fd00:ec2::23', // AWS IPv6 DNS
]);

/** Names of metadata services, refused before any resolution (lower case, no trailing dot). */
export const METADATA_HOSTNAMES = new Set([
  'metadata.google.internal',
  'metadata.goog',
  'metadata',
  'instance-data',
  'instance-data.ec2.internal',
  'metadata.azure.internal',
]);

/** Parses an IP literal in any spelling ipaddr.js accepts; undefined when it is not one. */
export function parseIp(text: string): ipaddr.IPv4 | ipaddr.IPv6 | undefined {
  const bare = text.startsWith('[') && text.endsWith(']') ? text.slice(1, -1) : text;
  if (!ipaddr.isValid(bare)) return undefined;
  try {
    return ipaddr.parse(bare);
  } catch {
    return undefined;
  }
}

/** The canonical text of an address (IPv4 dotted decimal, IPv6 compressed lower case). */
export function canonicalIp(addr: ipaddr.IPv4 | ipaddr.IPv6): string {
  return addr.toString();
}

/** IPv4 addresses an IPv6 address carries inside it (mapped, translated, NAT64, 6to4), if any. */
function embeddedIpv4(v6: ipaddr.IPv6): ipaddr.IPv4 | undefined {
  const range = v6.range();
  const b = v6.toByteArray();
  if (range === 'ipv4Mapped' || range === 'rfc6145' || (range === 'rfc6052' && isWellKnownNat64(b))) {
    return new ipaddr.IPv4(b.slice(12, 16));
  }
  if (range === '6to4') return new ipaddr.IPv4(b.slice(2, 6));
  // IPv4-compatible (deprecated ::a.b.c.d, not :: or ::1): treat as the IPv4 address it spells.
  if (b.slice(0, 12).every((x) => x === 0) && !(b[12] === 0 && b[13] === 0 && b[14] === 0 && b[15] <= 1)) {
    return new ipaddr.IPv4(b.slice(12, 16));
  }
  return undefined;
}

function classifyV4(v4: ipaddr.IPv4): AddressClass {
  if (METADATA_ADDRESSES.has(v4.toString())) return 'metadata';
  switch (v4.range()) {
    case 'unicast':
      return 'public';
    case 'loopback':
      return 'loopback';
    case 'private':
      return 'private';
    case 'carrierGradeNat':
      return 'carrierGradeNat';
    case 'linkLocal':
      return 'linkLocal';
    case 'unspecified':
      return 'unspecified';
    case 'multicast':
      return 'multicast';
    case 'broadcast':
      return 'broadcast';
    default:
      return 'reserved';
  }
}

/** 64:ff9b::/96 carries its IPv4 address in the last 32 bits; the local-use 64:ff9b:1::/48 does not. */
function isWellKnownNat64(b: number[]): boolean {
  return b.slice(4, 12).every((x) => x === 0);
}

function classifyV6(v6: ipaddr.IPv6): AddressClass {
  if (METADATA_ADDRESSES.has(v6.toString())) return 'metadata';
  // A local-use NAT64 prefix (RFC 8215) can translate to any IPv4 address, private ones included.
  if (v6.range() === 'rfc6052' && !isWellKnownNat64(v6.toByteArray())) return 'reserved';
  const inner = embeddedIpv4(v6);
  if (inner) return classifyV4(inner);
  switch (v6.range() as string) {
    case 'unicast':
      return 'public';
    case 'loopback':
      return 'loopback';
    case 'uniqueLocal':
    case 'deprecatedSiteLocal':
      return 'private';
    case 'linkLocal':
      return 'linkLocal';
    case 'unspecified':
      return 'unspecified';
    case 'multicast':
      return 'multicast';
    default:
      // teredo, orchid, discard, benchmarking, documentation...: not the public internet.
      return 'reserved';
  }
}

/** Classifies an IP literal; anything that is not a valid address counts as `reserved`. */
export function classifyAddress(address: string): AddressClass {
  const ip = parseIp(address);
  if (!ip) return 'reserved';
  return ip.kind() === 'ipv4' ? classifyV4(ip as ipaddr.IPv4) : classifyV6(ip as ipaddr.IPv6);
}

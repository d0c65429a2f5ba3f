import ipaddr from 'ipaddr.js';

/** True for a loopback address (127.0.0.0/8, ::1, and IPv4-mapped ones). */
export function isLoopback(address: string): boolean {
  if (!ipaddr.isValid(address)) return false;
  return ipaddr.process(address).range() === 'loopback';
}

/**
 * The budget's owner: an IPv4 address, or an IPv6 /64 — one host usually holds a whole
 * /64 and could otherwise rotate its interface id for a fresh budget on every attempt.
 */
export function clientKey(address: string): string {
  if (!ipaddr.isValid(address)) return address;
  const ip = ipaddr.process(address);
  if (ip.kind() === 'ipv4') return ip.toString();
  return `${(ip as ipaddr.IPv6).parts
    .slice(0, 4)
    .map((p) => p.toString(16))
    .join(':')}::/64`;
}

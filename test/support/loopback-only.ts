/**
 * Safety net for every test process (preloaded by scripts/test.mjs, and by the sandbox
 * runtime into its worker processes when MCPBOX_TEST_PRELOAD names this file): a TCP connection to
 * anything but a loopback address is refused before it is opened, also when a broken guard
 * under test would have let it through. Tests may send traffic to loopback only.
 */
import { isIP } from 'node:net';
import net from 'node:net';
import dns from 'node:dns';

type LookupCallback = (
  err: NodeJS.ErrnoException | null,
  address: string | dns.LookupAddress[],
  family?: number,
) => void;
type Lookup = (hostname: string, options: dns.LookupOptions, callback: LookupCallback) => void;

export function isLoopbackAddress(address: string): boolean {
  const a = address.toLowerCase().replace(/^\[|\]$/g, '');
  if (isIP(a) === 4) return a.startsWith('127.');
  if (a === '::1') return true;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(a);
  return mapped !== null && mapped[1].startsWith('127.');
}

/** The code of a refusal: distinct from a real ECONNREFUSED, so a test can tell the safety net answered. */
export const SAFETY_NET_CODE = 'ERR_TEST_LOOPBACK_ONLY';

/** This module, compiled: what every process a test starts preloads (`--require`). */
export const LOOPBACK_ONLY_PRELOAD = __filename;
/** `NODE_OPTIONS` for a child a test starts with an environment of its own. */
export const LOOPBACK_NODE_OPTIONS = `--require=${LOOPBACK_ONLY_PRELOAD}`;

/**
 * `env` for a child a test starts (the parent's by default), with the preload in NODE_OPTIONS
 * whatever the runner set: a child that could reach beyond loopback is not left to inheritance.
 */
export function withLoopbackOnly(env: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const defined = Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => e[1] !== undefined));
  const options = defined.NODE_OPTIONS ?? '';
  if (options.split(' ').includes(LOOPBACK_NODE_OPTIONS)) return defined;
  return { ...defined, NODE_OPTIONS: [options, LOOPBACK_NODE_OPTIONS].filter(Boolean).join(' ') };
}

const refusal = (address: string) =>
  Object.assign(new Error(`test safety net: refused a connection to ${address} (tests may reach loopback only)`), {
    code: SAFETY_NET_CODE,
  });

/** Wraps a lookup so that every address it answers must be loopback. */
function checkedLookup(inner: Lookup): Lookup {
  return (hostname, options, callback) =>
    inner(hostname, options, (err, address, family) => {
      if (err) return callback(err, address, family);
      const all = Array.isArray(address) ? address.map((a) => a.address) : [address];
      const bad = all.find((a) => !isLoopbackAddress(a));
      if (bad) return callback(refusal(bad), address, family);
      callback(null, address, family);
    });
}

type Connect = (this: net.Socket, ...args: unknown[]) => net.Socket;

/** Wraps a Socket#connect so that only loopback destinations reach it. */
export function loopbackOnlyConnect(original: Connect): Connect {
  return function connect(this: net.Socket, ...args: unknown[]) {
    // net.connect() hands over its normalised [options, callback] array; direct calls pass options or (port, host).
    const options = (
      Array.isArray(args[0]) ? args[0][0] : typeof args[0] === 'object' ? args[0] : { port: args[0], host: args[1] }
    ) as {
      host?: string;
      path?: string;
      lookup?: Lookup;
    };
    if (!options.path) {
      const host = options.host ?? 'localhost';
      if (isIP(host.replace(/^\[|\]$/g, ''))) {
        if (!isLoopbackAddress(host)) {
          process.nextTick(() => this.destroy(refusal(host)));
          return this;
        }
      } else if (typeof args[0] === 'object') {
        options.lookup = checkedLookup(options.lookup ?? (dns.lookup as unknown as Lookup));
      }
    }
    return original.apply(this, args);
  };
}

net.Socket.prototype.connect = loopbackOnlyConnect(
  net.Socket.prototype.connect as unknown as Connect,
) as unknown as typeof net.Socket.prototype.connect;
(globalThis as { __mcpboxLoopbackOnly?: boolean }).__mcpboxLoopbackOnly = true;

import { createHash, createHmac, getHashes, randomBytes, randomUUID } from 'node:crypto';
import type { SettableUrlField, UrlField, UrlParts } from './isolate/bridge';

/**
 * The host's answers to the isolate's synchronous bridge operations that need nothing of
 * the call (isolate/bridge.ts): the WHATWG URL parser and node:crypto. Arguments arrive as
 * copies from tool-steerable code, so each is coerced; a refusal is a thrown Error whose
 * message the isolate sees.
 */
const URL_FIELDS: readonly UrlField[] = [
  'href',
  'origin',
  'protocol',
  'username',
  'password',
  'host',
  'hostname',
  'port',
  'pathname',
  'search',
  'hash',
];
const SETTABLE = new Set<string>(URL_FIELDS.filter((f) => f !== 'origin'));
const HASHES = new Set(getHashes());

export const toBuffer = (d: unknown): Buffer =>
  typeof d === 'string' ? Buffer.from(d, 'utf8') : d instanceof ArrayBuffer ? Buffer.from(d) : Buffer.alloc(0);

function parts(u: URL): UrlParts {
  const out = {} as UrlParts;
  for (const f of URL_FIELDS) out[f] = u[f];
  return out;
}

export function urlParts(input: string, base?: string): UrlParts {
  try {
    return parts(new URL(String(input), base === undefined || base === null ? undefined : String(base)));
  } catch {
    throw new Error('Invalid URL');
  }
}

export function urlSet(href: string, field: SettableUrlField, value: string): UrlParts {
  const f = String(field);
  if (!SETTABLE.has(f)) throw new Error('Invalid URL field');
  try {
    const u = new URL(String(href));
    (u as unknown as Record<string, string>)[f] = String(value);
    return parts(u);
  } catch {
    throw new Error('Invalid URL');
  }
}

export const uuid = (): string => randomUUID();

export function random(bytes: number): ArrayBuffer {
  return new Uint8Array(randomBytes(Math.min(65536, Math.max(0, Number(bytes) || 0)))).buffer;
}

function algorithm(alg: unknown): string {
  const name = String(alg).toLowerCase().replace(/^sha-/, 'sha');
  if (!HASHES.has(name))
    throw new Error(`unsupported hash algorithm ${String(alg).slice(0, 30)} (use sha256, sha512, sha1, md5...)`);
  return name;
}

export function digest(alg: string, data: unknown): string {
  return createHash(algorithm(alg)).update(toBuffer(data)).digest('hex');
}

export function hmac(alg: string, key: unknown, data: unknown): string {
  return createHmac(algorithm(alg), toBuffer(key)).update(toBuffer(data)).digest('hex');
}

/**
 * Writes tar archives byte by byte, for archives npm's packer would never make (links,
 * `..` paths, devices, broken checksums): the package installer must refuse those.
 */
import { gzipSync } from 'node:zlib';

export interface TarEntry {
  name: string;
  type?: 'file' | 'dir' | 'symlink' | 'hardlink' | 'fifo';
  data?: string | Buffer;
  linkname?: string;
  /** PAX extended header records placed before the entry (e.g. `{ path: '...' }`). */
  pax?: Record<string, string>;
}

const TYPEFLAG = { file: '0', dir: '5', symlink: '2', hardlink: '1', fifo: '6' } as const;

function header(name: string, size: number, typeflag: string, linkname = ''): Buffer {
  const h = Buffer.alloc(512);
  if (Buffer.byteLength(name) > 100) throw new Error(`tar-writer: name over 100 bytes, use pax: ${name}`);
  h.write(name, 0, 100, 'utf8');
  h.write('0000644\0', 100, 'latin1');
  h.write('0000000\0', 108, 'latin1');
  h.write('0000000\0', 116, 'latin1');
  h.write(`${size.toString(8).padStart(11, '0')}\0`, 124, 'latin1');
  h.write('00000000000\0', 136, 'latin1');
  h.write(typeflag, 156, 'latin1');
  h.write(linkname, 157, 100, 'utf8');
  h.write('ustar\0', 257, 'latin1');
  h.write('00', 263, 'latin1');
  h.fill(0x20, 148, 156);
  let sum = 0;
  for (const b of h) sum += b;
  h.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'latin1');
  return h;
}

const pad = (data: Buffer) => Buffer.concat([data, Buffer.alloc((512 - (data.length % 512)) % 512)]);

function paxData(records: Record<string, string>): Buffer {
  const parts: Buffer[] = [];
  for (const [k, v] of Object.entries(records)) {
    const body = ` ${k}=${v}\n`;
    let len = Buffer.byteLength(body) + 1;
    while (String(len).length + Buffer.byteLength(body) !== len) len = String(len).length + Buffer.byteLength(body);
    parts.push(Buffer.from(`${len}${body}`));
  }
  return Buffer.concat(parts);
}

/** An uncompressed tar of the entries, ended by two zero blocks. */
export function tar(entries: TarEntry[]): Buffer {
  const blocks: Buffer[] = [];
  for (const e of entries) {
    if (e.pax) {
      const data = paxData(e.pax);
      blocks.push(header('PaxHeader', data.length, 'x'), pad(data));
    }
    const type = e.type ?? 'file';
    const data = type === 'file' ? Buffer.from(e.data ?? '') : Buffer.alloc(0);
    blocks.push(header(e.name, data.length, TYPEFLAG[type], e.linkname), pad(data));
  }
  blocks.push(Buffer.alloc(1024));
  return Buffer.concat(blocks);
}

/** A gzip'd tar, as the registry serves packages. */
export const tarball = (entries: TarEntry[]): Buffer => gzipSync(tar(entries));

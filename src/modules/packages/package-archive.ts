/**
 * Reads an npm package tarball (gzip'd tar) in memory and writes its files, safely.
 *
 * Only regular files and directories are accepted; links, devices and FIFOs refuse the
 * package (npm's own packer never produces them, so a tarball with one was made by hand).
 * The first path component (`package/`) is stripped as npm does; absolute paths, `..`
 * segments, backslashes and NUL bytes refuse the package, and so do a file count or an
 * unpacked size over the limits (counted before anything is copied or written). Files are
 * written as 0644 into a fresh directory with exclusive creates, so nothing can be written
 * through a link or outside it.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, resolve, sep } from 'node:path';
import { promisify } from 'node:util';
import { gunzip } from 'node:zlib';
import { refuse } from './package-refused';

const gunzipAsync = promisify(gunzip);
const BLOCK = 512;
const MAX_COMPONENT_BYTES = 255;
const MAX_PATH_BYTES = 1024;

export interface ArchiveLimits {
  /** Sum of the file sizes in one package. */
  maxUnpackedBytes: number;
  /** File entries in one package. */
  maxFiles: number;
}

export interface ArchiveFile {
  /** Path inside the package, `/`-separated, without the leading `package/`. */
  path: string;
  data: Buffer;
}

export interface PackageArchive {
  files: ArchiveFile[];
  unpackedBytes: number;
}

/** Unpacks and checks a `.tgz`; throws bad_archive or package_too_large, never writes anything. */
export async function readPackageArchive(id: string, tgz: Buffer, limits: ArchiveLimits): Promise<PackageArchive> {
  const bad = (why: string) => refuse('bad_archive', `the archive of ${id} is refused: ${why}`, { package: id });
  let tar: Buffer;
  try {
    // Headers and padding take at most 1 KiB per entry beyond the file bytes themselves.
    tar = await gunzipAsync(tgz, { maxOutputLength: limits.maxUnpackedBytes + (limits.maxFiles + 64) * 1024 });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE')
      throw refuse(
        'package_too_large',
        `${id} unpacks to more than ${limits.maxUnpackedBytes} bytes, over the limit for one package`,
        { package: id },
      );
    throw bad(`it is not a gzip-compressed tar file (${(err as Error).message})`);
  }
  return parseTar(id, tar, limits, bad);
}

function parseTar(id: string, tar: Buffer, limits: ArchiveLimits, bad: (why: string) => Error): PackageArchive {
  const files = new Map<string, Buffer>();
  const dirs = new Set<string>();
  let fileEntries = 0;
  let unpackedBytes = 0;
  let paxPath: string | undefined;
  let longName: string | undefined;
  let offset = 0;
  let ended = false;
  while (offset + BLOCK <= tar.length) {
    const header = tar.subarray(offset, offset + BLOCK);
    if (header.every((b) => b === 0)) {
      ended = true;
      break;
    }
    if (!checksumOk(header)) throw bad(`the header at byte ${offset} has a wrong checksum`);
    const size = octal(header, 124, 12);
    if (size === null) throw bad(`the header at byte ${offset} has an unreadable size`);
    const type = header[156] === 0 ? '0' : String.fromCharCode(header[156]);
    const start = offset + BLOCK;
    if (start + size > tar.length) throw bad('it is truncated');
    const data = tar.subarray(start, start + size);
    offset = start + Math.ceil(size / BLOCK) * BLOCK;

    if (type === 'x') {
      paxPath = paxRecords(data, bad).get('path') ?? paxPath;
      continue;
    }
    if (type === 'g') continue;
    if (type === 'L') {
      longName = cString(data);
      continue;
    }
    if (type === 'K') continue; // a long link target: the link itself is refused below
    const rawName = paxPath ?? longName ?? headerName(header);
    paxPath = longName = undefined;
    if (type === '1' || type === '2')
      throw bad(
        `"${rawName}" is a ${type === '2' ? 'symbolic' : 'hard'} link; packages may hold only files and folders`,
      );
    if (type !== '0' && type !== '7' && type !== '5')
      throw bad(`"${rawName}" is a special file (tar type "${type}"); packages may hold only files and folders`);
    const path = packagePath(rawName, bad);
    if (path === null) continue;
    if (type === '5') {
      dirs.add(path);
      continue;
    }
    fileEntries += 1;
    unpackedBytes += size;
    if (fileEntries > limits.maxFiles)
      throw refuse(
        'package_too_large',
        `${id} has more than ${limits.maxFiles} files, over the limit for one package`,
        {
          package: id,
        },
      );
    if (unpackedBytes > limits.maxUnpackedBytes)
      throw refuse(
        'package_too_large',
        `${id} unpacks to more than ${limits.maxUnpackedBytes} bytes, over the limit for one package`,
        { package: id },
      );
    files.set(path, data); // a later entry of the same path replaces an earlier one, as tar does
  }
  if (!ended && offset < tar.length) throw bad('it is truncated');
  for (const path of files.keys()) {
    if (dirs.has(path)) throw bad(`"${path}" is both a file and a folder`);
    for (let i = path.indexOf('/'); i !== -1; i = path.indexOf('/', i + 1)) {
      if (files.has(path.slice(0, i))) throw bad(`"${path.slice(0, i)}" is both a file and a folder`);
    }
  }
  return {
    files: [...files].map(([path, data]) => ({ path, data: Buffer.from(data) })),
    unpackedBytes,
  };
}

/** The entry's path inside the package, or null for the top folder itself. */
function packagePath(raw: string, bad: (why: string) => Error): string | null {
  if (raw.includes('\0')) throw bad('an entry name contains a NUL byte');
  if (raw.includes('\\')) throw bad(`"${raw}" contains a backslash`);
  if (raw.startsWith('/') || /^[A-Za-z]:/.test(raw)) throw bad(`"${raw}" is an absolute path`);
  const parts = raw.split('/').filter((p) => p !== '' && p !== '.');
  if (parts.includes('..')) throw bad(`"${raw}" leaves the package folder ("..")`);
  const inner = parts.slice(1); // npm strips the top folder, whatever its name (usually "package")
  if (!inner.length) return null;
  const path = inner.join('/');
  if (Buffer.byteLength(path) > MAX_PATH_BYTES) throw bad(`a path is over ${MAX_PATH_BYTES} bytes long`);
  if (inner.some((p) => Buffer.byteLength(p) > MAX_COMPONENT_BYTES))
    throw bad(`a name in "${path.slice(0, 100)}" is over ${MAX_COMPONENT_BYTES} bytes long`);
  return path;
}

function headerName(header: Buffer): string {
  const name = cString(header.subarray(0, 100));
  const ustar = header.subarray(257, 263).toString('latin1') === 'ustar\0';
  const prefix = ustar ? cString(header.subarray(345, 500)) : '';
  return prefix ? `${prefix}/${name}` : name;
}

function cString(buf: Buffer): string {
  const end = buf.indexOf(0);
  return buf.subarray(0, end === -1 ? buf.length : end).toString('utf8');
}

/** An octal field; null when it is not octal (base-256 sizes are over every limit anyway). */
function octal(buf: Buffer, start: number, length: number): number | null {
  const text = buf
    .subarray(start, start + length)
    .toString('latin1')
    .replace(/[\0 ]+$/, '')
    .trim();
  if (!/^[0-7]{1,12}$/.test(text)) return text === '' ? 0 : null;
  return parseInt(text, 8);
}

function checksumOk(header: Buffer): boolean {
  const stored = octal(header, 148, 8);
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : header[i];
  return stored === sum;
}

/** PAX extended header records: `<length> <key>=<value>\n`. */
function paxRecords(data: Buffer, bad: (why: string) => Error): Map<string, string> {
  const records = new Map<string, string>();
  let pos = 0;
  while (pos < data.length) {
    const space = data.indexOf(0x20, pos);
    const length = space === -1 ? NaN : Number(data.subarray(pos, space).toString('latin1'));
    if (!Number.isInteger(length) || length <= 0 || pos + length > data.length)
      throw bad('a PAX extended header is malformed');
    const record = data.subarray(space + 1, pos + length).toString('utf8');
    const eq = record.indexOf('=');
    if (eq === -1 || !record.endsWith('\n')) throw bad('a PAX extended header is malformed');
    records.set(record.slice(0, eq), record.slice(eq + 1, -1));
    pos += length;
  }
  return records;
}

/** Writes the files under `root` (which must not exist yet or be empty); every path is re-checked to stay inside. */
export async function writePackageFiles(root: string, files: ArchiveFile[]): Promise<void> {
  const base = resolve(root);
  await mkdir(base, { recursive: true });
  for (const file of files) {
    const target = resolve(base, file.path);
    if (!target.startsWith(base + sep)) throw new Error(`refusing to write outside ${base}: ${file.path}`);
    await mkdir(dirname(target), { recursive: true, mode: 0o755 });
    await writeFile(target, file.data, { flag: 'wx', mode: 0o644 });
  }
}

export const archiveFile = (files: ArchiveFile[], path: string): Buffer | undefined =>
  files.find((f) => f.path === path)?.data;

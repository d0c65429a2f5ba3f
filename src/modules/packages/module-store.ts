/**
 * The installed modules on disk, under the store folder:
 *
 *     bundles/<sha256>.js     the artifacts, content-addressed
 *     modules/<name>.json     one record per module (`@scope/name` → `@scope+name.json`)
 *     .tmp/  .work/           files being written, install work folders
 *
 * A record is written (temporary file, fsync, rename) only after its bundle is in place,
 * so a reader sees the old module or the new one, never half of one; bundles no record
 * refers to are deleted afterwards. Writers in this process take turns (one app process
 * per data folder, as for the database).
 */
import { createHash, randomBytes } from 'node:crypto';
import { access, mkdir, mkdtemp, open, readdir, readFile, rename, rm, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { BUNDLE_FORMAT } from './bundle-contract';
import { validatePackageName } from './package-name';
import type { InstalledModule } from './package-types';

type Record = Omit<InstalledModule, 'path'>;

/** Longer than any install can take (every request is time-bounded). */
const STALE_WORK_MS = 24 * 60 * 60 * 1000;

export class ModuleStore {
  private readonly bundles: string;
  private readonly records: string;
  private readonly tmp: string;
  private readonly work: string;
  private turn: Promise<unknown> = Promise.resolve();

  constructor(readonly dir: string) {
    this.bundles = join(dir, 'bundles');
    this.records = join(dir, 'modules');
    this.tmp = join(dir, '.tmp');
    this.work = join(dir, '.work');
  }

  /** A fresh, empty folder for one install; the caller removes it. Folders a crash left behind go after a day. */
  async workFolder(): Promise<string> {
    await mkdir(this.work, { recursive: true, mode: 0o700 });
    const stale = Date.now() - STALE_WORK_MS;
    for (const entry of await readdir(this.work)) {
      const path = join(this.work, entry);
      const info = await stat(path).catch(() => null);
      if (info && info.mtimeMs < stale) await rm(path, { recursive: true, force: true });
    }
    return mkdtemp(join(this.work, 'install-'));
  }

  async save(record: Record, code: string): Promise<InstalledModule> {
    return this.exclusive(async () => {
      await Promise.all([this.bundles, this.records, this.tmp].map((d) => mkdir(d, { recursive: true, mode: 0o755 })));
      const bundlePath = join(this.bundles, `${record.bundleSha256}.js`);
      await this.writeAtomic(bundlePath, code);
      await this.writeAtomic(this.recordPath(record.name), `${JSON.stringify(record, null, 2)}\n`);
      await this.dropUnreferencedBundles();
      return { ...record, path: bundlePath };
    });
  }

  async get(name: string): Promise<InstalledModule | null> {
    validatePackageName(name);
    return this.readRecord(this.recordPath(name));
  }

  /** Every installed module whose record and bundle are intact, by name. */
  async list(): Promise<InstalledModule[]> {
    let files: string[];
    try {
      files = await readdir(this.records);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw err;
    }
    const found = await Promise.all(
      files.filter((f) => f.endsWith('.json')).map((f) => this.readRecord(join(this.records, f))),
    );
    return found.filter((m): m is InstalledModule => m !== null).sort((a, b) => a.name.localeCompare(b.name));
  }

  /** The bundle's code, checked against the recorded sha256; null when the module is not installed or damaged. */
  async readBundle(name: string): Promise<{ module: InstalledModule; code: string } | null> {
    const module = await this.get(name);
    if (!module) return null;
    const bytes = await readFile(module.path).catch(() => null);
    if (!bytes || createHash('sha256').update(bytes).digest('hex') !== module.bundleSha256) return null;
    return { module, code: bytes.toString('utf8') };
  }

  /** Removes the module; false when it was not installed. */
  async remove(name: string): Promise<boolean> {
    validatePackageName(name);
    return this.exclusive(async () => {
      try {
        await unlink(this.recordPath(name));
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
        throw err;
      }
      await this.dropUnreferencedBundles();
      return true;
    });
  }

  private recordPath(name: string): string {
    return join(this.records, `${name.replace('/', '+')}.json`);
  }

  private async readRecord(path: string): Promise<InstalledModule | null> {
    let record: Record;
    try {
      record = JSON.parse(await readFile(path, 'utf8')) as Record;
    } catch {
      return null;
    }
    if (
      typeof record !== 'object' ||
      record === null ||
      record.format !== BUNDLE_FORMAT ||
      typeof record.name !== 'string' ||
      `${record.name.replace('/', '+')}.json` !== path.split('/').pop() ||
      !/^[0-9a-f]{64}$/.test(String(record.bundleSha256))
    )
      return null;
    const bundlePath = join(this.bundles, `${record.bundleSha256}.js`);
    try {
      await access(bundlePath);
    } catch {
      return null;
    }
    return { ...record, path: bundlePath };
  }

  private async dropUnreferencedBundles(): Promise<void> {
    const referenced = new Set((await this.list()).map((m) => `${m.bundleSha256}.js`));
    for (const file of await readdir(this.bundles).catch(() => [] as string[]))
      if (!referenced.has(file)) await rm(join(this.bundles, file), { force: true });
  }

  private async writeAtomic(path: string, data: string): Promise<void> {
    const tmp = join(this.tmp, `${randomBytes(8).toString('hex')}.tmp`);
    const handle = await open(tmp, 'wx', 0o644);
    try {
      try {
        await handle.writeFile(data);
        await handle.sync();
      } finally {
        await handle.close();
      }
      await rename(tmp, path);
    } catch (err) {
      await rm(tmp, { force: true });
      throw err;
    }
  }

  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.turn.then(fn, fn);
    this.turn = next.catch(() => undefined);
    return next;
  }
}

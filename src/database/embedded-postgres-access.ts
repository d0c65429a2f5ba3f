import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  chmodSync,
  chownSync,
  cpSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  realpathSync,
  renameSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { basename, dirname, join, parse } from 'node:path';
import { StartupError } from '../common/startup-error';

/**
 * PostgreSQL refuses to run as root. When MCPBox runs as root, the embedded server runs as
 * the unprivileged user `postgres` (created when missing), and that user must reach the
 * binaries and the data. A checkout in root's home folder (mode 0700, the usual place on a
 * fresh server) gives it neither: then the binaries are copied to, and a new cluster is
 * placed in, a root-owned fallback folder it can reach (default /var/lib/mcpbox), and
 * `DATA_DIR/postgres` becomes a link there, so the data is still found from DATA_DIR.
 */

/** The account the server runs as; `uid` undefined: this process's own user. */
export interface PostgresAccount {
  name: string;
  uid?: number;
  gid?: number;
}

export interface PostgresLayout {
  account: PostgresAccount;
  /** Folder holding bin/, lib/, share/ of the PostgreSQL build. */
  nativeDir: string;
  /** PGDATA: the real folder (never a link). */
  clusterDir: string;
  /** Said once in the log: where things are and why. */
  notes: string[];
}

export const DEFAULT_FALLBACK_DIR = '/var/lib/mcpbox';
const SERVICE_USER = 'postgres';

export const isRoot = (): boolean => process.getuid?.() === 0;

/**
 * Decides who runs the server and where its binaries and data are, preparing folders and
 * ownership on the way. Without root: this user, the package's binaries, DATA_DIR/postgres.
 */
export function preparePostgresLayout(opts: {
  nativeDir: string;
  dataDir: string;
  fallbackDir: string;
}): PostgresLayout {
  const linkPath = join(opts.dataDir, 'postgres');
  if (!isRoot()) {
    mkdirSync(linkPath, { recursive: true, mode: 0o700 });
    return { account: currentAccount(), nativeDir: opts.nativeDir, clusterDir: linkPath, notes: [] };
  }
  const account = serviceAccount();
  const notes: string[] = [];
  let nativeDir = opts.nativeDir;
  if (!canRun(account, join(nativeDir, 'bin', 'postgres'))) {
    nativeDir = copyBinaries(opts.nativeDir, opts.fallbackDir, account);
    notes.push(
      `MCPBox runs as root, so PostgreSQL runs as user ${account.name}, which cannot reach ${opts.nativeDir} (${blockingFolder(account, opts.nativeDir)}): it runs a copy of those binaries in ${nativeDir}`,
    );
  }
  mkdirSync(opts.dataDir, { recursive: true });
  const clusterDir = clusterFolder(linkPath, opts, account, notes);
  return { account, nativeDir, clusterDir, notes };
}

/** PGDATA for a root start: DATA_DIR/postgres itself when the account reaches it, else a fallback folder. */
function clusterFolder(
  linkPath: string,
  opts: { dataDir: string; fallbackDir: string },
  account: PostgresAccount,
  notes: string[],
): string {
  const link = lstatSync(linkPath, { throwIfNoEntry: false });
  if (link?.isSymbolicLink()) {
    // An earlier start placed the cluster elsewhere and linked it here.
    const target = realpathSync(linkPath);
    notes.push(`the embedded PostgreSQL's data is in ${target} (${linkPath} links there)`);
    return ownedFolder(target, account);
  }
  if (canReach(account, opts.dataDir)) return ownedFolder(linkPath, account);
  const why = blockingFolder(account, opts.dataDir);
  if (link && !isEmptyFolder(linkPath)) {
    throw new StartupError(
      `The embedded PostgreSQL runs as user ${account.name} (MCPBox runs as root), which cannot reach its data in ${linkPath} (${why}). Move DATA_DIR to a folder that user can reach, let it in (chmod o+x on that folder), run MCPBox as another user, or set DATABASE_URL`,
    );
  }
  const parent = join(safeFallbackRoot(opts.fallbackDir), 'postgres');
  mkdirSync(parent, { recursive: true, mode: 0o755 });
  chmodSync(parent, 0o755);
  const target = join(parent, clusterName(opts.dataDir));
  if (link) rmSync(linkPath, { recursive: true });
  ownedFolder(target, account);
  symlinkSync(target, linkPath, 'dir');
  notes.push(
    `MCPBox runs as root, so PostgreSQL runs as user ${account.name}, which cannot reach DATA_DIR ${opts.dataDir} (${why}): its data is in ${target} (${linkPath} links there)`,
  );
  return target;
}

/** `<last folder name>-<hash of the full path>`: readable, and two checkouts never share a cluster. */
export function clusterName(dataDir: string): string {
  const real = existsSync(dataDir) ? realpathSync(dataDir) : dataDir;
  const hash = createHash('sha256').update(real).digest('hex').slice(0, 12);
  const base = basename(dirname(real)).replace(/[^A-Za-z0-9._-]/g, '_') || 'root';
  return `${base}-${hash}`;
}

/** Creates `dir` (mode 0700) for the account, or checks that it already is the account's. */
function ownedFolder(dir: string, account: PostgresAccount): string {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const info = statSync(dir);
  if (account.uid !== undefined && info.uid !== account.uid) {
    if (!isEmptyFolder(dir))
      throw new StartupError(
        `The embedded PostgreSQL data in ${dir} belongs to uid ${info.uid}, not to user ${account.name} (uid ${account.uid}) that runs it; give it back (chown -R ${account.name}: ${dir}) or set DATA_DIR to another folder`,
      );
    chownSync(dir, account.uid, account.gid ?? info.gid);
  }
  chmodSync(dir, 0o700);
  return dir;
}

/**
 * The fallback root: created root-owned 0755, or, when it exists, required to be root's
 * and writable by root alone (the binaries in it run as the postgres user).
 */
function safeFallbackRoot(dir: string): string {
  try {
    mkdirSync(dir, { recursive: true, mode: 0o755 });
  } catch (err) {
    throw new StartupError(
      `The embedded PostgreSQL needs a folder that user ${SERVICE_USER} can reach, and ${dir} could not be created (${(err as NodeJS.ErrnoException).code ?? String(err)}); set EMBEDDED_POSTGRES_FALLBACK_DIR to a root-owned folder (mode 0755), DATA_DIR to a folder user ${SERVICE_USER} can reach, or DATABASE_URL`,
    );
  }
  const info = statSync(dir);
  if (info.uid !== 0 || (info.mode & 0o022) !== 0)
    throw new StartupError(
      `EMBEDDED_POSTGRES_FALLBACK_DIR ${dir} must belong to root and be writable by root alone (it is uid ${info.uid}, mode ${(info.mode & 0o777).toString(8)}); fix it (chown root: ${dir}; chmod 755 ${dir}) or choose another folder`,
    );
  return dir;
}

/** Copies bin/, lib/, share/ once per PostgreSQL build into `<fallback>/embedded-postgres/<build>` (root-owned, 0755). */
function copyBinaries(nativeDir: string, fallbackDir: string, account: PostgresAccount): string {
  const root = join(safeFallbackRoot(fallbackDir), 'embedded-postgres');
  mkdirSync(root, { recursive: true, mode: 0o755 });
  chmodSync(root, 0o755);
  const target = join(root, buildName(nativeDir));
  const postgres = join(target, 'bin', 'postgres');
  if (existsSync(join(target, '.complete')) && canRun(account, postgres)) return target;
  const tmp = mkdtempSync(join(root, '.copy-'));
  try {
    cpSync(nativeDir, tmp, { recursive: true, verbatimSymlinks: true });
    for (const dir of folders(tmp)) chmodSync(dir, 0o755);
    writeFileSync(join(tmp, '.complete'), `${nativeDir}\n`);
    rmSync(target, { recursive: true, force: true });
    renameSync(tmp, target);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  if (!canRun(account, postgres))
    throw new StartupError(
      `User ${account.name} cannot run the embedded PostgreSQL even from ${target} (${blockingFolder(account, target)}); set EMBEDDED_POSTGRES_FALLBACK_DIR to a folder it can reach and run programs from, or set DATABASE_URL`,
    );
  return target;
}

/** `postgres-18.4-linux-x64` from the binary's own version and this platform. */
function buildName(nativeDir: string): string {
  const version = spawnSync(join(nativeDir, 'bin', 'postgres'), ['-V'], { encoding: 'utf8' }).stdout ?? '';
  const number = /(\d+(\.\d+)*)/.exec(version)?.[1] ?? 'unknown';
  return `postgres-${number}-${process.platform}-${process.arch}`;
}

function* folders(dir: string): Generator<string> {
  yield dir;
  for (const entry of readdirSync(dir, { withFileTypes: true }))
    if (entry.isDirectory()) yield* folders(join(dir, entry.name));
}

const isEmptyFolder = (dir: string): boolean => {
  try {
    return readdirSync(dir).length === 0;
  } catch {
    return false;
  }
};

function currentAccount(): PostgresAccount {
  try {
    return { name: execFileSync('id', ['-un'], { encoding: 'utf8' }).trim() || 'this user' };
  } catch {
    return { name: 'this user' };
  }
}

/** The `postgres` account, created (system user, no login) when missing. */
function serviceAccount(): PostgresAccount {
  const lookup = (): PostgresAccount | undefined => {
    const uid = spawnSync('id', ['-u', SERVICE_USER], { encoding: 'utf8' });
    const gid = spawnSync('id', ['-g', SERVICE_USER], { encoding: 'utf8' });
    if (uid.status !== 0 || gid.status !== 0) return undefined;
    return { name: SERVICE_USER, uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
  };
  const found = lookup();
  if (found) return found;
  const created = spawnSync('useradd', ['--system', '--user-group', '--no-create-home', SERVICE_USER], {
    encoding: 'utf8',
  });
  const account = created.status === 0 ? lookup() : undefined;
  if (!account)
    throw new StartupError(
      `MCPBox runs as root, and PostgreSQL refuses to: the embedded server needs an unprivileged user ${SERVICE_USER}, which does not exist and could not be created (${(created.stderr || created.error?.message || 'useradd failed').trim()}); create it (useradd --system ${SERVICE_USER}), run MCPBox as another user, or set DATABASE_URL`,
    );
  return account;
}

/** Runs as the account: does `postgres -V` start? (path search, exec permission, noexec mounts, libraries) */
export function canRun(account: PostgresAccount, binary: string): boolean {
  const run = spawnSync(binary, ['-V'], { uid: account.uid, gid: account.gid, stdio: 'ignore', timeout: 10_000 });
  return run.status === 0;
}

/** Runs as the account: can it enter `dir` (search permission on it and every folder above)? */
export function canReach(account: PostgresAccount, dir: string): boolean {
  const run = spawnSync('/bin/sh', ['-c', 'test -d "$1" && test -x "$1"', 'sh', dir], {
    uid: account.uid,
    gid: account.gid,
    stdio: 'ignore',
    timeout: 10_000,
  });
  return run.status === 0;
}

/** For messages: the first folder on the way to `path` that the account cannot enter, with its mode. */
export function blockingFolder(account: PostgresAccount, path: string): string {
  const chain: string[] = [];
  for (let dir = path; ; dir = dirname(dir)) {
    chain.unshift(dir);
    if (dir === parse(dir).root) break;
  }
  for (const dir of chain) {
    if (!existsSync(dir)) break;
    if (!canReach(account, dir)) {
      const mode = (statSync(dir).mode & 0o777).toString(8).padStart(4, '0');
      return `${dir} is mode ${mode}, owner uid ${statSync(dir).uid}`;
    }
  }
  return 'permission denied';
}

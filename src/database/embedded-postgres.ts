import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chownSync, existsSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Logger } from '@nestjs/common';
import { Client } from 'pg';
import { StartupError } from '../common/startup-error';
import { DEFAULT_FALLBACK_DIR, preparePostgresLayout, type PostgresLayout } from './embedded-postgres-access';

const log = new Logger('EmbeddedPostgres');
const USER = 'postgres';
/** What clusters made before the password file existed were initialised with; replaced at their next start. */
const LEGACY_PASSWORD = 'mcpbox-embedded';
/** In PGDATA, mode 0600, owned by the server's account: the password travels with the data it guards. */
const PASSWORD_FILE = 'mcpbox.password';
const START_TIMEOUT_MS = 60_000;

export interface EmbeddedPostgresOptions {
  dataDir: string;
  port: number;
  /** Created when missing; default `mcpbox`. */
  database?: string;
  /** Root only: where binaries and data go when user postgres cannot reach ours (default /var/lib/mcpbox). */
  fallbackDir?: string;
  /** The PostgreSQL build to run (bin/, lib/, share/); default: the `@embedded-postgres/<platform>` package. */
  nativeDir?: string;
  /** Each line the server logs (default: dropped; the app passes them to its debug log). */
  onServerLog?: (line: string) => void;
}

export interface RunningPostgres {
  url: string;
  /** PGDATA, after links are followed. */
  clusterDir: string;
  /** Where binaries and data are, when that is not the obvious place (said once in the log). */
  notes: string[];
  stop(): Promise<void>;
}

/**
 * Starts the bundled PostgreSQL for machines without a database server (docs/architecture.md#embedded-postgresql), using the
 * binaries of the `embedded-postgres` packages: data in `<dataDir>/postgres`, TCP on
 * 127.0.0.1 only (no Unix socket), a random password kept in the cluster. Every way it can
 * fail ends as a StartupError that names the setting to change.
 */
export async function startEmbeddedPostgres(opts: EmbeddedPostgresOptions): Promise<RunningPostgres> {
  const layout = preparePostgresLayout({
    nativeDir: opts.nativeDir ?? (await packagedNativeDir()),
    dataDir: opts.dataDir,
    fallbackDir: opts.fallbackDir ?? DEFAULT_FALLBACK_DIR,
  });
  const fresh = !existsSync(join(layout.clusterDir, 'PG_VERSION'));
  const password = fresh ? await initCluster(layout) : undefined;
  const server = await runServer(layout, opts.port, opts.onServerLog ?? (() => undefined));
  try {
    const database = opts.database ?? 'mcpbox';
    const secret = await connectAndSecure(layout, opts.port, database, password);
    return {
      url: `postgres://${USER}:${encodeURIComponent(secret)}@127.0.0.1:${opts.port}/${encodeURIComponent(database)}`,
      clusterDir: layout.clusterDir,
      notes: layout.notes,
      stop: server.stop,
    };
  } catch (err) {
    await server.stop();
    throw err;
  }
}

async function packagedNativeDir(): Promise<string> {
  const pkg = `@embedded-postgres/${process.platform === 'win32' ? 'windows' : process.platform}-${process.arch}`;
  try {
    const binaries = (await import(pkg)) as { postgres: string };
    return dirname(dirname(binaries.postgres));
  } catch {
    throw new StartupError(
      `No embedded PostgreSQL is installed for ${process.platform}-${process.arch} (npm package ${pkg}); set DATABASE_URL to a PostgreSQL server`,
    );
  }
}

/** initdb with a random password (scram-sha-256), UTF-8, locale-independent; returns the password. */
async function initCluster(layout: PostgresLayout): Promise<string> {
  const password = randomBytes(24).toString('base64url');
  // The password reaches initdb through a file only the server's account can read.
  const dir = mkdtempSync(join(tmpdir(), 'mcpbox-initdb-'));
  const pwfile = join(dir, 'password');
  try {
    writeFileSync(pwfile, `${password}\n`, { mode: 0o600 });
    if (layout.account.uid !== undefined) {
      chownSync(dir, layout.account.uid, layout.account.gid ?? 0);
      chownSync(pwfile, layout.account.uid, layout.account.gid ?? 0);
    }
    const { code, output } = await run(layout, 'initdb', [
      `--pgdata=${layout.clusterDir}`,
      `--username=${USER}`,
      `--pwfile=${pwfile}`,
      '--auth=scram-sha-256',
      '--encoding=UTF8',
      '--locale-provider=builtin',
      '--builtin-locale=C.UTF-8',
      '--locale=C',
    ]);
    if (code !== 0) {
      const why = lastLines(output, 3) || `exit code ${code}`;
      throw new StartupError(
        `The embedded PostgreSQL could not create its data in ${layout.clusterDir}: ${why}; check DATA_DIR (free space, permissions), or set DATABASE_URL`,
      );
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  writeSecret(layout, password);
  return password;
}

function run(
  layout: PostgresLayout,
  program: string,
  args: string[],
): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(join(layout.nativeDir, 'bin', program), args, {
      ...ids(layout),
      env: { ...process.env, LC_ALL: 'C', LC_MESSAGES: 'C' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    const add = (d: Buffer) => (output = (output + d.toString()).slice(-16_384));
    child.stdout.on('data', add);
    child.stderr.on('data', add);
    child.on('error', (err) => resolve({ code: -1, output: `${output}\n${err.message}` }));
    child.on('close', (code) => resolve({ code, output }));
  });
}

const ids = (layout: PostgresLayout) =>
  layout.account.uid === undefined ? {} : { uid: layout.account.uid, gid: layout.account.gid };

/** Runs the server until it accepts connections; stop() is a fast shutdown. */
async function runServer(
  layout: PostgresLayout,
  port: number,
  onLog: (line: string) => void,
): Promise<{ stop: () => Promise<void> }> {
  const child = spawn(
    join(layout.nativeDir, 'bin', 'postgres'),
    ['-D', layout.clusterDir, '-p', String(port), '-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories='],
    {
      ...ids(layout),
      env: { ...process.env, LC_ALL: 'C', LC_MESSAGES: 'C' },
      stdio: ['ignore', 'ignore', 'pipe'],
      // Its own process group: Ctrl-C reaches MCPBox alone, which closes its connections first.
      detached: process.platform !== 'win32',
    },
  );
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  // A server left behind would hold the port and the data: it goes when this process goes.
  const killOnExit = () => child.kill('SIGINT');
  process.once('exit', killOnExit);
  const stop = async () => {
    process.removeListener('exit', killOnExit);
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGINT');
    const slow = setTimeout(() => child.kill('SIGQUIT'), 20_000);
    await exited;
    clearTimeout(slow);
  };
  try {
    await ready(child, layout, port, onLog);
  } catch (err) {
    await stop();
    throw err;
  }
  return { stop };
}

function ready(
  child: ChildProcess,
  layout: PostgresLayout,
  port: number,
  onLog: (line: string) => void,
): Promise<void> {
  return new Promise((resolve, reject) => {
    let output = '';
    let started = false;
    const timer = setTimeout(() => {
      reject(
        new StartupError(
          `The embedded PostgreSQL did not start within ${START_TIMEOUT_MS / 1000} s (data in ${layout.clusterDir}, port ${port}); see its log with LOG_LEVEL=debug, or set DATABASE_URL`,
        ),
      );
    }, START_TIMEOUT_MS);
    child.stderr?.on('data', (chunk: Buffer) => {
      const text = chunk.toString();
      for (const line of text.split('\n')) if (line.trim()) onLog(line.trim());
      if (started) return;
      output = (output + text).slice(-16_384);
      if (output.includes('database system is ready to accept connections')) {
        started = true;
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('error', (err) => {
      clearTimeout(timer);
      reject(startFailure(`${output}\nFATAL:  ${err.message}`, layout, port));
    });
    child.once('exit', () => {
      clearTimeout(timer);
      if (!started) reject(startFailure(output, layout, port));
    });
  });
}

/** The server's own FATAL line, read for its cause and turned into what to change. */
export function startFailure(output: string, layout: Pick<PostgresLayout, 'clusterDir'>, port: number): StartupError {
  const fatal = /(?:FATAL|PANIC):\s+(.*)/.exec(output)?.[1]?.trim() ?? lastLines(output, 1);
  const pid = /another (?:postmaster|postgres) \(PID (\d+)\)/i.exec(output)?.[1];
  if (/lock file "postmaster\.pid" already exists/.test(output))
    return new StartupError(
      `The embedded PostgreSQL data in ${layout.clusterDir} is in use by another server${pid ? ` (PID ${pid})` : ''}: is another MCPBox running on the same DATA_DIR? Stop it first, or give this instance its own DATA_DIR and EMBEDDED_POSTGRES_PORT`,
    );
  if (/could not bind .*address already in use|could not create listen socket/i.test(output))
    return new StartupError(
      `EMBEDDED_POSTGRES_PORT ${port} is already in use on 127.0.0.1 (another MCPBox or PostgreSQL?); set EMBEDDED_POSTGRES_PORT to a free port, or DATABASE_URL to use your own PostgreSQL`,
    );
  if (/wrong ownership|invalid permissions|permission denied/i.test(output))
    return new StartupError(
      `The embedded PostgreSQL cannot use its data in ${layout.clusterDir}: ${fatal}; fix the folder's owner and mode, or set DATA_DIR to another folder`,
    );
  if (/database files are incompatible with server/.test(output))
    return new StartupError(
      `The data in ${layout.clusterDir} was made by another PostgreSQL major version (${fatal}); start it with that version to dump it, or set DATA_DIR to a new folder`,
    );
  return new StartupError(
    `The embedded PostgreSQL did not start: ${fatal || 'it exited at once'} (data in ${layout.clusterDir}, port ${port}); set EMBEDDED_POSTGRES_PORT or DATA_DIR, or DATABASE_URL to use your own PostgreSQL`,
  );
}

/**
 * Connects with the cluster's password (a cluster from before the password file is moved
 * off the old fixed password first) and creates the database when missing.
 */
async function connectAndSecure(
  layout: PostgresLayout,
  port: number,
  database: string,
  fresh: string | undefined,
): Promise<string> {
  const file = join(layout.clusterDir, PASSWORD_FILE);
  const saved = fresh ?? (existsSync(file) ? readFileSync(file, 'utf8').trim() : undefined);
  for (const candidate of [saved, LEGACY_PASSWORD]) {
    if (!candidate) continue;
    const client = new Client({ host: '127.0.0.1', port, user: USER, password: candidate, database: 'postgres' });
    try {
      await client.connect();
    } catch (err) {
      await client.end().catch(() => undefined);
      if ((err as { code?: string }).code === '28P01') continue;
      throw err;
    }
    try {
      let password = candidate;
      if (candidate === LEGACY_PASSWORD) {
        // File first: a crash before ALTER leaves the old password working, tried next time.
        password = randomBytes(24).toString('base64url');
        writeSecret(layout, password);
        await client.query(`ALTER ROLE ${client.escapeIdentifier(USER)} PASSWORD ${client.escapeLiteral(password)}`);
        log.log(`replaced the embedded PostgreSQL's fixed password by a random one (kept in ${file})`);
      }
      const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
      if (!rowCount) await client.query(`CREATE DATABASE ${client.escapeIdentifier(database)}`);
      return password;
    } finally {
      await client.end();
    }
  }
  throw new StartupError(
    `The embedded PostgreSQL in ${layout.clusterDir} refused the password in ${file}; restore that file from the backup it came with, or set DATA_DIR to a new folder`,
  );
}

function writeSecret(layout: PostgresLayout, password: string): void {
  const file = join(layout.clusterDir, PASSWORD_FILE);
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, `${password}\n`, { mode: 0o600 });
  if (layout.account.uid !== undefined) chownSync(tmp, layout.account.uid, layout.account.gid ?? 0);
  renameSync(tmp, file);
}

function lastLines(text: string, n: number): string {
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
    .slice(-n)
    .join(' / ');
}

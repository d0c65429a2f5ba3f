import { LOOPBACK_NODE_OPTIONS } from '../support/loopback-only';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { utimesSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { cleanup, scratchFolder } from '../support/main-process';
import { createFileDatabase } from '../support/test-database';

const ROOT = join(__dirname, '..', '..', '..');

describe('npm run dev', () => {
  const dirs: string[] = [];
  after(() => cleanup(dirs));

  it('starts MCPBox, rebuilds and restarts it when a source file changes, and stops it with Ctrl-C', async () => {
    const db = await createFileDatabase();
    const dir = scratchFolder(dirs);
    const dev = spawn(process.execPath, [join(ROOT, 'scripts', 'dev.mjs')], {
      cwd: ROOT,
      env: {
        PATH: process.env.PATH ?? '',
        HOME: dir,
        NODE_OPTIONS: LOOPBACK_NODE_OPTIONS,
        DATABASE_URL: db.url,
        DATA_DIR: join(dir, 'data'),
        MCPBOX_ENCRYPTION_KEY: 'cd'.repeat(32),
        HOST: '127.0.0.1',
        PORT: '0',
        SANDBOX_WORKERS: '1',
        LOG_FORMAT: 'json',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    dev.stdout.on('data', (d: Buffer) => (out += d.toString()));
    dev.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const exit = new Promise<number | null>((resolve) => dev.on('exit', (code) => resolve(code)));
    const until = (pattern: RegExp, count: number) =>
      new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`timed out waiting for ${pattern}:\n${out}`)), 90_000);
        const check = () => {
          if ((out.match(new RegExp(pattern, 'g')) ?? []).length >= count) {
            clearTimeout(timer);
            resolve();
          }
        };
        dev.stdout.on('data', check);
        dev.stderr.on('data', check);
        check();
      });
    try {
      await until(/ is ready: API http/, 1);
      const now = new Date();
      utimesSync(join(ROOT, 'src', 'health', 'health.controller.ts'), now, now);
      await until(/health\.controller\.ts changed: rebuilding/, 1);
      await until(/ is ready: API http/, 2);
      const urls = [...out.matchAll(/is ready: API (http:\/\/\S+)\/api/g)].map((m) =>
        m[1].replace('localhost', '127.0.0.1'),
      );
      assert.equal(urls.length, 2);
      // The new app answers; the old one is gone.
      assert.equal((await fetch(`${urls[1]}/health`)).status, 200);
      await assert.rejects(fetch(`${urls[0]}/health`));
      dev.kill('SIGINT');
      assert.equal(await exit, 0, out);
      await assert.rejects(fetch(`${urls[1]}/health`), 'MCPBox stopped with dev');
    } finally {
      dev.kill('SIGKILL');
      await db.drop();
    }
  });
});

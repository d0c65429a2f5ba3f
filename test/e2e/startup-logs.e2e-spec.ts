import { LOOPBACK_NODE_OPTIONS } from '../support/loopback-only';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { after, describe, it } from 'node:test';
import { usePrettyLogs } from '../../src/common/logging.module';
import { cleanup, MAIN, scratchFolder, startMain } from '../support/main-process';
import { createFileDatabase } from '../support/test-database';

const SETUP_HINT =
  /No admin account yet\. Create one: curl -s http:\/\/127\.0\.0\.1:\d+\/auth\/setup .*"username":"admin"/;

describe('start-up log (the built service)', () => {
  const dirs: string[] = [];
  const drops: (() => Promise<void>)[] = [];
  after(async () => {
    for (const drop of drops) await drop().catch(() => undefined);
    cleanup(dirs);
  });

  it('writes JSON lines when stdout is not a terminal; says where the API, /docs and /mcp are, and how to create the admin', async () => {
    const db = await createFileDatabase();
    drops.push(db.drop);
    const dir = scratchFolder(dirs);
    const app = await startMain({ DATABASE_URL: db.url }, dir);
    const port = new URL(app.url).port;
    let out: string;
    try {
      const res = await fetch(`${app.url}/auth/setup`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username: 'admin', password: 'a long passphrase' }),
      });
      assert.equal(res.status, 201);
    } finally {
      out = (await app.stop()).stdout;
    }
    const lines = out.split('\n').filter((l) => l.trim());
    for (const line of lines) assert.doesNotThrow(() => JSON.parse(line), `a JSON line: ${line}`);
    const messages = lines.map((l) => (JSON.parse(l) as { msg: string }).msg);
    const ready = messages.filter((m) => / is ready: /.test(m));
    assert.equal(ready.length, 1, messages.join('\n'));
    for (const path of ['/api', '/docs', '/mcp'])
      assert.ok(ready[0].includes(`http://127.0.0.1:${port}${path}`), ready[0]);
    assert.ok(
      messages.some((m) => SETUP_HINT.test(m)),
      messages.join('\n'),
    );
    assert.ok(!messages.some((m) => /Mapped \{|dependencies initialized/.test(m)), 'no route/module chatter at info');

    // Next start: an admin exists, so no hint.
    const again = await startMain({ DATABASE_URL: db.url, LOG_FORMAT: 'pretty' }, dir);
    const pretty = (await again.stop()).stdout;
    assert.doesNotMatch(pretty, /No admin account yet/);
    // LOG_FORMAT=pretty: readable lines, not JSON.
    const readyLine = pretty.split('\n').find((l) => / is ready: /.test(l)) ?? '';
    assert.match(readyLine, /^\S*\[?\d\d:\d\d:\d\d\.\d{3}\]? .*INFO.*MCPBox: MCPBox \S+ is ready: API http/, pretty);
    assert.throws(() => JSON.parse(readyLine));
  });

  it('chooses readable lines for a terminal, JSON otherwise, unless LOG_FORMAT says', () => {
    assert.equal(usePrettyLogs('auto', true), true);
    assert.equal(usePrettyLogs('auto', false), false);
    assert.equal(usePrettyLogs('json', true), false);
    assert.equal(usePrettyLogs('pretty', false), true);
  });

  // `script` gives the child a real terminal: what a person running `npm start` sees.
  it(
    'prints readable lines on a real terminal',
    { skip: !existsSync('/usr/bin/script') && 'needs script(1)' },
    async () => {
      const db = await createFileDatabase();
      drops.push(db.drop);
      const dir = scratchFolder(dirs);
      const env = {
        PATH: process.env.PATH ?? '',
        HOME: dir,
        NODE_OPTIONS: LOOPBACK_NODE_OPTIONS,
        DATABASE_URL: db.url,
        DATA_DIR: `${dir}/data`,
        MCPBOX_ENCRYPTION_KEY: 'ab'.repeat(32),
        HOST: '127.0.0.1',
        PORT: '0',
        SANDBOX_WORKERS: '1',
      };
      const child = spawn('/usr/bin/script', ['-qefc', `${process.execPath} ${MAIN}`, '/dev/null'], {
        cwd: dir,
        env,
        stdio: ['pipe', 'pipe', 'pipe'],
      });
      let out = '';
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no ready line:\n${out}`)), 60_000);
        child.stdout.on('data', () => {
          if (/ is ready: /.test(out)) {
            clearTimeout(timer);
            resolve();
          }
        });
      });
      child.kill('SIGTERM');
      await new Promise((r) => child.on('close', r));
      const plain = out.replace(/\x1b\[[0-9;]*m/g, ''); // eslint-disable-line no-control-regex
      const readyLine = plain.split(/\r?\n/).find((l) => / is ready: /.test(l)) ?? '';
      assert.match(
        readyLine,
        /\d\d:\d\d:\d\d\.\d{3}.*INFO.*MCPBox: MCPBox \S+ is ready: API http:\/\/127\.0\.0\.1:\d+\/api/,
      );
      assert.ok(!plain.includes('{"level"'), 'no JSON on a terminal');
    },
  );
});

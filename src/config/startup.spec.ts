import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';

const MAIN = join(__dirname, '..', 'main.js');
// Nothing listens there: if start-up wrongly went past configuration it could not connect,
// and with DATABASE_URL set it never starts an embedded PostgreSQL.
const DEAD_DATABASE = 'postgres://mcpbox@127.0.0.1:9/none';

interface Exit {
  code: number | null;
  stderr: string;
  stdout: string;
  ms: number;
}

/** Runs the built service as production would, with only the given variables. */
function runMain(env: Record<string, string>, cwd: string): Promise<Exit> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [MAIN], {
      cwd,
      env: {
        PATH: process.env.PATH ?? '',
        HOME: cwd,
        DATA_DIR: join(cwd, 'data'),
        DATABASE_URL: DEAD_DATABASE,
        LOG_LEVEL: 'info',
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stderr, stdout, ms: Date.now() - started });
    });
  });
}

function assertOneClearLine(exit: Exit, variable: string): void {
  assert.notEqual(exit.code, 0, `exit code ${exit.code}`);
  assert.notEqual(
    exit.code,
    null,
    `exited by itself (not killed after the timeout); stderr:\n${exit.stderr}\nstdout:\n${exit.stdout}`,
  );
  assert.ok(exit.ms < 8000, `exited in ${exit.ms} ms`);
  const lines = exit.stderr.split('\n').filter((l) => l.trim());
  assert.equal(lines.length, 1, `one line on stderr, got:\n${exit.stderr}`);
  assert.match(lines[0], new RegExp(`\\b${variable}\\b`));
  assert.doesNotMatch(exit.stderr + exit.stdout, /\n\s+at /, 'no stack trace');
}

// Independent processes: run them side by side to keep the file fast.
describe('start-up with a bad configuration (the built service)', { concurrency: true }, () => {
  const dirs: string[] = [];
  const cwd = () => {
    const d = mkdtempSync(join(tmpdir(), 'mcpbox-startup-'));
    dirs.push(d);
    return d;
  };
  after(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it('stops at once with one line naming PORT', async () => {
    assertOneClearLine(await runMain({ PORT: 'notaport' }, cwd()), 'PORT');
  });

  it('stops in production without an encryption key, writing no key file', async () => {
    const dir = cwd();
    const exit = await runMain({ NODE_ENV: 'production' }, dir);
    assertOneClearLine(exit, 'MCPBOX_ENCRYPTION_KEY');
    assert.ok(!existsSync(join(dir, 'data', 'encryption.key')));
  });

  it('stops in production with an all-zero encryption key', async () => {
    assertOneClearLine(
      await runMain({ NODE_ENV: 'production', MCPBOX_ENCRYPTION_KEY: '0'.repeat(64) }, cwd()),
      'MCPBOX_ENCRYPTION_KEY',
    );
  });

  it('reads .env like the app does: a bad PORT there stops start-up the same way', async () => {
    const dir = cwd();
    writeFileSync(join(dir, '.env'), 'PORT=notaport\n');
    assertOneClearLine(await runMain({}, dir), 'PORT');
  });

  it('stops in remote mode without a service token', async () => {
    assertOneClearLine(await runMain({ MCPBOX_MODE: 'remote' }, cwd()), 'MCPBOX_SERVICE_TOKEN');
  });
});

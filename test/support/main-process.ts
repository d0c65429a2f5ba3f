import { LOOPBACK_NODE_OPTIONS } from './loopback-only';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The built entry, run exactly as `npm start` runs it. */
export const MAIN = join(__dirname, '..', '..', 'src', 'main.js');

export interface MainExit {
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
}

export interface RunningMain {
  child: ChildProcess;
  url: string;
  output: () => string;
  /** SIGTERM, then waits for the exit (the app's shutdown hooks run). */
  stop: () => Promise<MainExit>;
}

/** A scratch folder (cwd and DATA_DIR live there), removed by `cleanup`. */
export function scratchFolder(dirs: string[]): string {
  const dir = mkdtempSync(join(tmpdir(), 'mcpbox-main-'));
  // Open like an ordinary folder: under root, the embedded PostgreSQL (user postgres) must reach it.
  chmodSync(dir, 0o755);
  dirs.push(dir);
  return dir;
}

export const cleanup = (dirs: string[]): void => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
};

/** Only what the test gives, plus quiet, isolated defaults; never the runner's own DATABASE_URL. */
function environment(env: Record<string, string | undefined>, cwd: string): NodeJS.ProcessEnv {
  const out: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    HOME: cwd,
    NODE_OPTIONS: LOOPBACK_NODE_OPTIONS,
    DATA_DIR: join(cwd, 'data'),
    MCPBOX_ENCRYPTION_KEY: randomBytes(32).toString('hex'),
    HOST: '127.0.0.1',
    PORT: '0',
    LOG_LEVEL: 'info',
    SANDBOX_WORKERS: '1',
  };
  for (const [k, v] of Object.entries(env)) {
    if (v === undefined) delete out[k];
    else out[k] = v;
  }
  return out;
}

/** Runs the built service until it exits by itself (killed after `timeoutMs`). */
export function runMain(env: Record<string, string | undefined>, cwd: string, timeoutMs = 120_000): Promise<MainExit> {
  const started = Date.now();
  const child = spawn(process.execPath, [MAIN], { cwd, env: environment(env, cwd), stdio: ['ignore', 'pipe', 'pipe'] });
  return collect(child, started, timeoutMs);
}

function collect(child: ChildProcess, started: number, timeoutMs: number): Promise<MainExit> {
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, ms: Date.now() - started });
    });
  });
}

/** Starts the built service and waits for its "ready" line; the URL comes from that line. */
export async function startMain(env: Record<string, string | undefined>, cwd: string): Promise<RunningMain> {
  const started = Date.now();
  const child = spawn(process.execPath, [MAIN], { cwd, env: environment(env, cwd), stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const exit = collect(child, started, 120_000);
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    const check = () => {
      const m = /is ready: API (http:\/\/[^\s/]+)\/api/.exec(out);
      if (m) resolve(m[1].replace('localhost', '127.0.0.1'));
    };
    child.stdout?.on('data', check);
    void exit.then((e) => reject(new Error(`exited (${e.code}) before it was ready:\n${e.stderr}\n${e.stdout}`)));
  });
  return {
    child,
    url,
    output: () => out,
    stop: async () => {
      child.kill('SIGTERM');
      return exit;
    },
  };
}

/** A TCP port held by a plain listener, as another program would hold it. */
export async function occupiedPort(): Promise<{ port: number; server: Server }> {
  const server = createServer((s) => s.destroy());
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const address = server.address();
  return { port: typeof address === 'object' && address ? address.port : 0, server };
}

/** A port that was free a moment ago. */
export async function freePort(): Promise<number> {
  const { port, server } = await occupiedPort();
  await new Promise((r) => server.close(r));
  return port;
}

// `npm run dev`: builds with SWC, starts MCPBox, and on every change under src/ rebuilds and
// restarts it (the old process shuts down first: its embedded PostgreSQL and sandbox workers
// stop cleanly). No type check here: run `npm run typecheck` (or your editor) beside it.
import { reexecUnderNode24 } from './node24.mjs';
reexecUnderNode24();

const { spawn } = await import('node:child_process');
const { watch } = await import('node:fs');
const { join } = await import('node:path');
const { build } = await import('./build.mjs');

const root = new URL('..', import.meta.url).pathname;
const main = join(root, 'dist', 'src', 'main.js');
const say = (text) => console.error(`[dev] ${text}`);

let app; // the running MCPBox
let exited = Promise.resolve();
let stopping = false;

function start() {
  // Its own process group: Ctrl-C reaches this script alone, which stops MCPBox once, cleanly.
  app = spawn(process.execPath, ['--enable-source-maps', main], { cwd: root, stdio: 'inherit', detached: true });
  exited = new Promise((resolve) =>
    app.once('exit', (code, signal) => {
      if (!stopping) say(`MCPBox exited (${signal ?? code}); waiting for a change to start it again`);
      resolve();
    }),
  );
}

async function stop() {
  if (!app || app.exitCode !== null || app.signalCode !== null) return;
  stopping = true;
  app.kill('SIGTERM');
  const slow = setTimeout(() => app.kill('SIGKILL'), 15_000);
  await exited;
  clearTimeout(slow);
  stopping = false;
}

async function rebuild() {
  try {
    const { files, ms } = await build();
    say(`built ${files} files in ${ms} ms`);
    return true;
  } catch (err) {
    say(`build failed, keeping the running version: ${err?.message ?? err}`);
    return false;
  }
}

// Changes arrive in bursts (an editor saves several files, a branch switch): one restart per burst.
let timer;
let running = Promise.resolve();
function changed(file) {
  if (!file || !/\.ts$/.test(file) || file.endsWith('.spec.ts')) return;
  clearTimeout(timer);
  timer = setTimeout(() => {
    running = running.then(async () => {
      say(`${file} changed: rebuilding`);
      if (!(await rebuild())) return;
      await stop();
      start();
    });
  }, 200);
}

if (!(await rebuild())) process.exit(1);
start();
const watcher = watch(join(root, 'src'), { recursive: true }, (_event, file) => changed(file));
say('watching src/ (Ctrl-C to stop)');

for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'])
  process.on(signal, async () => {
    watcher.close();
    clearTimeout(timer);
    await stop();
    process.exit(0);
  });

// Makes sure the current script runs on Node 24. A fresh machine may have an older
// Node: then Node 24 is installed once from the npm registry's `node@24` package into a
// cache folder and the calling script is re-run with it.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

export const REQUIRED_MAJOR = 24;

export function node24Dir() {
  const cache =
    process.env.MCPBOX_NODE_CACHE ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'mcpbox-node24');
  return cache;
}

export function ensureNode24Binary() {
  if (Number(process.versions.node.split('.')[0]) >= REQUIRED_MAJOR) return process.execPath;
  const dir = node24Dir();
  const bin = join(dir, 'node_modules', '.bin', 'node');
  if (!existsSync(bin)) {
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'package.json'), '{"name":"mcpbox-node24","private":true}\n');
    console.error(`[mcpbox] Node ${process.versions.node} is too old; installing node@${REQUIRED_MAJOR} into ${dir}`);
    execFileSync('npm', ['install', '--no-audit', '--no-fund', '--silent', `node@${REQUIRED_MAJOR}`], {
      cwd: dir,
      stdio: 'inherit',
    });
  }
  return bin;
}

/** Re-runs the current script under Node 24 when needed; returns only when already on it. */
export function reexecUnderNode24() {
  const bin = ensureNode24Binary();
  if (bin === process.execPath) return;
  const env = { ...process.env, PATH: `${join(node24Dir(), 'node_modules', '.bin')}:${process.env.PATH}` };
  const res = spawnSync(bin, process.argv.slice(1), { stdio: 'inherit', env });
  process.exit(res.status ?? 1);
}

// `npm run bench`: build, then run every dist/bench/*.bench.js under Node 24 (isolated-vm
// needs --no-node-snapshot on Node >= 20). Benchmarks print their own tables; they are not tests.
import { reexecUnderNode24 } from './node24.mjs';
reexecUnderNode24();

const { spawnSync } = await import('node:child_process');
const { readdirSync, existsSync } = await import('node:fs');
const { join } = await import('node:path');
const { build } = await import('./build.mjs');

const root = new URL('..', import.meta.url).pathname;
const filters = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const built = await build();
console.log(`[bench] built ${built.files} files in ${built.ms} ms`);

const dir = join(root, 'dist/bench');
const files = existsSync(dir)
  ? readdirSync(dir)
      .filter((f) => f.endsWith('.bench.js') && (!filters.length || filters.some((s) => f.includes(s))))
      .sort()
  : [];
let failed = 0;
for (const file of files) {
  console.log(`\n[bench] ${file}`);
  const res = spawnSync(process.execPath, ['--no-node-snapshot', '--enable-source-maps', join(dir, file)], {
    stdio: 'inherit',
    env: { ...process.env, NODE_ENV: process.env.NODE_ENV ?? 'production' },
  });
  if (res.status !== 0) failed++;
}
if (!files.length) console.log('[bench] no benchmarks found');
process.exit(failed ? 1 : 0);

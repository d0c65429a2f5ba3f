// `npm run mutation`: StrykerJS over the security rules listed in stryker.config.mjs (not part
// of `npm test`; it takes minutes). Reports: reports/mutation/index.html and mutation.json.
// Prints the score of every module and fails when one is below MIN_SCORE.
//   npm run mutation                          every module
//   npm run mutation -- --mutate src/x/y.ts   one module (any Stryker option may follow)
import { reexecUnderNode24 } from './node24.mjs';
reexecUnderNode24();

const { spawnSync } = await import('node:child_process');
const { readFileSync } = await import('node:fs');
const { dirname, join } = await import('node:path');
const { MIN_SCORE } = await import('../stryker.config.mjs');

const root = new URL('..', import.meta.url).pathname;
// The tap runner starts each spec file with the `node` of PATH: make it this Node 24.
const env = { ...process.env, PATH: `${dirname(process.execPath)}:${process.env.PATH}` };
const started = Date.now();
const run = spawnSync(
  process.execPath,
  [
    join(root, 'node_modules/@stryker-mutator/core/bin/stryker.js'),
    'run',
    'stryker.config.mjs',
    ...process.argv.slice(2),
  ],
  { cwd: root, stdio: 'inherit', env },
);
if (run.status !== 0) process.exit(run.status ?? 1);

// Score as Stryker counts it: (killed + timeout) / (killed + timeout + survived + no coverage).
const report = JSON.parse(readFileSync(join(root, 'reports/mutation/mutation.json'), 'utf8'));
let low = 0;
console.log('\n[mutation] score per module (killed+timeout / valid mutants)');
for (const [file, { mutants }] of Object.entries(report.files).sort()) {
  const count = (...s) => mutants.filter((m) => s.includes(m.status)).length;
  const detected = count('Killed', 'Timeout');
  const valid = detected + count('Survived', 'NoCoverage');
  const score = valid ? (100 * detected) / valid : 100;
  if (score < MIN_SCORE) low++;
  const survivors = mutants.filter((m) => m.status === 'Survived' || m.status === 'NoCoverage');
  console.log(
    `  ${score.toFixed(2).padStart(6)}%  ${String(detected).padStart(3)}/${String(valid).padEnd(3)}  ${file}` +
      (survivors.length ? `  (survivors at lines ${survivors.map((m) => m.location.start.line).join(', ')})` : ''),
  );
}
console.log(`[mutation] done in ${Math.round((Date.now() - started) / 1000)} s`);
if (low) {
  console.log(`[mutation] ${low} module(s) below ${MIN_SCORE}%`);
  process.exit(1);
}

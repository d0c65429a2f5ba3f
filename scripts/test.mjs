// `npm test`: build, type-check, prepare a template database (DATABASE_URL's server, or an
// embedded PostgreSQL when it is unset), run every *.spec.ts under node:test, one process
// and one fresh database per file, then print `N passed, N failed` as the last line.
//   npm test                      all tests
//   npm test -- <substring> ...   only files whose path contains one of the substrings
import { reexecUnderNode24 } from './node24.mjs';
reexecUnderNode24();

const { spawnSync, spawn } = await import('node:child_process');
const { readFileSync, rmSync, mkdirSync, existsSync, readdirSync, statSync } = await import('node:fs');
const { join, relative } = await import('node:path');
const { availableParallelism } = await import('node:os');
const { build } = await import('./build.mjs');

const root = new URL('..', import.meta.url).pathname;
const filters = process.argv.slice(2).filter((a) => !a.startsWith('-'));
let typecheckFailed = 0; // failed static checks

const built = await build();
console.log(`[test] built ${built.files} files in ${built.ms} ms`);

// Static checks (a full run only): types, lint, formatting; each failing one counts as a failed test.
const STATIC_CHECKS = [
  ['typecheck', 'node_modules/typescript/bin/tsc', ['-p', root]],
  // The code that runs inside the isolates: ECMAScript only, without Node's types (its own tsconfig).
  ['typecheck (isolate)', 'node_modules/typescript/bin/tsc', ['-p', join(root, 'src/sandbox/runtime/isolate')]],
  ['lint', 'node_modules/eslint/bin/eslint.js', ['--max-warnings=0', root]],
  ['format', 'node_modules/prettier/bin/prettier.cjs', ['--check', '--log-level=warn', root]],
];
if (!filters.length || process.env.MCPBOX_TYPECHECK === 'true') {
  for (const [name, bin, args] of STATIC_CHECKS) {
    const started = Date.now();
    const run = spawnSync(process.execPath, [join(root, bin), ...args], { stdio: 'inherit', cwd: root });
    const failed = run.status === 0 ? 0 : 1;
    typecheckFailed += failed;
    console.log(`[test] ${name} ${failed ? 'FAILED' : 'ok'} in ${Date.now() - started} ms`);
  }
}

const { createRequire } = await import('node:module');
const { prepareTestDatabase } = createRequire(import.meta.url)(join(root, 'dist/test/support/test-database.js'));
const db = await prepareTestDatabase();

// Spec files are found among the sources (a stale compiled file in dist/ never runs).
function* specFiles(dir) {
  if (!existsSync(dir)) return;
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) yield* specFiles(path);
    else if (/\.(e2e-)?spec\.ts$/.test(entry)) yield path;
  }
}
const files = [...specFiles(join(root, 'src')), ...specFiles(join(root, 'test'))]
  .filter((f) => !filters.length || filters.some((s) => relative(root, f).includes(s)))
  .map((f) => join(root, 'dist', relative(root, f)).replace(/\.ts$/, '.js'))
  .sort();

mkdirSync(join(root, 'dist'), { recursive: true });
const concurrency = Number(process.env.MCPBOX_TEST_CONCURRENCY ?? Math.max(2, availableParallelism()));
// Every test process refuses non-loopback connections (test/support/loopback-only.ts); the
// sandbox runtime preloads the same module into the worker processes it forks (MCPBOX_TEST_PRELOAD).
const loopbackOnly = join(root, 'dist/test/support/loopback-only.js');
// Files that measure the app's latency under heavy work (a `// @test-alone` line in their
// source) run after the others, one at a time: beside another file their figures are the
// other file's load, not the app's.
const alone = (f) =>
  readFileSync(join(root, relative(join(root, 'dist'), f)).replace(/\.js$/, '.ts'), 'utf8').includes('// @test-alone');
const batches = [
  { files: files.filter((f) => !alone(f)), concurrency },
  { files: files.filter(alone), concurrency: 1 },
].filter((b) => b.files.length);

/** One `node --test` run; answers its exit code and its `{passed, failed}`. */
async function runBatch(batch, index) {
  const summaryFile = join(root, 'dist', `.test-summary-${process.pid}-${index}.json`);
  const reporterOut = join(root, 'dist', `.test-reporter-${process.pid}-${index}.out`);
  rmSync(summaryFile, { force: true });
  const child = spawn(
    process.execPath,
    [
      '--enable-source-maps',
      `--require=${loopbackOnly}`,
      '--test',
      `--test-concurrency=${batch.concurrency}`,
      '--test-timeout=300000',
      '--test-reporter=spec',
      '--test-reporter-destination=stdout',
      `--test-reporter=${join(root, 'test/support/summary-reporter.mjs')}`,
      `--test-reporter-destination=${reporterOut}`,
      ...batch.files,
    ],
    {
      stdio: 'inherit',
      env: {
        ...process.env,
        ...db.env,
        // Children a test starts with the inherited environment (the conformance CLI, npm pack) preload it too.
        NODE_OPTIONS: [process.env.NODE_OPTIONS, `--require=${loopbackOnly}`].filter(Boolean).join(' '),
        MCPBOX_TEST_SUMMARY: summaryFile,
        MCPBOX_TEST_PRELOAD: loopbackOnly,
      },
    },
  );
  const code = await new Promise((resolve) => child.on('exit', (c) => resolve(c ?? 1)));
  rmSync(reporterOut, { force: true });
  let summary = { passed: 0, failed: 1 };
  try {
    summary = JSON.parse(readFileSync(summaryFile, 'utf8'));
    rmSync(summaryFile, { force: true });
  } catch {
    console.log('[test] the test runner wrote no summary');
  }
  return { code, summary };
}

const started = Date.now();
let summary = { passed: 0, failed: 0 };
let code = 0;
for (const [i, batch] of batches.entries()) {
  if (i) console.log(`[test] ${batch.files.length} latency-measuring files, one at a time`);
  const run = await runBatch(batch, i);
  summary = { passed: summary.passed + run.summary.passed, failed: summary.failed + run.summary.failed };
  if (run.code !== 0 && run.summary.failed === 0) code = run.code;
}
await db.cleanup();
if (!files.length) summary.failed = 1;
const failed = summary.failed + typecheckFailed + (code !== 0 ? 1 : 0);
console.log(`[test] ${files.length} files in ${Math.round((Date.now() - started) / 1000)} s`);
console.log(`${summary.passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);

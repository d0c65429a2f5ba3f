// Mutation testing of the security rules (`npm run mutation`, see docs/mutation-testing.md).
// Each module is mutated; its unit specs are the spec files beside it whose name starts with
// the module's own (`destination.ts` → `destination*.spec.ts`). To add a module, add its path.
export const MODULES = [
  'src/guarded-http/address-policy.ts',
  'src/guarded-http/destination.ts',
  'src/network-access/host-rules.ts',
  'src/secrets/dto/secret.dto.ts',
  // The rules behind the secret DTOs' own decorators (text, UTF-8 bytes, ids); Stryker does not
  // mutate decorator arguments, so the logic they call is mutated here.
  'src/common/contract/input-rules.ts',
  'src/crypto/secret-box.ts',
  'src/crypto/key-derivation.ts',
  'src/tools/tool-approval-state.ts',
  'src/sandbox/output-redaction.ts',
];

/** At least this mutation score on every module (scripts/mutation.mjs checks it per module). */
export const MIN_SCORE = 90;

const specsOf = (module) => `dist/${module.replace(/\.ts$/, '')}*.spec.js`;

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  mutate: MODULES,
  // The sandbox holds only what the build and the unit specs need; SWC compiles it once.
  ignorePatterns: ['/*', '!/src', '!/test', '!/scripts', '!/package.json'],
  buildCommand: 'node scripts/build.mjs',
  testRunner: 'tap',
  tap: {
    testFiles: MODULES.map(specsOf),
    // node:test writes TAP; every test process refuses non-loopback connections, as under `npm test`.
    nodeArgs: [
      '--test-reporter=tap',
      '-r',
      '{{hookFile}}',
      '-r',
      './dist/test/support/loopback-only.js',
      '{{testFile}}',
    ],
  },
  // Coverage per spec file: a mutant runs only the spec files that reached it.
  coverageAnalysis: 'perTest',
  concurrency: 2,
  timeoutMS: 10000,
  reporters: ['clear-text', 'progress', 'html', 'json'],
  htmlReporter: { fileName: 'reports/mutation/index.html' },
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
  thresholds: { high: MIN_SCORE, low: 80, break: null },
  tempDirName: '.stryker-tmp',
  cleanTempDir: true,
};

// `npm run openapi`: build, then write the Admin API's OpenAPI document to docs/openapi.json,
// from the controllers' decorators as the app serves it at /docs-json — without a database
// (Nest's preview mode: the module graph, no provider started). Commit the file with the
// change that made it; test/e2e/openapi.e2e-spec.ts fails while it is stale.
import { reexecUnderNode24 } from './node24.mjs';
reexecUnderNode24();

const { spawnSync } = await import('node:child_process');
const { join } = await import('node:path');
const { build } = await import('./build.mjs');

const root = new URL('..', import.meta.url).pathname;
const built = await build();
console.log(`[openapi] built ${built.files} files in ${built.ms} ms`);
const res = spawnSync(process.execPath, ['--enable-source-maps', join(root, 'dist/src/openapi.js')], {
  stdio: 'inherit',
  cwd: root,
});
process.exit(res.status ?? 1);

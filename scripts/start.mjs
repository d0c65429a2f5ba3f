// `npm start`: runs MCPBox on Node 24 (installing it into a cache folder first when the
// machine's Node is older), building dist/ from the sources first.
import { reexecUnderNode24 } from './node24.mjs';
reexecUnderNode24();

const { build } = await import('./build.mjs');
const { join } = await import('node:path');
await build();
const root = new URL('..', import.meta.url).pathname;
process.chdir(root);
await import(join(root, 'dist/src/main.js'));

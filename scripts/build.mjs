// Compiles src/, test/, bench/ and ormconfig.ts into dist/ with SWC (decorator metadata
// included). Type checking is a separate step (`npm run typecheck`).
import { transformFile } from '@swc/core';
import { mkdir, readdir, rename, writeFile, stat } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const out = join(root, 'dist');
const roots = ['src', 'test', 'bench', 'ormconfig.ts'];

async function* walk(path) {
  const info = await stat(path).catch(() => null);
  if (!info) return;
  if (info.isFile()) {
    if (path.endsWith('.ts') && !path.endsWith('.d.ts')) yield path;
    return;
  }
  for (const entry of await readdir(path)) yield* walk(join(path, entry));
}

const options = {
  sourceMaps: true,
  jsc: {
    parser: { syntax: 'typescript', decorators: true },
    transform: { legacyDecorator: true, decoratorMetadata: true, useDefineForClassFields: false },
    target: 'es2023',
    keepClassNames: true,
  },
  module: { type: 'commonjs', strict: true },
};

// Written file by file with atomic renames (no wiping of dist/), so that two builds
// running at once never leave a half-written file for the other's tests to load.
async function writeAtomic(path, data) {
  const tmp = `${path}.${process.pid}.tmp`;
  await writeFile(tmp, data);
  await rename(tmp, path);
}

export async function build() {
  const started = Date.now();
  const jobs = [];
  for (const r of roots) {
    for await (const file of walk(join(root, r))) {
      jobs.push(
        (async () => {
          const target = join(out, relative(root, file)).replace(/\.ts$/, '.js');
          const { code, map } = await transformFile(file, {
            ...options,
            sourceFileName: relative(dirname(target), file),
          });
          await mkdir(dirname(target), { recursive: true });
          await writeAtomic(target, `${code}\n//# sourceMappingURL=${target.split('/').pop()}.map\n`);
          if (map) await writeAtomic(`${target}.map`, map);
        })(),
      );
    }
  }
  await Promise.all(jobs);
  return { files: jobs.length, ms: Date.now() - started };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { files, ms } = await build();
  console.error(`[build] ${files} files in ${ms} ms`);
}

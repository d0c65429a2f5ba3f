// Compiles src/, test/, bench/ and ormconfig.ts into dist/ with SWC (decorator metadata
// included), and bundles the code that runs inside the sandbox's isolates into one script
// with esbuild (see bundleIsolate). Type checking is a separate step (`npm run typecheck`).
import { transformFile } from '@swc/core';
import { build as esbuild } from 'esbuild';
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

/** Entry of the code that runs inside each isolate context, and the one script it is bundled into. */
export const ISOLATE_ENTRY = join(root, 'src/sandbox/runtime/isolate/bootstrap.ts');
export const ISOLATE_BUNDLE = join(out, 'src/sandbox/runtime/isolate.bundle.js');

/**
 * Bundles src/sandbox/runtime/isolate/ (from its entry) into ONE function expression that
 * evaluates to the entry's `bootstrap`: `(function () { ...; return bootstrap; })()`. The
 * worker compiles it with each tool (isolate-script.ts); nothing is bundled at request time.
 * Plain ECMAScript: platform `neutral`, so an import of anything of Node fails the build.
 */
async function bundleIsolate() {
  const result = await esbuild({
    entryPoints: [ISOLATE_ENTRY],
    bundle: true,
    format: 'esm',
    platform: 'neutral',
    target: 'es2023',
    charset: 'utf8',
    legalComments: 'none',
    write: false,
    logLevel: 'silent',
  });
  const code = result.outputFiles[0].text;
  const exported = /export\s*\{\s*(?:(\w+) as )?bootstrap\s*\};?\s*$/.exec(code);
  if (!exported) throw new Error(`${ISOLATE_ENTRY} must export \`bootstrap\` and nothing else`);
  const body = code.slice(0, exported.index);
  await mkdir(dirname(ISOLATE_BUNDLE), { recursive: true });
  await writeAtomic(
    ISOLATE_BUNDLE,
    `(function () {\n"use strict";\n${body}return ${exported[1] ?? 'bootstrap'};\n})()\n`,
  );
}

export async function build() {
  const started = Date.now();
  const jobs = [bundleIsolate()];
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
  return { files: jobs.length - 1, ms: Date.now() - started };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { files, ms } = await build();
  console.error(`[build] ${files} files in ${ms} ms`);
}

import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, it } from 'node:test';

/** The sources, read from src/ beside this test's compiled copy (dist/test/contract → ../../../src). */
const SRC = resolve(__dirname, '..', '..', '..', 'src');

function sources(dir = SRC): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) return sources(path);
    return path.endsWith('.ts') && !path.endsWith('.spec.ts') ? [path] : [];
  });
}

/** Relative imports of a file (type-only ones too: a cycle of types is still a knot to untie). */
function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(/^import\s[^;]*?from\s+'(\.[^']+)'/gms)].map((m) => `${resolve(dirname(file), m[1])}.ts`);
}

describe('module boundaries', () => {
  it('no feature registers another feature’s entity with TypeOrmModule.forFeature', () => {
    const offenders: string[] = [];
    for (const file of sources().filter((f) => f.endsWith('.module.ts'))) {
      const text = readFileSync(file, 'utf8');
      const registered = /forFeature\(\[([^\]]*)\]\)/
        .exec(text)?.[1]
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);
      for (const entity of registered ?? []) {
        const from = new RegExp(`import \\{[^}]*\\b${entity}\\b[^}]*\\} from '([^']+)'`).exec(text)?.[1] ?? '?';
        if (!from.startsWith('./')) offenders.push(`${relative(SRC, file)}: ${entity} from ${from}`);
      }
    }
    assert.deepEqual(offenders, []);
  });

  it('has no forwardRef and no circular imports', () => {
    const files = sources();
    assert.deepEqual(
      files.filter((f) => /forwardRef\(/.test(readFileSync(f, 'utf8'))).map((f) => relative(SRC, f)),
      [],
    );
    const graph = new Map(files.map((f) => [f, importsOf(f).filter((d) => files.includes(d))]));
    const state = new Map<string, 'open' | 'done'>();
    const cycles: string[] = [];
    const visit = (file: string, path: string[]) => {
      state.set(file, 'open');
      for (const dep of graph.get(file) ?? []) {
        if (state.get(dep) === 'open')
          cycles.push([...path.slice(path.indexOf(dep)), dep].map((f) => relative(SRC, f)).join(' → '));
        else if (!state.has(dep)) visit(dep, [...path, dep]);
      }
      state.set(file, 'done');
    };
    for (const file of files) if (!state.has(file)) visit(file, [file]);
    assert.deepEqual(cycles, []);
  });
});

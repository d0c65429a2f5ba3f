import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { analyzeCode, packageName } from './code-analysis';
import { inputSchemaProblem } from './input-schema';

const WEATHER = `export async function main({ city, units = "metric" }) {
  const res = await fetch(\`https://api.example.com/weather?q=\${encodeURIComponent(city)}\`, {
    headers: { "x-api-key": secrets.WEATHER_KEY },
  });
  if (!res.ok) throw new Error(\`upstream said \${res.status}\`);
  return await res.json();
}
`;

describe('analyzeCode', () => {
  it('accepts the README example and derives its schema (defaults are optional and typed)', async () => {
    const a = await analyzeCode(WEATHER, 'javascript', []);
    assert.equal(a.valid, true);
    assert.deepEqual(a.errors, []);
    assert.deepEqual(a.imports, []);
    assert.deepEqual(a.input_schema, {
      type: 'object',
      properties: { city: {}, units: { type: 'string', default: 'metric' } },
      required: ['city'],
    });
  });

  it('reports a syntax error with its 1-based line and column', async () => {
    const a = await analyzeCode('export async function main() {\n  const x = ;\n}\n', 'javascript', []);
    assert.equal(a.valid, false);
    assert.equal(a.errors.length, 1);
    assert.match(a.errors[0].message, /^Syntax error: Unexpected token/);
    assert.equal(a.errors[0].line, 2);
    assert.equal(a.errors[0].column, 13);
    assert.equal(a.input_schema, null);
  });

  it('requires an exported main, in any of its forms', async () => {
    const missing = await analyzeCode('function main() {}\nexport default main;\n', 'javascript', []);
    assert.equal(missing.valid, false);
    assert.match(missing.errors[0].message, /No exported main function/);
    for (const code of [
      'export function main(args) { return args; }',
      'export const main = async ({ a }) => a;',
      'export const main = function ({ a }) { return a; };',
      'async function run({ a }) { return a; }\nexport { run as main };',
      'const main = ({ a }) => a;\nexport { main };',
    ]) {
      const a = await analyzeCode(code, 'javascript', []);
      assert.equal(a.valid, true, code);
    }
    const notFn = await analyzeCode('export const main = 5;', 'javascript', []);
    assert.equal(notFn.valid, false);
    assert.match(notFn.errors[0].message, /main must be a function/);
  });

  it('lists imports; Node built-ins and non-packages are errors, unapproved packages are disallowed with a warning', async () => {
    const code = [
      "import _ from 'lodash/fp';",
      "import fs from 'node:fs';",
      "import { readFile } from 'fs/promises';",
      "import local from './helper.js';",
      "export * from '@scope/pkg/sub';",
      'export async function main() {',
      "  const d = await import('dayjs');",
      '  const dyn = await import(`${"x"}y`);',
      '  return [d, dyn, _, fs, readFile, local];',
      '}',
    ].join('\n');
    const a = await analyzeCode(code, 'javascript', ['lodash', '@scope/pkg']);
    assert.deepEqual(a.imports, ['lodash/fp', 'node:fs', 'fs/promises', './helper.js', '@scope/pkg/sub', 'dayjs']);
    assert.deepEqual(a.disallowed_imports, ['node:fs', 'fs/promises', './helper.js', 'dayjs']);
    assert.equal(a.valid, false);
    assert.equal(a.errors.length, 3);
    assert.ok(a.errors.some((e) => e.message.includes('"node:fs" is a Node built-in') && e.line === 2));
    assert.ok(a.errors.some((e) => e.message.includes('"fs/promises" is a Node built-in')));
    assert.ok(a.errors.some((e) => e.message.includes('./helper.js')));
    assert.ok(a.warnings.some((w) => w.message.includes('"dayjs" is not an approved module') && w.line === 7));
    assert.ok(a.warnings.some((w) => w.message.includes('computed specifier') && w.line === 8));
  });

  it('an unapproved package alone keeps the code valid (it can be requested)', async () => {
    const a = await analyzeCode("import dayjs from 'dayjs';\nexport const main = () => dayjs();", 'javascript', []);
    assert.equal(a.valid, true);
    assert.deepEqual(a.disallowed_imports, ['dayjs']);
  });

  it('refuses require() calls but not the word in strings or comments', async () => {
    const a = await analyzeCode("export function main() { return require('x'); }", 'javascript', []);
    assert.equal(a.valid, false);
    assert.match(a.errors[0].message, /require\(\) is not available/);
    assert.equal(a.errors[0].line, 1);
    const b = await analyzeCode(
      "// import fs from 'fs'; require('fs')\nexport function main() { return \"require('fs') import('fs')\"; }",
      'javascript',
      [],
    );
    assert.equal(b.valid, true);
    assert.deepEqual(b.imports, []);
  });

  it('infers types from default literals and nested patterns', async () => {
    const a = await analyzeCode(
      'export function main({ a, b = 2, c = -1.5, d = true, e = [], f = {}, g = `t`, h = null, i = x(), j: { k, l = "z" }, ...rest }) {}\nfunction x() {}',
      'javascript',
      [],
    );
    assert.equal(a.valid, true);
    assert.deepEqual(a.input_schema, {
      type: 'object',
      properties: {
        a: {},
        b: { type: 'number', default: 2 },
        c: { type: 'number', default: -1.5 },
        d: { type: 'boolean', default: true },
        e: { type: 'array' },
        f: { type: 'object' },
        g: { type: 'string', default: 't' },
        h: {},
        i: {},
        j: { type: 'object', properties: { k: {}, l: { type: 'string', default: 'z' } }, required: ['k'] },
      },
      required: ['a', 'j'],
      additionalProperties: true,
    });
    const open = await analyzeCode('export function main(args) { return args; }', 'javascript', []);
    assert.deepEqual(open.input_schema, { type: 'object', properties: {} });
  });

  it('strips TypeScript with esbuild and reports its syntax errors with a position', async () => {
    const ok = await analyzeCode(
      'type Args = { n?: number };\nexport async function main({ n = 1 }: Args): Promise<number> { return n * 2; }',
      'typescript',
      [],
    );
    assert.equal(ok.valid, true);
    assert.deepEqual(ok.input_schema, { type: 'object', properties: { n: { type: 'number', default: 1 } } });
    const bad = await analyzeCode('export function main(a: number {\n  return a;\n}', 'typescript', []);
    assert.equal(bad.valid, false);
    assert.match(bad.errors[0].message, /^Syntax error:/);
    assert.equal(bad.errors[0].line, 1);
    assert.equal(typeof bad.errors[0].column, 'number');
    // TypeScript is not valid JavaScript: the language matters.
    const asJs = await analyzeCode('export function main(a: number) { return a; }', 'javascript', []);
    assert.equal(asJs.valid, false);
  });

  it('refuses code over 100 KB of UTF-8 (bytes, not characters)', async () => {
    const body = 'é'.repeat(52 * 1024); // 104 KB of UTF-8, 52 K characters
    const a = await analyzeCode(`export function main() { return "${body}"; }`, 'javascript', []);
    assert.equal(a.valid, false);
    assert.match(a.errors[0].message, /limit is 102400 bytes/);
  });

  it('packageName keeps scopes and drops subpaths', () => {
    assert.equal(packageName('lodash/fp'), 'lodash');
    assert.equal(packageName('@a/b/c'), '@a/b');
  });
});

describe('inputSchemaProblem', () => {
  it('accepts object schemas and names what is wrong otherwise', () => {
    assert.equal(
      inputSchemaProblem({
        type: 'object',
        properties: { a: { type: 'string' }, b: { type: ['number', 'null'] }, c: true },
        required: ['a'],
      }),
      null,
    );
    assert.match(inputSchemaProblem([]) ?? '', /^input_schema must be a JSON Schema object/);
    assert.match(inputSchemaProblem({ type: 'string' }) ?? '', /^input_schema.type must be 'object'/);
    assert.match(
      inputSchemaProblem({ type: 'object', properties: [] }) ?? '',
      /^input_schema.properties must be an object/,
    );
    assert.match(
      inputSchemaProblem({ type: 'object', properties: { a: 5 } }) ?? '',
      /^input_schema.properties.a must be a JSON Schema/,
    );
    assert.match(
      inputSchemaProblem({ type: 'object', properties: { a: { type: 'text' } } }) ?? '',
      /^input_schema.properties.a.type must be one of/,
    );
    assert.match(
      inputSchemaProblem({ type: 'object', required: 'a' }) ?? '',
      /^input_schema.required must be an array/,
    );
    assert.match(
      inputSchemaProblem({ type: 'object', properties: { a: { type: 'array', items: 3 } } }) ?? '',
      /items must be a JSON Schema/,
    );
  });
});

/**
 * Bundles an installed package tree into one `cjs-factory/1` artifact (bundle-contract.ts)
 * with esbuild. Nothing of the package runs: esbuild parses and links files only.
 *
 * esbuild's `browser` platform is used for a platform-neutral target: it reads the
 * `browser` field and condition, the npm convention by which a package says how it runs
 * without Node (`"browser": {"fs": false}` disables an import), and, like `neutral`, it
 * resolves no Node built-in. esbuild reports an unguarded import it cannot resolve as an
 * error, which is how a needed built-in (`fs`, `node:net`) is found together with the file
 * that imports it; an import guarded by try/catch stays a `require()` call that throws
 * inside its `try` in the isolate (reported as `optionalImports`).
 *
 * Every file that ends up in the bundle must come from the work folder's package tree:
 * esbuild also looks in parent folders' `node_modules`, so a package importing something
 * it does not declare could otherwise pull host files into the bundle.
 */
import { createHash } from 'node:crypto';
import { isBuiltin } from 'node:module';
import { join } from 'node:path';
import { build, type Message, type Metafile } from 'esbuild';
import { wrapFactory } from './bundle-contract';
import { refuse } from './package-refused';

export interface BundleInput {
  /** Folder holding `node_modules/<name>` (the package) and the tree it links to. */
  workDir: string;
  name: string;
  /** `name@version`, for messages and the bundle's first line. */
  id: string;
  maxBundleBytes: number;
  /** Shows a path relative to workDir as `pkg@1.0.0/lib/x.js`. */
  describe: (relativePath: string) => string;
}

export interface BuiltinUse {
  builtin: string;
  importer: string;
}

export interface OptionalImport {
  specifier: string;
  importer: string;
}

export interface BundleOutput {
  code: string;
  bytes: number;
  sha256: string;
  /** Source files in the bundle. */
  files: number;
  optionalImports: OptionalImport[];
}

/** Folder prefix (relative to workDir) every bundled file must have. */
export const TREE_FOLDER = '.store';
/** Name of the generated entry (`module.exports = require(name)`) in esbuild's metafile. */
const ENTRY_FILE = 'mcpbox-entry.js';

export async function bundleModule(input: BundleInput): Promise<BundleOutput> {
  let result;
  try {
    result = await build({
      stdin: {
        contents: `module.exports = require(${JSON.stringify(input.name)});\n`,
        resolveDir: input.workDir,
        sourcefile: ENTRY_FILE,
        loader: 'js',
      },
      absWorkingDir: input.workDir,
      outfile: join(input.workDir, 'bundle.js'),
      write: false,
      bundle: true,
      platform: 'browser',
      format: 'cjs',
      target: 'esnext',
      mainFields: ['browser', 'module', 'main'],
      define: { 'process.env.NODE_ENV': '"production"', global: 'globalThis' },
      loader: { '.css': 'empty' },
      tsconfigRaw: '{}',
      minifyWhitespace: true,
      minifySyntax: true,
      legalComments: 'eof',
      charset: 'utf8',
      sourcemap: false,
      metafile: true,
      logLevel: 'silent',
    });
  } catch (err) {
    const errors = (err as { errors?: Message[] }).errors;
    if (!Array.isArray(errors)) throw err;
    throw bundleRefusal(input, errors);
  }
  const metafile = result.metafile as Metafile;
  checkInputs(input, metafile);
  const js = result.outputFiles.find((f) => f.path.endsWith('.js'));
  if (!js) throw refuse('bundle_failed', `bundling ${input.id} produced no JavaScript`, { package: input.id });
  const code = wrapFactory(js.text, input.id);
  const bytes = Buffer.byteLength(code);
  if (bytes > input.maxBundleBytes)
    throw refuse(
      'bundle_too_large',
      `the bundle of ${input.id} with its dependencies is ${bytes} bytes, over the limit of ${input.maxBundleBytes} bytes ` +
        '(MCPBOX_MODULE_MAX_BUNDLE_BYTES); every isolate that imports it holds it in memory. Choose a smaller package, ' +
        'or raise the limit',
      { package: input.id, bytes, limit: input.maxBundleBytes },
    );
  return {
    code,
    bytes,
    sha256: createHash('sha256').update(code).digest('hex'),
    files: Object.keys(metafile.inputs).filter((p) => p.startsWith(`${TREE_FOLDER}/`)).length,
    optionalImports: optionalImports(input, metafile),
  };
}

function bundleRefusal(input: BundleInput, errors: Message[]): Error {
  const builtins: BuiltinUse[] = [];
  const unresolved: OptionalImport[] = [];
  const other: string[] = [];
  for (const e of errors) {
    const where = e.location ? `${input.describe(e.location.file)}:${e.location.line}` : input.id;
    const m = /^Could not resolve "(.+)"$/.exec(e.text);
    if (m && isBuiltin(m[1])) builtins.push({ builtin: m[1], importer: where });
    else if (m) unresolved.push({ specifier: m[1], importer: where });
    else other.push(`${e.text} (${where})`);
  }
  if (builtins.length) {
    const list = builtins.map((b) => `"${b.builtin}" (imported by ${b.importer})`);
    return refuse(
      'node_builtin',
      `${input.id} needs the Node built-in ${list.slice(0, 5).join(', ')}${list.length > 5 ? ` and ${list.length - 5} more` : ''}; ` +
        'tool code runs in a sandbox without Node built-ins, so this package cannot be used. ' +
        'Look for a package made for browsers or other JavaScript runtimes',
      { package: input.id, builtins: builtins.slice(0, 50) },
    );
  }
  if (unresolved.length) return unresolvedRefusal(input, unresolved);
  return refuse(
    'bundle_failed',
    `${input.id} could not be bundled for the sandbox: ${other.slice(0, 3).join('; ')}${other.length > 3 ? ` (and ${other.length - 3} more)` : ''}`,
    { package: input.id },
  );
}

/** Refuses a bundle holding any file from outside the package tree. */
function checkInputs(input: BundleInput, metafile: Metafile): void {
  const inTree = (p: string) => p.startsWith(`${TREE_FOLDER}/`) || p === ENTRY_FILE || p.startsWith('(disabled):');
  const outside = Object.keys(metafile.inputs).filter((p) => !inTree(p));
  if (!outside.length) return;
  const uses: OptionalImport[] = [];
  for (const [file, info] of Object.entries(metafile.inputs))
    for (const imp of info.imports)
      if (outside.includes(imp.path))
        uses.push({ specifier: imp.original ?? imp.path, importer: input.describe(file) });
  throw unresolvedRefusal(input, uses.length ? uses : outside.map((p) => ({ specifier: p, importer: '(unknown)' })));
}

/** A package file (`./x`, `/x`) out of reach, or a package it does not declare. */
function unresolvedRefusal(input: BundleInput, uses: OptionalImport[]): Error {
  const isPath = (s: string) => s.startsWith('.') || s.startsWith('/');
  const list = uses.map((u) => `"${u.specifier}" (imported by ${u.importer})`);
  const why = uses.every((u) => isPath(u.specifier))
    ? 'a file outside its package, which is never bundled'
    : uses.some((u) => isPath(u.specifier))
      ? 'files or packages outside its own package and declared dependencies'
      : 'a package that is not among the dependencies it declares';
  return refuse(
    'unresolved_import',
    `${input.id} imports ${list.slice(0, 5).join(', ')}${list.length > 5 ? ` and ${list.length - 5} more` : ''}: ` +
      `${why}; it cannot be bundled for the sandbox`,
    { package: input.id, imports: uses.slice(0, 50) },
  );
}

function optionalImports(input: BundleInput, metafile: Metafile): OptionalImport[] {
  const out: OptionalImport[] = [];
  for (const [file, info] of Object.entries(metafile.inputs))
    for (const imp of info.imports)
      if (imp.external) out.push({ specifier: imp.original ?? imp.path, importer: input.describe(file) });
  return out;
}

import { builtinModules } from 'node:module';
import {
  parse,
  type CallExpression,
  type Function as FunctionNode,
  type ImportExpression,
  type Node,
  type Pattern,
  type Program,
} from 'acorn';
import { isMainThread } from 'node:worker_threads';
import { stop, transform, type Message } from 'esbuild';
import { ComputeBusy, ComputeTimeout, computeTask, runCompute } from '../common/compute/compute-pool';
import { unavailable } from '../common/errors';
import { MAX_CODE_BYTES } from '../common/limits';
import { MCP_FEATURES, type JsonSchema, type McpFeature, type ToolLanguage } from './entities/tool.entity';
import { deriveInputSchema } from './input-schema';

/** One finding; line and column are 1-based (null when the finding has no place). */
export interface CodeIssue {
  message: string;
  line: number | null;
  column: number | null;
}

export interface CodeAnalysis {
  /** No errors: the code parses, exports `main`, and imports nothing that can never load. */
  valid: boolean;
  errors: CodeIssue[];
  warnings: CodeIssue[];
  /** Every module specifier imported statically, re-exported, or by `import("literal")`. */
  imports: string[];
  /** The imported modules that are not on the allowed list (Node built-ins never are). */
  disallowed_imports: string[];
  /** Derived from `main`'s first parameter; null when the code does not parse or has no main. */
  input_schema: JsonSchema | null;
  /**
   * What the code does with the `mcp` global, for the reviewer: reports progress, logs to the
   * client, or asks the user (elicit), the client's model (sample) or the client's roots.
   */
  mcp_features: McpFeature[];
}

const MCP_MEMBERS: Record<string, McpFeature> = {
  progress: 'progress',
  log: 'log',
  forwardConsole: 'log',
  elicit: 'elicit',
  sample: 'sample',
  roots: 'roots',
};

// Prefix-only built-ins (`node:test`, `node:sqlite`) are listed with their prefix; every `node:` specifier is refused anyway.
const NODE_BUILTINS = new Set(builtinModules);

export const codeBytes = (code: string): number => Buffer.byteLength(code, 'utf8');

/** esbuild's own limit on reported messages; the analysis keeps at most MAX_ISSUES of each kind. */
const ESBUILD_LOG_LIMIT = 20;
export const MAX_ISSUES = 50;
/** Type-stripping gets this long inside the compute worker, the whole analysis ANALYSIS_DEADLINE_MS. */
const STRIP_DEADLINE_MS = 3000;
export const ANALYSIS_DEADLINE_MS = 5000;

/**
 * Type-strips TypeScript to the JavaScript that will run (esbuild, no bundling, no type
 * check). In a compute worker the transform has a deadline: some inputs keep esbuild busy
 * for minutes (`a=>a=>a=>…` in TypeScript), and past it the worker's own esbuild process is
 * stopped (the app's, which the sandbox uses, is another one).
 */
export async function stripTypeScript(code: string): Promise<{ code: string } | { errors: CodeIssue[] }> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = isMainThread
    ? undefined
    : new Promise<'timeout'>((resolve) => {
        timer = setTimeout(() => resolve('timeout'), STRIP_DEADLINE_MS);
      });
  try {
    const work = transform(code, {
      loader: 'ts',
      target: 'esnext',
      logLevel: 'silent',
      logLimit: ESBUILD_LOG_LIMIT,
      sourcemap: false,
    });
    const out = deadline ? await Promise.race([work, deadline]) : await work;
    if (out === 'timeout') {
      work.catch(() => undefined);
      await stop();
      return { errors: [tooComplex(`type-stripping took more than ${STRIP_DEADLINE_MS / 1000} s`)] };
    }
    return { code: out.code };
  } catch (err) {
    const messages = (err as { errors?: Message[] }).errors;
    if (!Array.isArray(messages)) throw err;
    return { errors: messages.map(esbuildIssue) };
  } finally {
    clearTimeout(timer);
  }
}

const tooComplex = (why: string): CodeIssue => ({
  message: `The code is too complex to analyse (${why}); simplify it (very deep nesting, very long expressions) or split it up`,
  line: null,
  column: null,
});

const ANALYZE = computeTask(__filename, { analyzeCodeInWorker });

/**
 * Checks tool code without running it: real parsers (esbuild for TypeScript, acorn for
 * the JavaScript that runs), never regular expressions. The work runs in a compute worker
 * with a deadline, never on the event loop; code that cannot be analysed in time is
 * invalid, with a message that says so.
 */
export async function analyzeCode(
  code: string,
  language: ToolLanguage,
  allowedModules: string[],
): Promise<CodeAnalysis> {
  if (codeBytes(code) > MAX_CODE_BYTES) return analyzeCodeInWorker(code, language, allowedModules);
  try {
    return await runCompute(ANALYZE, [code, language, allowedModules], { deadlineMs: ANALYSIS_DEADLINE_MS });
  } catch (err) {
    if (err instanceof ComputeBusy) throw unavailable(`Cannot analyse the code now: ${err.message}`);
    if (!(err instanceof ComputeTimeout)) throw err;
    return {
      ...emptyAnalysis(),
      errors: [tooComplex(`the analysis took more than ${ANALYSIS_DEADLINE_MS / 1000} s`)],
    };
  }
}

const emptyAnalysis = (): CodeAnalysis => ({
  valid: false,
  errors: [],
  warnings: [],
  imports: [],
  disallowed_imports: [],
  input_schema: null,
  mcp_features: [],
});

/** Runs in a compute worker (see analyzeCode). */
export async function analyzeCodeInWorker(
  code: string,
  language: ToolLanguage,
  allowedModules: string[],
): Promise<CodeAnalysis> {
  const result = emptyAnalysis();
  if (codeBytes(code) > MAX_CODE_BYTES) {
    result.errors.push({
      message: `code is ${codeBytes(code)} bytes; the limit is ${MAX_CODE_BYTES} bytes (100 KB)`,
      line: null,
      column: null,
    });
    return result;
  }
  let js = code;
  if (language === 'typescript') {
    const stripped = await stripTypeScript(code);
    if ('errors' in stripped) {
      result.errors.push(...stripped.errors);
      return result;
    }
    js = stripped.code;
  }
  let program: Program;
  try {
    program = parse(js, { ecmaVersion: 'latest', sourceType: 'module', locations: true });
  } catch (err) {
    const loc = (err as { loc?: { line: number; column: number } }).loc;
    // acorn appends " (line:col)" to its message; the position is given separately.
    const message = String((err as Error).message).replace(/ \(\d+:\d+\)$/, '');
    result.errors.push({
      message: `Syntax error: ${message}`,
      line: loc?.line ?? null,
      column: loc ? loc.column + 1 : null,
    });
    return result;
  }

  const main = findMain(program);
  if (main.error) result.errors.push(main.error);
  else result.input_schema = deriveInputSchema(main.fn?.params[0] as Pattern | undefined);

  const importedAt = collectModuleUse(program, result);
  const allowed = new Set(allowedModules);
  for (const spec of result.imports) {
    const at = place(importedAt.get(spec));
    if (spec.startsWith('node:') || NODE_BUILTINS.has(packageName(spec))) {
      result.disallowed_imports.push(spec);
      result.errors.push({
        message: `"${spec}" is a Node built-in module; Node built-ins are never available in the sandbox`,
        ...at,
      });
    } else if (!isPackageSpecifier(spec)) {
      result.disallowed_imports.push(spec);
      result.errors.push({
        message: `"${spec}" is not an npm package name; tool code is one file and may import only approved npm packages`,
        ...at,
      });
    } else if (packageName(spec) !== spec) {
      // The installed bundle is the package's main entry (the sandbox refuses a subpath at run time too).
      result.disallowed_imports.push(spec);
      result.errors.push({
        message: `"${spec}" is a subpath of a package; only a package's main entry is installed: import from "${packageName(spec)}"`,
        ...at,
      });
    } else if (!allowed.has(packageName(spec))) {
      result.disallowed_imports.push(spec);
      result.warnings.push({
        message: `"${packageName(spec)}" is not an approved module yet; request it (mcpbox_request_module) or ask an admin to allow it`,
        ...at,
      });
    }
  }
  if (language === 'typescript') {
    // Past this point positions refer to esbuild's output, not to what the author wrote.
    for (const issue of [...result.errors, ...result.warnings]) issue.line = issue.column = null;
  }
  result.valid = result.errors.length === 0;
  result.errors = capped(result.errors, 'error');
  result.warnings = capped(result.warnings, 'warning');
  return result;
}

/** At most MAX_ISSUES findings, then one that says how many more there are (a response stays small). */
function capped(issues: CodeIssue[], kind: string): CodeIssue[] {
  if (issues.length <= MAX_ISSUES) return issues;
  const more = issues.length - MAX_ISSUES;
  return [
    ...issues.slice(0, MAX_ISSUES),
    { message: `... and ${more} more ${kind}(s) like these`, line: null, column: null },
  ];
}

function esbuildIssue(m: Message): CodeIssue {
  const loc = m.location;
  // esbuild counts columns in UTF-8 bytes; editors count characters.
  const column = loc ? Buffer.from(loc.lineText, 'utf8').subarray(0, loc.column).toString('utf8').length + 1 : null;
  return { message: `Syntax error: ${m.text}`, line: loc?.line ?? null, column };
}

const place = (n: Node | undefined): { line: number | null; column: number | null } => ({
  line: n?.loc?.start.line ?? null,
  column: n?.loc ? n.loc.start.column + 1 : null,
});

type MainLookup = { fn?: FunctionNode; error?: CodeIssue };

const NO_MAIN =
  'No exported main function: the tool needs `export async function main(args) { ... }` (or `export const main = async (args) => ...`)';

/** `export [async] function main`, `export const main = [async] (...) =>|function`, or `export { x as main }`. */
function findMain(program: Program): MainLookup {
  let localName: string | undefined;
  for (const stmt of program.body) {
    if (stmt.type !== 'ExportNamedDeclaration') continue;
    const decl = stmt.declaration;
    if (decl?.type === 'FunctionDeclaration' && decl.id?.name === 'main') return { fn: decl };
    if (decl?.type === 'VariableDeclaration') {
      for (const d of decl.declarations) {
        if (d.id.type === 'Identifier' && d.id.name === 'main') return functionInit(d.init, d);
      }
    }
    if (!stmt.source) {
      for (const s of stmt.specifiers) {
        const exported = s.exported.type === 'Identifier' ? s.exported.name : String(s.exported.value);
        if (exported === 'main' && s.local.type === 'Identifier') localName = s.local.name;
      }
    }
  }
  if (!localName) return { error: { message: NO_MAIN, line: null, column: null } };
  for (const stmt of program.body) {
    if (stmt.type === 'FunctionDeclaration' && stmt.id?.name === localName) return { fn: stmt };
    if (stmt.type === 'VariableDeclaration') {
      for (const d of stmt.declarations)
        if (d.id.type === 'Identifier' && d.id.name === localName) return functionInit(d.init, d);
    }
  }
  return {
    error: {
      message: `main is exported as "${localName}", which is not a top-level function`,
      line: null,
      column: null,
    },
  };
}

function functionInit(init: Node | null | undefined, at: Node): MainLookup {
  if (init && (init.type === 'ArrowFunctionExpression' || init.type === 'FunctionExpression'))
    return { fn: init as FunctionNode };
  return { error: { message: 'main must be a function (async or not)', ...place(at) } };
}

/**
 * Walks the whole tree once: imports, re-exports, `import()` and `require(...)`. The walk
 * keeps its own stack (pre-order, as a recursive walk would go): acorn parses long member
 * or call chains (`a.b.b.b…`) without recursion, and a recursive walk of such a tree
 * would overflow the call stack.
 */
function collectModuleUse(program: Program, result: CodeAnalysis): Map<string, Node> {
  const seen = new Map<string, Node>();
  const features = new Set<McpFeature>();
  /** `mcp` members read through `mcp.x`: any other use of the name (passed on, destructured) may do anything. */
  const memberReads = new Set<Node>();
  /** Identifiers that name a property, not a variable (`x.mcp`, `{ mcp: 1 }`). */
  const propertyNames = new Set<Node>();
  let current: Node = program;
  const add = (spec: string) => {
    if (!seen.has(spec)) {
      seen.set(spec, current);
      result.imports.push(spec);
    }
  };
  const pending: Node[] = [program];
  while (pending.length) {
    const node = pending.pop() as Node;
    current = node;
    switch (node.type) {
      case 'ImportDeclaration':
      case 'ExportAllDeclaration':
      case 'ExportNamedDeclaration': {
        const source = (node as { source?: { value?: unknown } | null }).source;
        if (typeof source?.value === 'string') add(source.value);
        break;
      }
      case 'ImportExpression': {
        const source = (node as ImportExpression).source;
        if (source.type === 'Literal' && typeof source.value === 'string') add(source.value);
        else if (source.type === 'TemplateLiteral' && source.expressions.length === 0)
          add(source.quasis[0]?.value.cooked ?? '');
        else
          result.warnings.push({
            message: 'import() with a computed specifier cannot be checked; only approved modules will load',
            ...place(node),
          });
        break;
      }
      case 'MemberExpression': {
        const m = node as unknown as {
          object: Node & { name?: string };
          property: Node & { name?: string; value?: unknown };
          computed: boolean;
        };
        if (!m.computed) propertyNames.add(m.property);
        if (m.object.type === 'Identifier' && m.object.name === 'mcp') {
          memberReads.add(m.object);
          const name = m.computed
            ? typeof m.property.value === 'string'
              ? m.property.value
              : ''
            : (m.property.name ?? '');
          const feature = MCP_MEMBERS[name];
          if (feature) features.add(feature);
          else for (const f of MCP_FEATURES) features.add(f);
        }
        break;
      }
      case 'Property':
      case 'MethodDefinition':
      case 'PropertyDefinition': {
        const p = node as unknown as { key: Node; computed: boolean; shorthand?: boolean };
        if (!p.computed && !p.shorthand) propertyNames.add(p.key);
        break;
      }
      case 'Identifier': {
        // `mcp` used other than as `mcp.x` (its reads were seen first: the walk is pre-order).
        if ((node as { name?: string }).name === 'mcp' && !memberReads.has(node) && !propertyNames.has(node)) {
          for (const f of MCP_FEATURES) features.add(f);
        }
        break;
      }
      case 'CallExpression': {
        const callee = (node as CallExpression).callee;
        if (callee.type === 'Identifier' && callee.name === 'require') {
          result.errors.push({
            message: 'require() is not available in the sandbox; use `import` of an approved module',
            ...place(node),
          });
        }
        break;
      }
    }
    const children: Node[] = [];
    for (const value of Object.values(node)) {
      if (Array.isArray(value)) {
        for (const item of value) if (isNode(item)) children.push(item);
      } else if (isNode(value)) children.push(value);
    }
    for (let i = children.length - 1; i >= 0; i--) pending.push(children[i]);
  }
  result.mcp_features = MCP_FEATURES.filter((f) => features.has(f));
  return seen;
}

const isNode = (v: unknown): v is Node =>
  typeof v === 'object' && v !== null && typeof (v as { type?: unknown }).type === 'string' && 'start' in v;

/** `lodash/fp` → `lodash`, `@scope/pkg/sub` → `@scope/pkg`. */
export function packageName(spec: string): string {
  const parts = spec.split('/');
  return spec.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

/** A bare npm specifier: not relative, not absolute, not a URL or another scheme. */
function isPackageSpecifier(spec: string): boolean {
  return /^(@[a-z0-9][a-z0-9._~-]*\/)?[a-z0-9][a-z0-9._~-]*(\/[^\s]*)?$/i.test(spec);
}

import { builtinModules } from 'node:module';
import { parse, type Node } from 'acorn';

/**
 * The modules a prepared tool imports: the literal arguments of its `require(...)` calls in
 * esbuild's CommonJS output (code-loader.ts), where every `import` — static, re-export, or
 * `import("literal")` — became one. Read once per code hash, in the app process, so that
 * the host decides before the call which bundles the call's context gets (and why the
 * others fail). A computed `import(name)` is not found here: it fails in the isolate with a
 * message asking for a static import.
 */
export function requiredModules(cjs: string): string[] {
  let program: Node;
  try {
    program = parse(cjs, { ecmaVersion: 'latest', sourceType: 'script', allowReturnOutsideFunction: true });
  } catch {
    return [];
  }
  const found = new Set<string>();
  // Iterative: deeply nested code must not overflow the stack of the app process.
  const stack: unknown[] = [program];
  while (stack.length) {
    const node = stack.pop();
    if (!node || typeof node !== 'object') continue;
    if (Array.isArray(node)) {
      for (const n of node) stack.push(n);
      continue;
    }
    const n = node as Record<string, unknown> & { type?: string };
    if (typeof n.type !== 'string') continue;
    if (n.type === 'CallExpression') {
      const callee = n.callee as { type?: string; name?: string };
      const [first] = n.arguments as { type?: string; value?: unknown }[];
      if (callee?.type === 'Identifier' && callee.name === 'require' && first?.type === 'Literal')
        if (typeof first.value === 'string') found.add(first.value);
    }
    for (const key in n) {
      if (key === 'loc' || key === 'type' || key === 'start' || key === 'end') continue;
      const v = n[key];
      if (v && typeof v === 'object') stack.push(v);
    }
  }
  return [...found].sort();
}

const NODE_BUILTINS = new Set(builtinModules);

/** The package a bare specifier names: `yaml` of `yaml/util`, `@scope/name` of `@scope/name/x`. */
export function packageOf(spec: string): string {
  const parts = spec.split('/');
  return spec.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

const PACKAGE_SPECIFIER = /^(@[a-z0-9][a-z0-9._~-]*\/)?[a-z0-9][a-z0-9._~-]*$/;

/**
 * Why a specifier can never be imported, whatever the admin allows; null when it names an
 * npm package's main entry (whether that one is approved is the caller's question).
 */
export function unimportable(spec: string): string | null {
  const shown = JSON.stringify(spec.slice(0, 200));
  if (spec.startsWith('node:') || NODE_BUILTINS.has(packageOf(spec)))
    return `module ${shown} is a Node built-in module; Node built-ins are never available in the sandbox`;
  if (!/^(@[a-z0-9][a-z0-9._~-]*\/)?[a-z0-9][a-z0-9._~-]*(\/.*)?$/i.test(spec))
    return `module ${shown} is not an npm package name; tool code is one file and may import only approved npm packages`;
  if (!PACKAGE_SPECIFIER.test(spec))
    return packageOf(spec) !== spec
      ? `module ${shown} cannot be imported: only a package's main entry is installed; import from "${packageOf(spec)}"`
      : `module ${shown} is not an npm package name (npm names are lower case)`;
  return null;
}

/** An import of a module that is not on the allowed list. */
export const notApprovedMessage = (name: string): string =>
  `module "${name}" is not approved: ask for it with mcpbox_request_module (an admin decides), then call the tool again`;

/** An import of an allowed module whose bundle is not in the module store. */
export const notInstalledMessage = (name: string): string =>
  `module "${name}" is approved but not installed on this MCPBox: an admin installs it ` +
  `(POST /api/settings/modules/${encodeURIComponent(name)}/install, or POST /api/settings/modules/sync)`;

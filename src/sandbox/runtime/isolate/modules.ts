import { defineProperty } from './builtins';
import type { ModuleFactory, ModuleTable } from './bridge';

const hasOwn = Object.prototype.hasOwnProperty;

/**
 * The `require` a tool module gets (code-loader.ts turns every `import` into a call of it).
 * `table` is what the host decided for each module the tool imports, before the call
 * (an approved + installed bundle by its sha256, or why not); `factories` are the bundles'
 * factory functions, defined in this context by the host's module scripts (isolate-script.ts)
 * and taken off the globals before any code of the tool runs.
 *
 * Following bundle-contract.ts: a bundle's factory is called on the first `require` of its
 * module in this context — its top-level code runs then, inside this context, under the
 * call's limits — with nothing for its own `require`; later requires answer the same
 * `module.exports`. Nothing of a module reaches the host: it sees the globals tool code sees.
 */
export function moduleRequire(
  table: ModuleTable,
  factories: Record<string, ModuleFactory> | undefined,
): (name: string) => unknown {
  const loaded: Record<string, { exports: unknown }> = Object.create(null) as Record<string, { exports: unknown }>;
  return (name: unknown) => {
    const key = String(name);
    if (hasOwn.call(loaded, key)) return loaded[key].exports;
    const entry = hasOwn.call(table, key) ? table[key] : undefined;
    if (!entry)
      throw new Error(
        'module "' +
          key.slice(0, 200) +
          '" cannot be imported: import npm modules by name with a static import (import { x } from "name")',
      );
    if (entry.error !== undefined) throw new Error(entry.error);
    const factory = factories && entry.sha256 !== undefined ? factories[entry.sha256] : undefined;
    if (typeof factory !== 'function') throw new Error('module "' + key + '" is not loaded in the sandbox');
    const module: { exports: unknown } = { exports: {} };
    // Set before the factory runs (CommonJS): a cycle gets the exports so far; a failed start is forgotten.
    defineProperty(loaded, key, { value: module, writable: true, configurable: true, enumerable: true });
    try {
      factory.call(undefined, module, module.exports, undefined);
    } catch (e) {
      delete loaded[key];
      throw e;
    }
    return module.exports;
  };
}

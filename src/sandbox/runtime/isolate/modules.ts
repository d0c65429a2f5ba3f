import type { Ops } from './ops';

/**
 * The `require` a tool module gets (code-loader.ts turns every `import` into a call of it):
 * it asks the host for an approved module. Seam for the modules issue: none is installed
 * yet, so every import is refused with a clear message.
 */
export function moduleRequire(ops: Ops): (name: string) => unknown {
  return (name: unknown) => {
    const r = ops.host('module', String(name));
    if (!r[0]) throw new Error(r[1]);
    throw new Error('module "' + String(name) + '" is not approved/installed');
  };
}

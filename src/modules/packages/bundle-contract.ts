/**
 * The contract between the package installer and the sandbox: what a stored module
 * bundle is, and how tool code's `import { parse } from "yaml"` reaches it.
 *
 * FORMAT `cjs-factory/1`. A bundle is one UTF-8 JavaScript file holding a single
 * expression, a function (after a one-line comment naming the package):
 *
 *     (function (module, exports, require) { ...the package and all its dependencies... })
 *
 * - It has no `import`/`export` syntax: compile it as a *script* once per isolate
 *   (isolated-vm `isolate.compileScript`, cacheable like a tool's script) and run it in a
 *   context to get the function; running it executes no package code yet.
 * - Call the function once per context, with a fresh `module = { exports: {} }` and
 *   `module.exports`, and nothing for `require` (the parameter exists so that a guarded
 *   `try { require("x") } catch {}` left in the code throws inside its `try`, whatever the
 *   context's globals). The call runs the package's top-level code; afterwards
 *   `module.exports` is the module: what a CommonJS package assigned, or an ES package's
 *   namespace as an object flagged `__esModule: true` (with `default` when it has one).
 * - The bundle needs nothing of Node: `process.env.NODE_ENV` was replaced by "production"
 *   and `global` by `globalThis` at bundle time. It may read the web globals the isolate
 *   offers (URL, TextEncoder, crypto.getRandomValues, setTimeout, ...), as browser code does.
 *
 * IMPORT. The sandbox turns tool code into CommonJS (sandbox/runtime/code-loader.ts), so
 * `import { parse } from "yaml"` becomes a call of the sandbox's `require("yaml")`. That
 * `require` returns the bundle's `module.exports`, calling the factory on first use in
 * the context and returning the same object afterwards. esbuild's interop in the tool's
 * code then gives named imports from the object's properties and the default import as
 * `module.exports.default` when `__esModule` is set, else `module.exports` itself — so
 * `import YAML from "yaml"` and `import { parse } from "yaml"` both work.
 */

export const BUNDLE_FORMAT = 'cjs-factory/1';

/** Wraps esbuild's CommonJS output into the factory expression described above. */
export function wrapFactory(commonJs: string, label: string): string {
  const comment = label.replace(/\*\//g, '* /').replace(/[\r\n\u2028\u2029]/g, ' ');
  return `/* ${comment} - MCPBox module bundle, format ${BUNDLE_FORMAT} */\n(function (module, exports, require) {\n${commonJs}\n})\n`;
}

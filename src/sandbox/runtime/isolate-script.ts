import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The bootstrap that runs inside each isolate context (isolate/), bundled by scripts/build.mjs
 * into one function expression next to this file's compiled form. Read once per worker process.
 */
export const ISOLATE_BUNDLE_FILE = join(__dirname, 'isolate.bundle.js');

let bundle: string | undefined;

export function bootstrapSource(): string {
  return (bundle ??= readFileSync(ISOLATE_BUNDLE_FILE, 'utf8').trim());
}

/**
 * Globals through which the host hands a call its bridge and configuration: set (without a
 * round trip) just before the tool script runs, and taken off by the script before any tool
 * code runs.
 */
export const HOST_GLOBAL = '__mcpbox_host';
export const CONFIG_GLOBAL = '__mcpbox_cfg';
/** Where the module scripts of a call leave their bundles' factories, by sha256 (taken off like the others). */
export const MODULES_GLOBAL = '__mcpbox_modules';

/**
 * The script of one module bundle (bundle-contract.ts), compiled ONCE per isolate (keyed by the
 * bundle's sha256) and run in each context of a call that imports the module, before the
 * tool script: it only defines the bundle's factory function under its sha256 — no package
 * code runs until the tool's first `require` of it (isolate/modules.ts).
 */
export function moduleScriptSource(sha256: string, bundle: string): string {
  if (!/^[0-9a-f]{64}$/.test(sha256)) throw new Error('a module bundle is named by its sha256');
  return (
    `(globalThis.${MODULES_GLOBAL} || (globalThis.${MODULES_GLOBAL} = Object.create(null)))["${sha256}"] =\n` +
    `${bundle}\n;`
  );
}

/**
 * The script compiled ONCE per tool per isolate and run ONCE per call: it takes the call's
 * bridge and configuration off the globals, runs the bootstrap and then the tool module, and
 * evaluates to the call's result (a promise). The module factory's parameters shadow `host`,
 * `cfgJson` and `modules`, so tool code cannot name them; the bootstrap's own variables are out of its scope.
 */
export function toolScriptSource(factorySource: string): string {
  return (
    `(function () {"use strict"; const host = globalThis.${HOST_GLOBAL}, cfgJson = globalThis.${CONFIG_GLOBAL}, ` +
    `modules = globalThis.${MODULES_GLOBAL}; ` +
    `delete globalThis.${HOST_GLOBAL}; delete globalThis.${CONFIG_GLOBAL}; delete globalThis.${MODULES_GLOBAL}; ` +
    `return ${bootstrapSource()}(host, cfgJson, ${factorySource}, modules); })()`
  );
}

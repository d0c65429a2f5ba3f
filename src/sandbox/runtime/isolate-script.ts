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

/**
 * The script compiled ONCE per tool per isolate and run ONCE per call: it takes the call's
 * bridge and configuration off the globals, runs the bootstrap and then the tool module, and
 * evaluates to the call's result (a promise). The module factory's parameters shadow `host`
 * and `cfgJson`, so tool code cannot name them; the bootstrap's own variables are out of its scope.
 */
export function toolScriptSource(factorySource: string): string {
  return (
    `(function () {"use strict"; const host = globalThis.${HOST_GLOBAL}, cfgJson = globalThis.${CONFIG_GLOBAL}; ` +
    `delete globalThis.${HOST_GLOBAL}; delete globalThis.${CONFIG_GLOBAL}; ` +
    `return ${bootstrapSource()}(host, cfgJson, ${factorySource}); })()`
  );
}

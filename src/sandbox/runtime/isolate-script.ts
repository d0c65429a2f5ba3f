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
 * The script compiled ONCE per tool per isolate: a function of (host, cfgJson) that runs the
 * bootstrap and then the tool module. The module factory's parameters shadow `host` and
 * `cfgJson`, so tool code cannot name them; the bootstrap's own variables are out of its scope.
 */
export function toolScriptSource(factorySource: string): string {
  return `(function (host, cfgJson) {"use strict"; return ${bootstrapSource()}(host, cfgJson, ${factorySource}); })`;
}

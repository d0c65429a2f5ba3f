import { createHash } from 'node:crypto';
import { transform, type Message } from 'esbuild';
import { LruCache } from './lru-cache';
import { requiredModules } from './module-imports';

export type PreparedCode =
  | {
      ok: true;
      codeKey: string;
      source: string;
      /** The module specifiers the code imports (module-imports.ts). */
      imports: string[];
    }
  | { ok: false; error: string };

const MAX_CACHED = 1000;

function describe(errors: Message[]): string {
  const e = errors[0];
  if (!e) return 'SyntaxError: the code could not be compiled';
  const where = e.location ? ` (line ${e.location.line}, column ${e.location.column + 1})` : '';
  if (/top-level await/i.test(e.text))
    return `SyntaxError: top-level await is not supported in tool code; move it into main${where}`;
  return `SyntaxError: ${e.text}${where}`;
}

/**
 * Turns a tool's ES module (TypeScript type-stripped first) into a script the worker can
 * compile ONCE per isolate and run in any fresh context: esbuild rewrites `export`/`import`
 * to CommonJS (dynamic `import()` too, so every import goes through the sandbox's `require`,
 * which knows only approved modules), and the module becomes a factory function that the
 * worker embeds in its tool script (isolate-script.ts). Done in the app process once per
 * code hash, never per call.
 */
export class CodeLoader {
  private readonly cache = new LruCache<string, { code: string; language: string; prepared: Promise<PreparedCode> }>(
    MAX_CACHED,
  );

  prepare(code: string, language: 'javascript' | 'typescript', codeHash: string): Promise<PreparedCode> {
    const hit = this.cache.get(codeHash);
    // The hash is the caller's; the stored code must match it, or the hash is not trusted.
    if (hit && hit.code === code && hit.language === language) return hit.prepared;
    const key = hit ? createHash('sha256').update(language).update('\0').update(code).digest('hex') : codeHash;
    const prepared = this.transform(code, language, key);
    this.cache.set(key, { code, language, prepared });
    return prepared;
  }

  private async transform(code: string, language: 'javascript' | 'typescript', codeKey: string): Promise<PreparedCode> {
    try {
      const out = await transform(code, {
        loader: language === 'typescript' ? 'ts' : 'js',
        format: 'cjs',
        target: 'esnext',
        platform: 'neutral',
        charset: 'utf8',
        logLevel: 'silent',
        supported: { 'dynamic-import': false },
      });
      // `host`, `cfgJson` and `modules` are parameters only to shadow the enclosing script's (see toolScriptSource).
      return {
        ok: true,
        codeKey,
        imports: requiredModules(out.code),
        source: `function (require, module, exports, host, cfgJson, modules) {"use strict";\n${out.code}\n}`,
      };
    } catch (err) {
      const errors = (err as { errors?: Message[] }).errors;
      return { ok: false, error: errors ? describe(errors) : `SyntaxError: ${(err as Error).message}` };
    }
  }
}

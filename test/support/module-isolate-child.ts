/**
 * Child process of module-isolate.ts (started with --no-node-snapshot, which isolated-vm
 * needs on Node >= 20): evaluates module bundles and a tool in a fresh isolated-vm
 * isolate, following bundle-contract.ts, and answers with the tool's JSON result.
 */
import { createHash } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import ivm from 'isolated-vm';
import { CodeLoader } from '../../src/sandbox/runtime/code-loader';
import type { IsolateRequest, IsolateAnswer } from './module-isolate';

// The sandbox's `require` as bundle-contract.ts describes it: the factory is called on first use in the context.
const REQUIRE_SOURCE = `globalThis.__require = (() => {
  const cache = Object.create(null);
  return function require(name) {
    if (name in cache) return cache[name];
    const factory = __factories[name];
    if (!factory) throw new Error('module "' + name + '" is not installed');
    const module = { exports: {} };
    factory(module, module.exports);
    return (cache[name] = module.exports);
  };
})();`;

async function run(req: IsolateRequest): Promise<IsolateAnswer> {
  const isolate = new ivm.Isolate({ memoryLimit: 128 });
  try {
    const context = await isolate.createContext();
    await context.eval('globalThis.__factories = Object.create(null);');
    const loadMs: Record<string, number> = {};
    for (const m of req.modules) {
      const script = await isolate.compileScript(m.code, { filename: `module:${m.name}` });
      const factory = await script.run(context, { reference: true });
      await context.global.set('__next', factory.derefInto());
      await context.eval(`__factories[${JSON.stringify(m.name)}] = __next; delete globalThis.__next;`);
    }
    await context.eval(REQUIRE_SOURCE);
    for (const m of req.modules) {
      const started = performance.now();
      await context.eval(`__require(${JSON.stringify(m.name)}); undefined`);
      loadMs[m.name] = performance.now() - started;
    }
    const prepared = await new CodeLoader().prepare(
      req.tool,
      'javascript',
      createHash('sha256').update(req.tool).digest('hex'),
    );
    if (!prepared.ok) return { ok: false, error: prepared.error };
    const tool = await isolate.compileScript(`(${prepared.source})`, { filename: 'tool.js' });
    await context.global.set('__tool', (await tool.run(context, { reference: true })).derefInto());
    const json = await context.eval(
      `(async () => {
        const module = { exports: {} };
        __tool(__require, module, module.exports);
        return JSON.stringify(await module.exports.main(${JSON.stringify(req.args ?? {})}));
      })()`,
      { promise: true, timeout: 10_000 },
    );
    return { ok: true, value: json === undefined ? undefined : JSON.parse(json as string), loadMs };
  } catch (err) {
    return { ok: false, error: err instanceof Error ? err.message : String(err) };
  } finally {
    isolate.dispose();
  }
}

process.once('message', (req: IsolateRequest) => {
  void run(req).then((answer) => process.send?.(answer, () => process.disconnect()));
});

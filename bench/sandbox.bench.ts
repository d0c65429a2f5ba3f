/**
 * `npm run bench`: the cost of one call of a trivial tool through SandboxRuntime.execute
 * (app process → worker process → fresh context of the server's isolate, with every global
 * and bridge installed) against the floor of the technology measured in the same run: the
 * same code compiled once and run in a fresh context of a warm isolate by a few lines of
 * bare isolated-vm, in-process, with no bridges. 1 and 8 concurrent callers.
 */
import ivm from 'isolated-vm';
import { createHash } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { transform } from 'esbuild';
import type { ExecutionRequest } from '../src/sandbox/runtime/contract';
import { SandboxRuntime } from '../src/sandbox/runtime/sandbox-runtime';

const TOOL = 'export async function main({ n }) { return { n, next: n + 1 }; }';
const CALLS = Number(process.env.BENCH_CALLS ?? 4000);
const WARMUP = 500;

interface Result {
  p50: number;
  p99: number;
  perSecond: number;
}

async function measure(callers: number, total: number, call: (i: number) => Promise<void>): Promise<Result> {
  const latencies: number[] = [];
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: callers }, async () => {
      while (next < total) {
        const i = next++;
        const t = performance.now();
        await call(i);
        latencies.push(performance.now() - t);
      }
    }),
  );
  const elapsed = performance.now() - started;
  latencies.sort((a, b) => a - b);
  const at = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))];
  return { p50: at(0.5), p99: at(0.99), perSecond: (total / elapsed) * 1000 };
}

async function floorCall(): Promise<(i: number) => Promise<void>> {
  const isolate = new ivm.Isolate({ memoryLimit: 128 });
  const cjs = (await transform(TOOL, { loader: 'js', format: 'cjs', target: 'esnext' })).code;
  const script = await isolate.compileScript(`(function () { const module = { exports: {} }; (function (module, exports) {${cjs}\n})(module, module.exports); return module.exports.main; })()`);
  return async (i) => {
    const context = await isolate.createContext();
    const main = (await script.run(context, { reference: true })) as ivm.Reference<(a: unknown) => Promise<unknown>>;
    const out = (await main.apply(undefined, [{ n: i }], { arguments: { copy: true }, result: { promise: true, copy: true }, timeout: 5000 })) as { next: number };
    if (out.next !== i + 1) throw new Error('floor: wrong result');
    main.release();
    context.release();
  };
}

async function runtimeCall(rt: SandboxRuntime): Promise<(i: number) => Promise<void>> {
  const base: ExecutionRequest = {
    serverId: 'bench-server',
    toolId: 'bench-tool',
    toolName: 'bench',
    code: TOOL,
    language: 'javascript',
    codeHash: createHash('sha256').update('javascript').update(TOOL).digest('hex'),
    args: {},
    secrets: { API_KEY: 'bench-secret' },
    timeoutMs: 5000,
    network: { allowedHosts: [], policy: 'require_approval', allowLoopback: false },
  };
  return async (i) => {
    const out = await rt.execute({ ...base, args: { n: i } });
    if (!out.success || (out.value as { next: number }).next !== i + 1) throw new Error(`runtime: ${out.error ?? 'wrong result'}`);
  };
}

const f = (n: number) => n.toFixed(3).padStart(9);
const r = (n: number) => n.toFixed(0).padStart(9);

async function main(): Promise<void> {
  const workers = 2;
  const rt = new SandboxRuntime({ workers, memoryMb: 128, maxResultSize: 1024 * 1024, maxConcurrency: 64, queueSize: 1000 });
  await rt.start();
  const floor = await floorCall();
  const runtime = await runtimeCall(rt);
  console.log(`Node ${process.versions.node}, isolated-vm 7, ${availableParallelism()} cores, ${CALLS} calls per row, runtime with ${workers} workers`);

  const rows: { name: string; callers: number; floor: Result; runtime: Result }[] = [];
  for (const callers of [1, 8]) {
    await measure(callers, WARMUP, floor);
    await measure(callers, WARMUP, runtime);
    const fl = await measure(callers, CALLS, floor);
    const rtm = await measure(callers, CALLS, runtime);
    rows.push({ name: `${callers} caller${callers > 1 ? 's' : ''}`, callers, floor: fl, runtime: rtm });
  }
  await rt.close();

  console.log('');
  console.log('callers   | floor p50 | floor p99 | floor/s   | rt p50    | rt p99    | rt/s      | p50 ratio | throughput ratio');
  console.log('----------|-----------|-----------|-----------|-----------|-----------|-----------|-----------|-----------------');
  for (const row of rows) {
    console.log(
      `${row.name.padEnd(10)}|${f(row.floor.p50)}ms|${f(row.floor.p99)}ms|${r(row.floor.perSecond)}  |${f(row.runtime.p50)}ms|${f(row.runtime.p99)}ms|${r(row.runtime.perSecond)}  |${(row.runtime.p50 / row.floor.p50).toFixed(2).padStart(9)}x|${(row.runtime.perSecond / row.floor.perSecond).toFixed(2).padStart(9)}x`,
    );
  }
  const one = rows[0];
  const eight = rows[1];
  console.log('');
  console.log(`target: runtime p50 within 2x of the floor (1 caller): ${(one.runtime.p50 / one.floor.p50).toFixed(2)}x ${one.runtime.p50 <= 2 * one.floor.p50 ? 'MET' : 'MISSED'}`);
  console.log(`target: 8 callers use both cores: runtime ${eight.runtime.perSecond.toFixed(0)}/s vs 1 caller ${one.runtime.perSecond.toFixed(0)}/s (${(eight.runtime.perSecond / one.runtime.perSecond).toFixed(2)}x)`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});

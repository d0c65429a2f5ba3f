/**
 * `npm run bench`: the cost of one call of a trivial tool through SandboxRuntime.execute
 * (app process → worker process → fresh context of the server's isolate, with every global
 * and bridge installed) against the floor of the technology measured in the same run: the
 * same code compiled once and run in a fresh context of a warm isolate by a few lines of
 * bare isolated-vm, in-process, with no bridges. 1 and 8 concurrent callers.
 */
import ivm from 'isolated-vm';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { transform } from 'esbuild';
import type { ExecutionRequest } from '../src/sandbox/runtime/contract';
import { SandboxRuntime } from '../src/sandbox/runtime/sandbox-runtime';

const TOOL = 'export async function main({ n }) { return { n, next: n + 1 }; }';
const CALLS = Number(process.env.BENCH_CALLS ?? 4000);
const WARMUP = 500;
const ROUNDS = 10;

interface Result {
  p50: number;
  p99: number;
  perSecond: number;
}

interface Sample {
  latencies: number[];
  elapsed: number;
  calls: number;
}

async function sample(callers: number, total: number, call: (i: number) => Promise<void>, into: Sample): Promise<void> {
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: callers }, async () => {
      while (next < total) {
        const i = next++;
        const t = performance.now();
        await call(i);
        into.latencies.push(performance.now() - t);
      }
    }),
  );
  into.elapsed += performance.now() - started;
  into.calls += total;
}

function summarise(s: Sample): Result {
  const sorted = [...s.latencies].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
  return { p50: at(0.5), p99: at(0.99), perSecond: (s.calls / s.elapsed) * 1000 };
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

/** CPU seconds (user + system) of this process and of its child processes (the workers), from /proc (Linux). */
function cpuSeconds(): { self: number; workers: number[] } {
  const ticks = 100;
  const read = (pid: string) => {
    try {
      const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
      return { ppid: Number(fields[1]), cpu: (Number(fields[11]) + Number(fields[12])) / ticks };
    } catch {
      return undefined;
    }
  };
  const workers: number[] = [];
  try {
    for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
      const st = read(pid);
      if (st && st.ppid === process.pid) workers.push(st.cpu);
    }
  } catch {
    // not Linux: no CPU figures
  }
  const u = process.cpuUsage();
  return { self: (u.user + u.system) / 1e6, workers };
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

  const rows: { name: string; callers: number; floor: Result; runtime: Result; cpu: string }[] = [];
  for (const callers of [1, 8]) {
    const scratch: Sample = { latencies: [], elapsed: 0, calls: 0 };
    await sample(callers, WARMUP, floor, scratch);
    await sample(callers, WARMUP, runtime, scratch);
    // Interleaved rounds, so that both sides see the same machine (other load comes and goes).
    const fl: Sample = { latencies: [], elapsed: 0, calls: 0 };
    const rtm: Sample = { latencies: [], elapsed: 0, calls: 0 };
    let self = 0;
    let workers: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      await sample(callers, CALLS / ROUNDS, floor, fl);
      const before = cpuSeconds();
      await sample(callers, CALLS / ROUNDS, runtime, rtm);
      const after = cpuSeconds();
      self += after.self - before.self;
      workers = after.workers.map((c, i) => (workers[i] ?? 0) + c - (before.workers[i] ?? 0));
    }
    const wall = rtm.elapsed / 1000;
    const busy = workers.filter((c) => c > 0.05);
    const cpu = `app ${self.toFixed(2)} s + workers ${busy.map((c) => c.toFixed(2)).join(' + ')} s CPU in ${wall.toFixed(2)} s = ${((self + busy.reduce((a, b) => a + b, 0)) / wall).toFixed(2)} cores busy`;
    rows.push({ name: `${callers} caller${callers > 1 ? 's' : ''}`, callers, floor: summarise(fl), runtime: summarise(rtm), cpu });
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
  console.log('');
  for (const row of rows) console.log(`runtime CPU, ${row.name}: ${row.cpu}`);
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

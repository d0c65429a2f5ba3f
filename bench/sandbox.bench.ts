/**
 * `npm run bench`: the cost of one call of a trivial tool through the sandbox, against the
 * floor of the technology measured in the same run. Three paths, 1 and 8 concurrent callers:
 *
 * - floor: the same code compiled once and run in a fresh context of a warm isolate by a
 *   few lines of bare isolated-vm, in-process, with no bridges;
 * - runtime: SandboxRuntime.execute (app process → worker process → fresh context of the
 *   server's isolate, with every global and bridge installed);
 * - service: SandboxService.executeTool, the MCP gateway's path: the running-server lookup,
 *   secret redaction and the (batched, background) tool_execution_logs row on top of the
 *   runtime — in the real app booted in this process on its own database.
 *
 * The runtime row calls the app's own runtime (same workers, same cached code) with the
 * request the service would build, so service minus runtime is the service layer alone.
 */
import ivm from 'isolated-vm';
import { availableParallelism } from 'node:os';
import { transform } from 'esbuild';
import { codeHash } from '../src/sandbox/running-servers';
import type { ExecutionRequest } from '../src/sandbox/runtime/contract';
import { startServiceFixture, type ServiceFixture } from './service-fixture';
import {
  addCpu,
  coresBusy,
  cpuSnapshot,
  describeCpu,
  emptySample,
  ms,
  perSec,
  ratio,
  sample,
  summarise,
  table,
  workerPids,
  type Call,
  type Result,
  type Sample,
} from './support';

const TOOL = 'export async function main({ n }) { return { n, next: n + 1 }; }';
const TOOL_NAME = 'bench';
const CALLS = Number(process.env.BENCH_CALLS ?? 4000);
const WARMUP = 500;
const ROUNDS = 10;
const WORKERS = 2;
const CALLERS = [1, 8];
const PATHS = ['floor', 'runtime', 'service'] as const;
type Path = (typeof PATHS)[number];

async function floorCall(): Promise<Call> {
  const isolate = new ivm.Isolate({ memoryLimit: 128 });
  const cjs = (await transform(TOOL, { loader: 'js', format: 'cjs', target: 'esnext' })).code;
  const script = await isolate.compileScript(
    `(function () { const module = { exports: {} }; (function (module, exports) {${cjs}\n})(module, module.exports); return module.exports.main; })()`,
  );
  return async (i) => {
    const context = await isolate.createContext();
    const main = (await script.run(context, { reference: true })) as ivm.Reference<(a: unknown) => Promise<unknown>>;
    const out = (await main.apply(undefined, [{ n: i }], {
      arguments: { copy: true },
      result: { promise: true, copy: true },
      timeout: 5000,
    })) as { next: number };
    if (out.next !== i + 1) throw new Error('floor: wrong result');
    main.release();
    context.release();
  };
}

function runtimeCall(fx: ServiceFixture): Call {
  const base: ExecutionRequest = {
    serverId: fx.serverId,
    toolId: fx.toolId,
    toolName: fx.toolName,
    code: TOOL,
    language: 'javascript',
    codeHash: codeHash('javascript', TOOL),
    args: {},
    secrets: fx.secrets,
    timeoutMs: 5000,
    network: fx.service.networkRulesFor(fx.serverId),
  };
  return async (i) => {
    const out = await fx.runtime.execute({ ...base, args: { n: i } });
    if (!out.success || (out.value as { next: number }).next !== i + 1)
      throw new Error(`runtime: ${out.error ?? 'wrong result'}`);
  };
}

function serviceCall(fx: ServiceFixture): Call {
  return async (i) => {
    const out = await fx.service.executeTool(
      fx.serverId,
      fx.toolName,
      { n: i },
      { isTest: false, executedBy: 'bench' },
    );
    if (!out.success || (out.value as { next: number }).next !== i + 1)
      throw new Error(`service: ${out.error ?? 'wrong result'}`);
  };
}

type Row = { callers: number } & Record<Path, Sample>;

/** Warm-up, then interleaved rounds, so that every path sees the same machine (other load comes and goes). */
async function measure(fx: ServiceFixture, calls: Record<Path, Call>, callers: number): Promise<Row> {
  const scratch = emptySample();
  for (const path of PATHS) await sample(callers, WARMUP, calls[path], scratch);
  await fx.loggedRows();
  const row: Row = { callers, floor: emptySample(), runtime: emptySample(), service: emptySample() };
  const workers = workerPids();
  for (let round = 0; round < ROUNDS; round++) {
    const backends = await fx.dbBackends();
    for (const path of PATHS) {
      const before = cpuSnapshot(workers, backends);
      await sample(callers, CALLS / ROUNDS, calls[path], row[path]);
      addCpu(row[path].cpu, before, cpuSnapshot(workers, backends));
    }
    // The last rows of the round are written before the next round's floor starts.
    await fx.loggedRows();
  }
  return row;
}

function report(rows: Row[], logged: number, cores: number): void {
  const r = rows.map((row) => ({
    name: `${row.callers} caller${row.callers > 1 ? 's' : ''}`,
    floor: summarise(row.floor),
    runtime: summarise(row.runtime),
    service: summarise(row.service),
    row,
  }));
  const p50 = (x: Result, floor: Result) => ratio(x.p50 / floor.p50);
  const tput = (x: Result, floor: Result) => ratio(x.perSecond / floor.perSecond);
  console.log('\nlatency');
  console.log(
    table([
      [
        'callers',
        'floor p50',
        'floor p99',
        'runtime p50',
        'runtime p99',
        'service p50',
        'service p99',
        'runtime p50 / floor',
        'service p50 / floor',
      ],
      ...r.map((x) => [
        x.name,
        ms(x.floor.p50),
        ms(x.floor.p99),
        ms(x.runtime.p50),
        ms(x.runtime.p99),
        ms(x.service.p50),
        ms(x.service.p99),
        p50(x.runtime, x.floor),
        p50(x.service, x.floor),
      ]),
    ]),
  );
  console.log('\nthroughput (calls per second)');
  console.log(
    table([
      ['callers', 'floor/s', 'runtime/s', 'service/s', 'runtime / floor', 'service / floor', 'service / runtime'],
      ...r.map((x) => [
        x.name,
        perSec(x.floor.perSecond),
        perSec(x.runtime.perSecond),
        perSec(x.service.perSecond),
        tput(x.runtime, x.floor),
        tput(x.service, x.floor),
        ratio(x.service.perSecond / x.runtime.perSecond),
      ]),
    ]),
  );
  console.log('');
  for (const x of r)
    for (const path of PATHS) console.log(`CPU ${path.padEnd(7)} ${x.name.padEnd(9)}: ${describeCpu(x.row[path])}`);
  const serviceCalls = rows.length * (WARMUP + CALLS);
  console.log(
    `execution log rows written: ${logged} of ${serviceCalls} service calls${logged === serviceCalls ? '' : ' — ROWS LOST'}`,
  );

  const [one, eight] = r;
  const p50Ratio = one.service.p50 / one.floor.p50;
  const busy = coresBusy(eight.row.service);
  const bothCores = busy >= 0.9 * Math.min(cores, WORKERS);
  console.log('');
  console.log(
    `target: service p50 within 2x of the floor (1 caller): ${p50Ratio.toFixed(2)}x ${p50Ratio <= 2 ? 'MET' : 'MISSED'} (8 callers: ${(eight.service.p50 / eight.floor.p50).toFixed(2)}x)`,
  );
  console.log(
    `target: 8 callers use both cores: service ${eight.service.perSecond.toFixed(0)}/s vs 1 caller ${one.service.perSecond.toFixed(0)}/s (${(eight.service.perSecond / one.service.perSecond).toFixed(2)}x), ` +
      `${busy.toFixed(2)} of ${cores} cores busy ${bothCores ? 'MET' : 'MISSED'} (met at >= 90% of ${Math.min(cores, WORKERS)})`,
  );
}

async function main(): Promise<void> {
  const fx = await startServiceFixture({ toolName: TOOL_NAME, code: TOOL, workers: WORKERS, maxConcurrency: 64 });
  try {
    const calls: Record<Path, Call> = { floor: await floorCall(), runtime: runtimeCall(fx), service: serviceCall(fx) };
    const cores = availableParallelism();
    console.log(
      `Node ${process.versions.node}, isolated-vm 7, ${cores} cores, ${fx.database}, ${CALLS} calls per cell in ${ROUNDS} interleaved rounds, sandbox with ${WORKERS} workers`,
    );
    const rows: Row[] = [];
    for (const callers of CALLERS) rows.push(await measure(fx, calls, callers));
    report(rows, await fx.loggedRows(), cores);
  } finally {
    await fx.close();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});

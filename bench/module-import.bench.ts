/**
 * `npm run bench -- module-import`: what importing an approved npm module costs a call. The
 * real `yaml` (packed with `npm pack`, served by a loopback registry, installed by the
 * PackageInstaller: one ES-module bundle of about 100 KB and more) imported by a tool,
 * against the same tool without the import — both through SandboxRuntime.execute (app
 * process → worker process → fresh context of the server's isolate), with the allowed list
 * read through SandboxModules, as the app does.
 *
 * - plain:  `export async function main({ n }) { return { n, next: n + 1 }; }`
 * - import: the same, with `import { parse } from "yaml"` (the bundle's script is compiled
 *           once per isolate; each call defines its factory in its context and runs the
 *           package's top-level code there on the import);
 * - parse:  the import, and `parse()` of a small document in every call.
 *
 * Target (issue 17): the import call within 2x of the plain one (p50, 1 caller).
 */
import { readFileSync } from 'node:fs';
import { codeHash } from '../src/sandbox/running-servers';
import { ModuleStore } from '../src/modules/packages/module-store';
import type { ExecutionRequest } from '../src/sandbox/runtime/contract';
import { SandboxRuntime } from '../src/sandbox/runtime/sandbox-runtime';
import { SandboxModules } from '../src/sandbox/sandbox-modules';
import { startFixtureWorld } from '../test/support/npm-fixtures';
import { emptySample, ms, perSec, ratio, sample, summarise, table, type Call, type Sample } from './support';

const CALLS = Number(process.env.BENCH_CALLS ?? 3000);
const WARMUP = 300;
const ROUNDS = 10;
const PATHS = ['plain', 'import', 'parse'] as const;
type Path = (typeof PATHS)[number];

const TOOLS: Record<Path, string> = {
  plain: 'export async function main({ n }) { return { n, next: n + 1 }; }',
  import: 'import { parse } from "yaml";\nexport async function main({ n }) { return { n, next: n + 1 }; }',
  parse:
    'import { parse } from "yaml";\nexport async function main({ n }) { return { n, next: parse("next: " + (n + 1)).next }; }',
};

function caller(rt: SandboxRuntime, path: Path): Call {
  const code = TOOLS[path];
  const base: ExecutionRequest = {
    serverId: 'bench-modules',
    toolId: `tool-${path}`,
    toolName: path,
    code,
    language: 'javascript',
    codeHash: codeHash('javascript', code),
    args: {},
    secrets: {},
    timeoutMs: 5000,
    network: { allowedHosts: [], policy: 'require_approval', allowLoopback: false },
  };
  return async (i) => {
    const out = await rt.execute({ ...base, args: { n: i } });
    if (!out.success || (out.value as { next: number }).next !== i + 1)
      throw new Error(`${path}: ${out.error ?? 'wrong result'}`);
  };
}

async function main(): Promise<void> {
  const world = await startFixtureWorld();
  const installer = world.installer();
  const yaml = await installer.install('yaml');
  const modules = new SandboxModules(() => Promise.resolve(['yaml']), new ModuleStore(installer.storeDir));
  const rt = new SandboxRuntime({
    workers: 1,
    memoryMb: 128,
    maxResultSize: 1024 * 1024,
    maxConcurrency: 8,
    queueSize: 100,
    modules,
  });
  await rt.start();
  try {
    const calls = Object.fromEntries(PATHS.map((p) => [p, caller(rt, p)])) as Record<Path, Call>;
    console.log(
      `Node ${process.versions.node}, yaml@${yaml.version}: bundle ${(yaml.bytes / 1024).toFixed(0)} KiB ` +
        `(tarball unpacked from a loopback registry; ${readFileSync(yaml.path, 'utf8').split('\n').length} lines), ` +
        `${CALLS} calls per cell in ${ROUNDS} interleaved rounds, 1 caller, 1 sandbox worker`,
    );
    const scratch = emptySample();
    for (const p of PATHS) await sample(1, WARMUP, calls[p], scratch);
    const rows = Object.fromEntries(PATHS.map((p) => [p, emptySample()])) as Record<Path, Sample>;
    for (let round = 0; round < ROUNDS; round++)
      for (const p of PATHS) await sample(1, CALLS / ROUNDS, calls[p], rows[p]);
    const r = Object.fromEntries(PATHS.map((p) => [p, summarise(rows[p])])) as Record<
      Path,
      ReturnType<typeof summarise>
    >;
    const info = await rt.workerInfo();
    console.log(
      table([
        ['tool', 'p50', 'p99', 'calls/s', 'p50 / plain', 'calls/s vs plain'],
        ...PATHS.map((p) => [
          p,
          ms(r[p].p50),
          ms(r[p].p99),
          perSec(r[p].perSecond),
          ratio(r[p].p50 / r.plain.p50),
          ratio(r.plain.perSecond / r[p].perSecond),
        ]),
      ]),
    );
    console.log(
      `compiled module scripts held by the worker: ${info.map((i) => i.moduleScripts).join(', ')} (one isolate)`,
    );
    const x = r.import.p50 / r.plain.p50;
    console.log(
      `target: a call importing yaml within 2x of the same call without it (p50): ${x.toFixed(2)}x ${x <= 2 ? 'MET' : 'MISSED'}` +
        ` (+${(r.import.p50 - r.plain.p50).toFixed(3)} ms per call; with a parse() per call ${(r.parse.p50 / r.plain.p50).toFixed(2)}x)`,
    );
  } finally {
    await rt.close();
    await world.cleanup();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});

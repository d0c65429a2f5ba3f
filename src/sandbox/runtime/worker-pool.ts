import { fork, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { MAX_TIMEOUT_MS } from '../../common/limits';
import type { CallChannel, ExecutionOutcome, ModuleBinding, NetworkRules, RuntimeEvent } from './contract';
import { failure } from './result-mapper';
import type { ExecMessage, FromWorker, ToWorker, WorkerInfo, WorkerOptions } from './worker-protocol';

export interface WorkerPoolOptions extends WorkerOptions {
  workers: number;
  onEvent?: (e: RuntimeEvent) => void;
  /** A worker became ready (at start, or replacing one that died): queued calls may start. */
  onReady?: () => void;
}

/** One call as a worker runs it: the prepared code and the call's data. */
export interface WorkerJob {
  serverId: string;
  /** Cache key of the prepared code (per server in a worker). */
  codeKey: string;
  /** The prepared script source; sent only to a worker not known to hold `codeKey`. */
  source: string;
  args: Record<string, unknown>;
  secrets: Record<string, string>;
  timeoutMs: number;
  network: NetworkRules;
  /** The modules the code imports, resolved for this call (a bundle's source goes only to a worker that lacks it). */
  modules?: ModuleBinding[];
  /** The call's MCP client, when it has one (a call through /mcp). */
  channel?: CallChannel;
}

/** Time a worker gets beyond a call's own limit before it is presumed stuck and killed. */
const STUCK_GRACE_MS = 10_000;
const CONTROL_TIMEOUT_MS = 5_000;
/** libuv threads of a worker process (DNS lookups, zlib). */
const DNS_THREADS = 16;
const WORKER_ENTRY = join(__dirname, 'sandbox-worker.js');
const WORKER_LOST =
  'The sandbox worker running this call stopped (most likely the tool exhausted memory, e.g. by filling a Map, Set or object); the call was aborted and the worker replaced';

/**
 * The Node flags of a worker process. isolated-vm needs --no-node-snapshot on Node >= 20;
 * nothing of the app's own flags is passed on. Under the tests (MCPBOX_TEST_PRELOAD names the
 * loopback-only safety net the test processes preload) the workers load it too — never in production.
 */
export function workerExecArgv(env: NodeJS.ProcessEnv = process.env): string[] {
  const argv = ['--no-node-snapshot'];
  if (env.MCPBOX_TEST_PRELOAD && env.NODE_ENV !== 'production') argv.push(`--require=${env.MCPBOX_TEST_PRELOAD}`);
  return argv;
}

interface Running {
  job: WorkerJob;
  resolve: (o: ExecutionOutcome) => void;
  timer: NodeJS.Timeout;
}

interface Worker {
  child: ChildProcess;
  index: number;
  ready: boolean;
  /** serverId + codeKey the worker has been sent (it may still drop one: it then asks again). */
  codes: Set<string>;
  /** sha256 of the module bundles the worker has been sent (it may drop one too: it then asks again). */
  bundles: Set<string>;
  calls: Map<number, Running>;
  control: Map<number, (reply?: Extract<FromWorker, { t: 'done' }>) => void>;
  stderrTail: string;
}

const codeKeyOf = (job: WorkerJob) => `${job.serverId}\0${job.codeKey}`;

/**
 * The supervised worker processes of the sandbox (isolates live ONLY there, docs/sandbox.md#processes-and-isolates): it
 * forks them, sends each call to the least-loaded one (preferring one that already holds the
 * call's code), answers control messages, and replaces a worker that dies — failing only
 * that worker's calls, each with a clear error — or that is stuck past a call's limit.
 * Which call runs when is not its business (call-scheduler.ts).
 */
export class WorkerPool {
  private readonly workers: (Worker | undefined)[] = [];
  private nextId = 1;
  private closing = false;
  private replaced = 0;
  private readonly workerOptions: WorkerOptions;

  constructor(private readonly opts: WorkerPoolOptions) {
    this.workerOptions = { memoryMb: opts.memoryMb, maxResultSize: opts.maxResultSize };
  }

  async start(): Promise<void> {
    await Promise.all(Array.from({ length: Math.max(1, this.opts.workers) }, (_, i) => this.spawn(i)));
  }

  /** Workers able to take a call now. */
  get liveCount(): number {
    let n = 0;
    for (const w of this.workers) if (w?.ready) n++;
    return n;
  }

  /** Workers that died and were replaced since start. */
  get restarts(): number {
    return this.replaced;
  }

  /**
   * Runs a job on the least-loaded live worker; undefined when there is none (the caller
   * keeps the call queued). The promise never rejects: a dead or stuck worker is a failed outcome.
   */
  run(job: WorkerJob): Promise<ExecutionOutcome> | undefined {
    const w = this.pick(job);
    if (!w) return undefined;
    const id = this.nextId++;
    const key = codeKeyOf(job);
    const msg = this.message(id, job, !w.codes.has(key), w.bundles);
    w.codes.add(key);
    return new Promise((resolve) => {
      // A worker that does not answer well after the call's own limit is stuck: kill it (its exit fails the call).
      const timer = setTimeout(() => {
        if (w.calls.has(id)) w.child.kill('SIGKILL');
      }, msg.timeoutMs + STUCK_GRACE_MS);
      w.calls.set(id, { job, resolve, timer });
      job.channel?.attach((reason) => this.post(w, { t: 'interrupt', id, reason }));
      this.post(w, msg);
    });
  }

  /** The server's isolates and code go from every worker. */
  async evict(serverId: string): Promise<void> {
    for (const w of this.workers)
      if (w) for (const k of [...w.codes]) if (k.startsWith(`${serverId}\0`)) w.codes.delete(k);
    await Promise.all(this.live().map((w) => this.control(w, { t: 'evict', id: this.nextId++, serverId })));
  }

  async memoryBytes(serverId: string): Promise<number> {
    const parts = await Promise.all(
      this.live().map((w) => this.control(w, { t: 'memory', id: this.nextId++, serverId })),
    );
    return parts.reduce<number>((a, b) => a + (b ?? 0), 0);
  }

  /** What each live worker process reports about itself (pid, memory, safety net). */
  async info(): Promise<WorkerInfo[]> {
    const infos = await Promise.all(this.live().map((w) => this.control(w, { t: 'info', id: this.nextId++ })));
    return infos.filter((i): i is WorkerInfo => i !== undefined);
  }

  /** Stops every worker (the caller has let its calls finish); a worker that does not exit in 2 s is killed. */
  async close(): Promise<void> {
    this.closing = true;
    await Promise.all(
      this.workers.map(async (w) => {
        if (!w) return;
        const exited = new Promise<void>((r) => w.child.once('exit', () => r()));
        if (w.child.exitCode === null && w.child.signalCode === null) {
          this.post(w, { t: 'shutdown' });
          const timer = setTimeout(() => w.child.kill('SIGKILL'), 2000);
          await exited;
          clearTimeout(timer);
        }
      }),
    );
    this.workers.length = 0;
  }

  private live(): Worker[] {
    return this.workers.filter((w): w is Worker => !!w && w.ready);
  }

  private spawn(index: number): Promise<void> {
    const child = fork(WORKER_ENTRY, [JSON.stringify(this.workerOptions)], {
      // Nothing of the app's flags or environment is passed on.
      execArgv: workerExecArgv(),
      // More libuv threads than the default 4: DNS lookups (getaddrinfo) hold one each, and each server may use only a few (sandbox-worker.ts).
      env: { NODE_ENV: process.env.NODE_ENV ?? 'production', UV_THREADPOOL_SIZE: String(DNS_THREADS) },
      serialization: 'advanced',
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    });
    const w: Worker = {
      child,
      index,
      ready: false,
      codes: new Set(),
      bundles: new Set(),
      calls: new Map(),
      control: new Map(),
      stderrTail: '',
    };
    this.workers[index] = w;
    child.stderr?.on('data', (d: Buffer) => (w.stderrTail = (w.stderrTail + d.toString('utf8')).slice(-2000)));
    return new Promise<void>((resolve, reject) => {
      child.on('message', (m: FromWorker) => {
        if (m.t === 'ready') {
          w.ready = true;
          resolve();
          this.opts.onReady?.();
        } else this.onMessage(w, m);
      });
      child.once('exit', (code, signal) => {
        if (!w.ready)
          reject(
            new Error(
              `sandbox worker ${index} failed to start (${signal ?? code}): ${w.stderrTail.trim().slice(-500)}`,
            ),
          );
        this.onExit(w, code, signal);
      });
      child.on('error', () => undefined);
    });
  }

  private onMessage(w: Worker, m: FromWorker): void {
    switch (m.t) {
      case 'result':
        this.settle(w, m.id, m.outcome);
        break;
      case 'need-code': {
        const running = w.calls.get(m.id);
        if (running) this.post(w, this.message(m.id, running.job, true));
        break;
      }
      case 'done':
        w.control.get(m.id)?.(m);
        w.control.delete(m.id);
        break;
      case 'event':
        this.opts.onEvent?.(m.event);
        break;
      case 'mcp-note':
        w.calls.get(m.id)?.job.channel?.note(m.note);
        break;
      case 'mcp-ask': {
        const channel = w.calls.get(m.id)?.job.channel;
        const answer = channel ? channel.ask(m.question) : Promise.reject(new Error('the call has no MCP client'));
        answer.then(
          (value) => this.post(w, { t: 'mcp-answer', id: m.id, qid: m.qid, ok: true, value }),
          (err: unknown) =>
            this.post(w, {
              t: 'mcp-answer',
              id: m.id,
              qid: m.qid,
              ok: false,
              value: (err as Error)?.message ?? 'refused',
            }),
        );
        break;
      }
    }
  }

  private settle(w: Worker, id: number, outcome: ExecutionOutcome): void {
    const running = w.calls.get(id);
    if (!running) return;
    w.calls.delete(id);
    clearTimeout(running.timer);
    running.resolve(outcome);
  }

  private onExit(w: Worker, code: number | null, signal: NodeJS.Signals | null): void {
    if (this.workers[w.index] === w) this.workers[w.index] = undefined;
    for (const done of w.control.values()) done(undefined);
    w.control.clear();
    const lost = [...w.calls.entries()];
    for (const [id] of lost) this.settle(w, id, failure(WORKER_LOST, '', 0));
    if (this.closing) return;
    this.replaced++;
    this.opts.onEvent?.({
      level: 'warning',
      message: `Sandbox worker ${w.index} exited unexpectedly and is being replaced`,
      details: {
        worker: w.index,
        pid: w.child.pid,
        exit_code: code,
        signal,
        failed_calls: lost.length,
        servers: [...new Set(lost.map(([, r]) => r.job.serverId))],
        stderr: w.stderrTail.trim().slice(-500),
      },
    });
    this.spawn(w.index).then(
      () =>
        this.opts.onEvent?.({
          level: 'info',
          message: `Sandbox worker ${w.index} replaced`,
          details: { worker: w.index, pid: this.workers[w.index]?.child.pid },
        }),
      (err: unknown) => {
        this.opts.onEvent?.({
          level: 'error',
          message: `Sandbox worker ${w.index} could not be restarted`,
          details: { error: (err as Error).message },
        });
        // Try again shortly rather than leave the pool a worker short for good.
        setTimeout(
          () => !this.closing && !this.workers[w.index] && this.spawn(w.index).catch(() => undefined),
          1000,
        ).unref();
      },
    );
  }

  /** The least-loaded live worker; between equals, one that already holds the job's code. */
  private pick(job: WorkerJob): Worker | undefined {
    let best: Worker | undefined;
    const key = codeKeyOf(job);
    for (const w of this.workers) {
      if (!w?.ready) continue;
      if (
        !best ||
        w.calls.size < best.calls.size ||
        (w.calls.size === best.calls.size && w.codes.has(key) && !best.codes.has(key))
      )
        best = w;
    }
    return best;
  }

  /** The exec message of a job: the sources the worker is not known to hold (`held` undefined: every source). */
  private message(id: number, job: WorkerJob, withSource: boolean, held?: Set<string>): ExecMessage {
    const timeoutMs = Math.min(MAX_TIMEOUT_MS, Math.max(1, Math.floor(job.timeoutMs) || 30_000));
    const modules: ExecMessage['modules'] = [];
    let moduleSources: Record<string, string> | undefined;
    for (const m of job.modules ?? []) {
      if ('error' in m) {
        modules.push({ name: m.name, error: m.error });
        continue;
      }
      modules.push({ name: m.name, sha256: m.sha256 });
      if (held?.has(m.sha256)) continue;
      (moduleSources ??= {})[m.sha256] = m.source;
      held?.add(m.sha256);
    }
    return {
      t: 'exec',
      id,
      serverId: job.serverId,
      codeKey: job.codeKey,
      source: withSource ? job.source : undefined,
      args: JSON.stringify(job.args ?? {}),
      secrets: job.secrets ?? {},
      timeoutMs,
      network: job.network,
      mcp: job.channel !== undefined,
      modules,
      moduleSources,
    };
  }

  private post(w: Worker, msg: ToWorker): void {
    try {
      w.child.send(msg);
    } catch {
      // The worker is gone; its exit handler fails the call.
    }
  }

  private control(w: Worker, msg: { t: 'evict' | 'memory'; id: number; serverId: string }): Promise<number | undefined>;
  private control(w: Worker, msg: { t: 'info'; id: number }): Promise<WorkerInfo | undefined>;
  private control(w: Worker, msg: Extract<ToWorker, { id: number }>): Promise<number | WorkerInfo | undefined> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        w.control.delete(msg.id);
        resolve(undefined);
      }, CONTROL_TIMEOUT_MS);
      w.control.set(msg.id, (reply) => {
        clearTimeout(timer);
        resolve(msg.t === 'info' ? reply?.info : reply?.bytes);
      });
      this.post(w, msg);
    });
  }
}

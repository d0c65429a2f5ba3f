import { fork, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { MAX_TIMEOUT_MS } from '../../common/limits';
import { DomainError } from '../../common/errors';
import { CodeLoader } from './code-loader';
import type { ExecutionOutcome, ExecutionRequest, RuntimeEvent, RuntimeStats } from './contract';
import { failure } from './result-mapper';
import type { ExecMessage, FromWorker, ToWorker, WorkerInfo, WorkerOptions } from './worker-protocol';

export interface SandboxRuntimeOptions {
  workers: number;
  memoryMb: number;
  maxResultSize: number;
  maxConcurrency: number;
  queueSize: number;
  onEvent?: (e: RuntimeEvent) => void;
}

/** The runtime cannot take the call at all (closed, or the queue is full): `unavailable`, a 503. */
export class SandboxUnavailableError extends DomainError {
  constructor(message: string) {
    super('unavailable', message);
    this.name = 'SandboxUnavailableError';
  }
}

/** Time a worker gets beyond a call's own limit before it is presumed stuck and killed. */
const STUCK_GRACE_MS = 10_000;
const CONTROL_TIMEOUT_MS = 5_000;
/** libuv threads of a worker process (DNS lookups, zlib). */
const DNS_THREADS = 16;
const WORKER_ENTRY = join(__dirname, 'sandbox-worker.js');

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

interface Call {
  req: ExecutionRequest;
  codeKey: string;
  source: string;
  started: number;
  resolve: (o: ExecutionOutcome) => void;
  worker?: Worker;
  timer?: NodeJS.Timeout;
}

interface Worker {
  child: ChildProcess;
  index: number;
  ready: boolean;
  /** serverId + codeKey the worker has been sent (it may still drop one: it then asks again). */
  codes: Set<string>;
  calls: Map<number, Call>;
  control: Map<number, (reply?: Extract<FromWorker, { t: 'done' }>) => void>;
  stderrTail: string;
}

/**
 * The app side of the sandbox: a supervised pool of worker processes (each running its
 * isolates), a bounded queue in front of them, and calls spread to the least-loaded worker.
 * Tool faults of any kind — limits, crashes of a worker — come back as outcomes with
 * `isError`; only a closed runtime or a full queue rejects (SandboxUnavailableError).
 */
export class SandboxRuntime {
  private readonly workers: (Worker | undefined)[] = [];
  private readonly queue: Call[] = [];
  private readonly loader = new CodeLoader();
  private inFlight = 0;
  private restarts = 0;
  private nextId = 1;
  private closing = false;
  private readonly workerOptions: WorkerOptions;
  /** Calls running / queued per server: no server may hold every slot or the whole queue (see share()). */
  private readonly running = new Map<string, number>();
  private readonly queuedBy = new Map<string, number>();
  private readonly serverSlots: number;
  private readonly serverQueue: number;

  constructor(private readonly opts: SandboxRuntimeOptions) {
    this.workerOptions = { memoryMb: opts.memoryMb, maxResultSize: opts.maxResultSize };
    // A quarter of the slots and of the queue stays for the other servers, so one server's
    // slow or stuck calls (up to 300 s each) cannot starve or lock out everyone else.
    this.serverSlots = share(opts.maxConcurrency);
    this.serverQueue = share(opts.queueSize);
  }

  async start(): Promise<void> {
    await Promise.all(Array.from({ length: Math.max(1, this.opts.workers) }, (_, i) => this.spawn(i)));
  }

  async execute(req: ExecutionRequest): Promise<ExecutionOutcome> {
    if (this.closing) throw new SandboxUnavailableError('The sandbox is shutting down');
    if (this.inFlight >= this.opts.maxConcurrency && this.queue.length >= this.opts.queueSize) {
      throw new SandboxUnavailableError(
        `The sandbox is busy: ${this.inFlight} calls running and ${this.queue.length} queued (SANDBOX_QUEUE_SIZE); try again shortly`,
      );
    }
    if (!this.hasSlot(req.serverId) && count(this.queuedBy, req.serverId) >= this.serverQueue)
      throw this.serverBusy(req.serverId);
    const started = performance.now();
    const prepared = await this.loader.prepare(req.code, req.language, req.codeHash);
    if (!prepared.ok) return failure(prepared.error, '', performance.now() - started);
    return new Promise<ExecutionOutcome>((resolve, reject) => {
      const call: Call = { req, codeKey: prepared.codeKey, source: prepared.source, started, resolve };
      // First come, first served: a new call never overtakes a queued one that could run (only
      // calls of a server at its share wait for it).
      if (this.hasSlot(req.serverId) && !this.queue.some((c) => this.hasSlot(c.req.serverId)) && this.dispatch(call))
        return;
      if (this.closing) return reject(new SandboxUnavailableError('The sandbox is shutting down'));
      if (this.queue.length >= this.opts.queueSize)
        return reject(
          new SandboxUnavailableError(
            `The sandbox is busy: ${this.queue.length} calls queued (SANDBOX_QUEUE_SIZE); try again shortly`,
          ),
        );
      if (count(this.queuedBy, req.serverId) >= this.serverQueue) return reject(this.serverBusy(req.serverId));
      this.queue.push(call);
      bump(this.queuedBy, req.serverId, 1);
    });
  }

  async evictServer(serverId: string): Promise<void> {
    for (const w of this.workers)
      if (w) for (const k of [...w.codes]) if (k.startsWith(`${serverId}\0`)) w.codes.delete(k);
    await Promise.all(this.live().map((w) => this.control(w, { t: 'evict', id: this.nextId++, serverId })));
  }

  async serverMemoryBytes(serverId: string): Promise<number> {
    const parts = await Promise.all(
      this.live().map((w) => this.control(w, { t: 'memory', id: this.nextId++, serverId })),
    );
    return parts.reduce<number>((a, b) => a + (b ?? 0), 0);
  }

  /** What each live worker process reports about itself (pid, memory, safety net). */
  async workerInfo(): Promise<WorkerInfo[]> {
    const infos = await Promise.all(this.live().map((w) => this.control(w, { t: 'info', id: this.nextId++ })));
    return infos.filter((i): i is WorkerInfo => i !== undefined);
  }

  stats(): RuntimeStats {
    return {
      workers: this.live().length,
      inFlight: this.inFlight,
      queued: this.queue.length,
      maxConcurrency: this.opts.maxConcurrency,
      queueSize: this.opts.queueSize,
      workerRestarts: this.restarts,
    };
  }

  /** Refuses new calls, fails the queued ones, lets running calls finish, then stops the workers. */
  async close(): Promise<void> {
    this.closing = true;
    this.queuedBy.clear();
    for (const call of this.queue.splice(0))
      call.resolve(failure('The sandbox shut down before the call could run', '', performance.now() - call.started));
    while (this.inFlight > 0) await new Promise((r) => setTimeout(r, 20));
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

  // ------------------------------------------------------------------ workers

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
          this.drain();
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
      case 'result': {
        const call = w.calls.get(m.id);
        if (call)
          this.settle(w, m.id, call, {
            ...m.outcome,
            durationMs: Math.round((performance.now() - call.started) * 100) / 100,
          });
        break;
      }
      case 'need-code': {
        const call = w.calls.get(m.id);
        if (call) this.post(w, this.message(m.id, call, true));
        break;
      }
      case 'done':
        w.control.get(m.id)?.(m);
        w.control.delete(m.id);
        break;
      case 'event':
        this.opts.onEvent?.(m.event);
        break;
    }
  }

  private onExit(w: Worker, code: number | null, signal: NodeJS.Signals | null): void {
    if (this.workers[w.index] === w) this.workers[w.index] = undefined;
    for (const done of w.control.values()) done(undefined);
    w.control.clear();
    const lost = [...w.calls.entries()];
    for (const [id, call] of lost) {
      this.settle(
        w,
        id,
        call,
        failure(
          'The sandbox worker running this call stopped (most likely the tool exhausted memory, e.g. by filling a Map, Set or object); the call was aborted and the worker replaced',
          '',
          performance.now() - call.started,
        ),
      );
    }
    if (this.closing) return;
    this.restarts++;
    this.opts.onEvent?.({
      level: 'warning',
      message: `Sandbox worker ${w.index} exited unexpectedly and is being replaced`,
      details: {
        worker: w.index,
        pid: w.child.pid,
        exit_code: code,
        signal,
        failed_calls: lost.length,
        servers: [...new Set(lost.map(([, c]) => c.req.serverId))],
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

  // ------------------------------------------------------------------ calls

  private pick(call: Call): Worker | undefined {
    let best: Worker | undefined;
    const key = `${call.req.serverId}\0${call.codeKey}`;
    for (const w of this.live()) {
      if (
        !best ||
        w.calls.size < best.calls.size ||
        (w.calls.size === best.calls.size && w.codes.has(key) && !best.codes.has(key))
      )
        best = w;
    }
    return best;
  }

  private message(id: number, call: Call, withSource: boolean): ExecMessage {
    const timeoutMs = Math.min(MAX_TIMEOUT_MS, Math.max(1, Math.floor(call.req.timeoutMs) || 30_000));
    return {
      t: 'exec',
      id,
      serverId: call.req.serverId,
      codeKey: call.codeKey,
      source: withSource ? call.source : undefined,
      args: JSON.stringify(call.req.args ?? {}),
      secrets: call.req.secrets ?? {},
      timeoutMs,
      network: call.req.network,
    };
  }

  private dispatch(call: Call): boolean {
    const w = this.pick(call);
    if (!w) return false;
    const id = this.nextId++;
    const key = `${call.req.serverId}\0${call.codeKey}`;
    const msg = this.message(id, call, !w.codes.has(key));
    w.codes.add(key);
    call.worker = w;
    w.calls.set(id, call);
    this.inFlight++;
    bump(this.running, call.req.serverId, 1);
    // A worker that does not answer well after the call's own limit is stuck: kill it (its exit fails the call).
    call.timer = setTimeout(() => {
      if (w.calls.has(id)) w.child.kill('SIGKILL');
    }, msg.timeoutMs + STUCK_GRACE_MS);
    this.post(w, msg);
    return true;
  }

  private settle(w: Worker, id: number, call: Call, outcome: ExecutionOutcome): void {
    if (!w.calls.delete(id)) return;
    clearTimeout(call.timer);
    this.inFlight--;
    bump(this.running, call.req.serverId, -1);
    call.resolve(outcome);
    this.drain();
  }

  /** Starts queued calls in order, passing over those of a server that holds its share of the slots. */
  private drain(): void {
    for (let i = 0; i < this.queue.length && this.inFlight < this.opts.maxConcurrency;) {
      const call = this.queue[i];
      if (!this.hasSlot(call.req.serverId)) {
        i++;
        continue;
      }
      if (!this.dispatch(call)) return;
      this.queue.splice(i, 1);
      bump(this.queuedBy, call.req.serverId, -1);
    }
  }

  /** A free slot this server may take. */
  private hasSlot(serverId: string): boolean {
    return this.inFlight < this.opts.maxConcurrency && count(this.running, serverId) < this.serverSlots;
  }

  private serverBusy(serverId: string): SandboxUnavailableError {
    return new SandboxUnavailableError(
      `The sandbox is busy with this server's calls: ${count(this.running, serverId)} running and ${count(this.queuedBy, serverId)} queued (its share of SANDBOX_MAX_CONCURRENCY and SANDBOX_QUEUE_SIZE); try again shortly`,
    );
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

/** What one server may take of a pool of `n`: all but a quarter (rounded down, so a pool under 4 is not split). */
function share(n: number): number {
  return Math.max(1, n - Math.floor(n / 4));
}

const count = (m: Map<string, number>, key: string) => m.get(key) ?? 0;

function bump(m: Map<string, number>, key: string, by: number): void {
  const n = (m.get(key) ?? 0) + by;
  if (n > 0) m.set(key, n);
  else m.delete(key);
}

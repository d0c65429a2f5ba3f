import { CallScheduler, SandboxUnavailableError } from './call-scheduler';
import { CodeLoader } from './code-loader';
import type {
  CallChannel,
  ExecutionOutcome,
  ExecutionRequest,
  ModuleBinding,
  ModuleResolver,
  RuntimeEvent,
  RuntimeStats,
} from './contract';
import { notApprovedMessage, unimportable } from './module-imports';
import { failure } from './result-mapper';
import { WorkerPool, type WorkerJob } from './worker-pool';
import type { WorkerInfo } from './worker-protocol';

export interface SandboxRuntimeOptions {
  workers: number;
  memoryMb: number;
  maxResultSize: number;
  maxConcurrency: number;
  queueSize: number;
  onEvent?: (e: RuntimeEvent) => void;
  /** What imports may load (the allowed, installed modules); without it every import is refused as not approved. */
  modules?: ModuleResolver;
}

const NO_MODULES: ModuleResolver = {
  resolve: (names) => Promise.resolve(names.map((name) => ({ name, error: notApprovedMessage(name) }))),
};

/** A call on its way through the runtime: its job for a worker, and who waits for the outcome. */
interface Call {
  readonly serverId: string;
  readonly job: WorkerJob;
  readonly started: number;
  readonly resolve: (o: ExecutionOutcome) => void;
}

const elapsed = (since: number) => Math.round((performance.now() - since) * 100) / 100;

/**
 * The app side of the sandbox: the tool's code prepared once (CodeLoader), a scheduler that
 * decides which call runs when (CallScheduler: slots, queue, fair share), and the supervised
 * worker processes that run them (WorkerPool). Tool faults of any kind — limits, crashes of a
 * worker — come back as outcomes with `isError`; only a closed runtime or a full queue
 * rejects (SandboxUnavailableError).
 */
export class SandboxRuntime {
  private readonly loader = new CodeLoader();
  private readonly scheduler: CallScheduler<Call>;
  private readonly pool: WorkerPool;
  private closing = false;

  constructor(private readonly opts: SandboxRuntimeOptions) {
    this.scheduler = new CallScheduler({ maxConcurrency: opts.maxConcurrency, queueSize: opts.queueSize });
    this.pool = new WorkerPool({
      workers: opts.workers,
      memoryMb: opts.memoryMb,
      maxResultSize: opts.maxResultSize,
      onEvent: opts.onEvent,
      onReady: () => this.startQueued(),
    });
  }

  start(): Promise<void> {
    return this.pool.start();
  }

  /** Runs a call; `channel` links it to the MCP client that made it (mcp.* in tool code). */
  async execute(req: ExecutionRequest, channel?: CallChannel): Promise<ExecutionOutcome> {
    if (this.closing) throw new SandboxUnavailableError('The sandbox is shutting down');
    this.scheduler.admit(req.serverId);
    const started = performance.now();
    const prepared = await this.loader.prepare(req.code, req.language, req.codeHash);
    if (!prepared.ok) return failure(prepared.error, '', performance.now() - started);
    let modules: ModuleBinding[] = [];
    if (prepared.imports.length) {
      try {
        modules = await this.resolveModules(prepared.imports);
      } catch (err) {
        const why = err instanceof Error ? err.message : String(err);
        return failure(`The sandbox could not read the installed modules: ${why}`, '', performance.now() - started);
      }
    }
    const job: WorkerJob = {
      serverId: req.serverId,
      codeKey: prepared.codeKey,
      source: prepared.source,
      args: req.args,
      secrets: req.secrets,
      timeoutMs: req.timeoutMs,
      network: req.network,
      modules,
      channel,
    };
    return new Promise<ExecutionOutcome>((resolve, reject) => {
      const call: Call = { serverId: req.serverId, job, started, resolve };
      if (this.scheduler.mayStart(call.serverId) && this.pool.liveCount > 0) {
        this.scheduler.start(call);
        this.run(call);
        return;
      }
      if (this.closing) return reject(new SandboxUnavailableError('The sandbox is shutting down'));
      try {
        this.scheduler.enqueue(call);
      } catch (err) {
        reject(err as Error);
      }
    });
  }

  /**
   * The tool's imports as this call may load them, read per call (an approval or a revocation
   * counts from the next call on): refusals that hold whatever the admin allows, then the
   * resolver's answer for the package names.
   */
  private async resolveModules(specifiers: string[]): Promise<ModuleBinding[]> {
    const refused: ModuleBinding[] = [];
    const names: string[] = [];
    for (const spec of specifiers) {
      const why = unimportable(spec);
      if (why) refused.push({ name: spec, error: why });
      else names.push(spec);
    }
    const resolved = names.length ? await (this.opts.modules ?? NO_MODULES).resolve(names) : [];
    return [...refused, ...resolved];
  }

  evictServer(serverId: string): Promise<void> {
    return this.pool.evict(serverId);
  }

  serverMemoryBytes(serverId: string): Promise<number> {
    return this.pool.memoryBytes(serverId);
  }

  /** What each live worker process reports about itself (pid, memory, safety net). */
  workerInfo(): Promise<WorkerInfo[]> {
    return this.pool.info();
  }

  stats(): RuntimeStats {
    return {
      workers: this.pool.liveCount,
      inFlight: this.scheduler.inFlight,
      queued: this.scheduler.queued,
      maxConcurrency: this.opts.maxConcurrency,
      queueSize: this.opts.queueSize,
      workerRestarts: this.pool.restarts,
    };
  }

  /** Refuses new calls, fails the queued ones, lets running calls finish, then stops the workers. */
  async close(): Promise<void> {
    this.closing = true;
    for (const call of this.scheduler.drainQueue())
      call.resolve(failure('The sandbox shut down before the call could run', '', performance.now() - call.started));
    while (this.scheduler.inFlight > 0) await new Promise((r) => setTimeout(r, 20));
    await this.pool.close();
  }

  /** Runs a call the scheduler has counted as running; its slot is freed when it answers. */
  private run(call: Call): void {
    let outcome: Promise<ExecutionOutcome> | undefined;
    try {
      outcome = this.pool.run(call.job);
    } catch (err) {
      outcome = Promise.resolve(failure(`Sandbox failure: ${(err as Error).message}`, '', 0));
    }
    // The scheduler only starts calls while a worker is live; should none be, the call fails rather than hang.
    outcome ??= Promise.resolve(failure('No sandbox worker is available; try again shortly', '', 0));
    void outcome.then((o) => {
      this.scheduler.finished(call);
      call.resolve({ ...o, durationMs: elapsed(call.started) });
      this.startQueued();
    });
  }

  /** Starts queued calls in order while workers and slots allow (the scheduler passes over servers at their share). */
  private startQueued(): void {
    while (this.pool.liveCount > 0) {
      const call = this.scheduler.next();
      if (!call) return;
      this.run(call);
    }
  }
}

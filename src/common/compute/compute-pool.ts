import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { ComputeReply, ComputeRequest } from './compute-worker';

/**
 * CPU-heavy work on request input (parsing and analysing tool code, diffing versions) runs
 * here, in worker threads, never on the event loop: a slow input delays its own answer, not
 * /health or anyone else's request. Each job has a deadline; a worker that passes it is
 * terminated (V8 stops even a tight loop) and replaced, and the job fails with
 * ComputeTimeout, which its caller turns into a clear answer.
 */

/** A function a worker may run: a named export of a module the app names (never one a request names). */
export interface ComputeTask<A extends unknown[], R> {
  readonly file: string;
  readonly fn: string;
  /** Type carrier only. */
  readonly signature?: (...args: A) => R;
}

/** `computeTask(__filename, { myFunction })`: the export's name and types come from the function itself. */
export function computeTask<F extends (...args: never[]) => unknown>(
  file: string,
  named: Record<string, F>,
): ComputeTask<Parameters<F>, Awaited<ReturnType<F>>> {
  const [fn] = Object.keys(named);
  return { file, fn };
}

export class ComputeTimeout extends Error {
  constructor(readonly deadlineMs: number) {
    super(`the work did not finish within ${deadlineMs} ms`);
  }
}

/** Every worker busy and the queue full: the caller answers 503 (try again). */
export class ComputeBusy extends Error {
  constructor() {
    super('the server is busy with other CPU-heavy requests; try again in a moment');
  }
}

interface Job {
  request: Omit<ComputeRequest, 'id'>;
  deadlineMs: number;
  resolve: (value: unknown) => void;
  reject: (err: Error) => void;
}

const WORKER_FILE = join(__dirname, 'compute-worker.js');
/** Heap per worker: the largest input (a 100 KB tool, a 1 MiB body) needs far less; a runaway one ends its worker. */
const WORKER_HEAP_MB = 256;

export class ComputePool {
  private readonly idle: Worker[] = [];
  private readonly queue: Job[] = [];
  private busy = 0;
  private seq = 0;

  constructor(
    private readonly size: number,
    private readonly maxQueue: number,
  ) {}

  run<A extends unknown[], R>(task: ComputeTask<A, R>, args: A, opts: { deadlineMs: number }): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      const job: Job = {
        request: { file: task.file, fn: task.fn, args },
        deadlineMs: opts.deadlineMs,
        resolve: resolve as (value: unknown) => void,
        reject,
      };
      if (this.busy < this.size) this.start(job);
      else if (this.queue.length < this.maxQueue) this.queue.push(job);
      else reject(new ComputeBusy());
    });
  }

  /** Stops every worker (tests, shutdown); queued jobs fail. */
  async close(): Promise<void> {
    for (const job of this.queue.splice(0)) job.reject(new Error('the compute pool was closed'));
    await Promise.all(this.idle.splice(0).map((w) => w.terminate()));
  }

  private spawn(): Worker {
    const worker = new Worker(WORKER_FILE, { resourceLimits: { maxOldGenerationSizeMb: WORKER_HEAP_MB } });
    worker.unref();
    return worker;
  }

  private start(job: Job): void {
    this.busy++;
    const worker = this.idle.pop() ?? this.spawn();
    worker.ref();
    const id = ++this.seq;
    let settled = false;
    const settle = (reuse: boolean, outcome: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      worker.off('message', onMessage).off('error', onError).off('exit', onExit);
      if (reuse) {
        worker.unref();
        this.idle.push(worker);
      } else void worker.terminate();
      this.busy--;
      outcome();
      const next = this.queue.shift();
      if (next) this.start(next);
    };
    const onMessage = (reply: ComputeReply) => {
      if (reply.id !== id) return;
      settle(true, () => (reply.ok ? job.resolve(reply.value) : job.reject(new Error(reply.error))));
    };
    // A worker that died (out of memory, a crash) is not reused.
    const onError = (err: Error) => settle(false, () => job.reject(err));
    const onExit = () => settle(false, () => job.reject(new Error('the compute worker stopped')));
    const timer = setTimeout(() => settle(false, () => job.reject(new ComputeTimeout(job.deadlineMs))), job.deadlineMs);
    worker.on('message', onMessage).on('error', onError).on('exit', onExit);
    worker.postMessage({ id, ...job.request } satisfies ComputeRequest);
  }
}

let shared: ComputePool | undefined;

/** The process's pool: two workers or one per core (at most four), up to 100 jobs waiting. */
export function computePool(): ComputePool {
  shared ??= new ComputePool(Math.min(4, Math.max(2, availableParallelism())), 100);
  return shared;
}

export const runCompute = <A extends unknown[], R>(
  task: ComputeTask<A, R>,
  args: A,
  opts: { deadlineMs: number },
): Promise<R> => computePool().run(task, args, opts);

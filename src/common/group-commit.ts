/** How a group-commit queue batches its writes. */
export interface GroupCommitOptions<T> {
  /** Items per write at most. */
  batchSize: number;
  /**
   * Under sustained traffic a write starts at most this often: the items pushed in between
   * share one write (and one commit) instead of costing the caller a statement each.
   */
  minIntervalMs: number;
  /** Writes one batch; it should not throw (a rejection is treated as written and given up). */
  write: (batch: T[]) => Promise<void>;
}

/**
 * Group commit for write-behind logs: `push` costs the caller an array push; items pushed
 * in the same turn of the event loop, while a write is under way, or within `minIntervalMs`
 * of the last write share one `write`. After a quiet spell an item is written at once
 * (next turn). `drain()` (shutdown) resolves once every item pushed so far is written.
 */
export class GroupCommitQueue<T> {
  private pending: T[] = [];
  private flushing: Promise<void> | null = null;
  private scheduled = false;
  /** performance.now() when the last write started. */
  private lastWrite = Number.NEGATIVE_INFINITY;

  constructor(private readonly opts: GroupCommitOptions<T>) {}

  push(item: T): void {
    this.pending.push(item);
    this.schedule();
  }

  get size(): number {
    return this.pending.length;
  }

  /** Drops the oldest items beyond `max` (a bound for when writes cannot keep up); answers how many went. */
  trimTo(max: number): number {
    return this.pending.length > max ? this.pending.splice(0, this.pending.length - max).length : 0;
  }

  /** Resolves when every item pushed so far has been written (or given up). */
  async drain(): Promise<void> {
    while (this.pending.length || this.flushing) await (this.flushing ?? this.flush());
  }

  private schedule(): void {
    if (this.scheduled || this.flushing) return;
    this.scheduled = true;
    const run = () => {
      this.scheduled = false;
      void this.flush();
    };
    const wait = this.lastWrite + this.opts.minIntervalMs - performance.now();
    if (wait > 0) setTimeout(run, wait);
    else setImmediate(run);
  }

  /** Writes one batch (more while a backlog of full batches remains); what arrives meanwhile is scheduled after. */
  private flush(): Promise<void> {
    if (this.flushing) return this.flushing;
    if (!this.pending.length) return Promise.resolve();
    this.flushing = (async () => {
      do {
        this.lastWrite = performance.now();
        await this.opts.write(this.pending.splice(0, this.opts.batchSize)).catch(() => undefined);
      } while (this.pending.length >= this.opts.batchSize);
    })().finally(() => {
      this.flushing = null;
      if (this.pending.length) this.schedule();
    });
    return this.flushing;
  }
}

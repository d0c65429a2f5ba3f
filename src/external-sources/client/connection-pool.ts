import type { SourceConnection } from './source-connection';
import { SourceClosedError } from './source-errors';

export type Opener = (timeoutMs: number, signal?: AbortSignal) => Promise<SourceConnection>;

/**
 * Connections to one source for calls: up to `size` (2025 sessions; one stateless client
 * for a 2026-07-28 source), opened as calls overlap, the least busy handed out (round-robin
 * among equals). A dead one is dropped and replaced on the next call; an idle one is closed.
 */
export class ConnectionPool {
  private readonly conns: SourceConnection[] = [];
  private opening = 0;
  private turn = 0;
  private readonly sweeper: NodeJS.Timeout;
  private closed = false;

  constructor(
    private readonly open: Opener,
    readonly size: number,
    private readonly idleMs: number,
    private readonly onIdleClose: () => void,
  ) {
    this.sweeper = setInterval(() => this.sweep(), Math.max(50, Math.min(30_000, Math.floor(idleMs / 2))));
    this.sweeper.unref();
  }

  /** Live connections. */
  get count(): number {
    return this.conns.filter((c) => c.usable).length;
  }

  /** Takes over a connection opened elsewhere (the era probe); false when the pool is full. */
  adopt(conn: SourceConnection): boolean {
    if (this.closed || this.count + this.opening >= this.size) return false;
    this.conns.push(conn);
    return true;
  }

  /** A connection with one more call in flight on it; `release` it afterwards. */
  async acquire(timeoutMs: number, signal?: AbortSignal): Promise<SourceConnection> {
    this.dropDead();
    let best = this.leastBusy();
    if (!best || (best.inFlight > 0 && this.count + this.opening < this.size)) {
      this.opening++;
      try {
        const conn = await this.open(timeoutMs, signal);
        if (this.closed) {
          await conn.close();
          throw new SourceClosedError();
        }
        this.conns.push(conn);
        best = conn;
      } catch (error) {
        // A new session failed but a busy live one exists: share it rather than fail.
        best = this.leastBusy();
        if (!best) throw error;
      } finally {
        this.opening--;
      }
    }
    best.inFlight++;
    best.lastUsed = Date.now();
    return best;
  }

  release(conn: SourceConnection): void {
    conn.inFlight = Math.max(0, conn.inFlight - 1);
    conn.lastUsed = Date.now();
  }

  /** Removes a connection (dead, or forgotten by the source) and closes it. */
  discard(conn: SourceConnection): void {
    const i = this.conns.indexOf(conn);
    if (i >= 0) this.conns.splice(i, 1);
    void conn.close();
  }

  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.sweeper);
    const all = this.conns.splice(0);
    await Promise.all(all.map((c) => c.close()));
  }

  private leastBusy(): SourceConnection | undefined {
    const live = this.conns.filter((c) => c.usable);
    if (!live.length) return undefined;
    const min = Math.min(...live.map((c) => c.inFlight));
    const candidates = live.filter((c) => c.inFlight === min);
    return candidates[this.turn++ % candidates.length];
  }

  private dropDead(): void {
    for (const conn of [...this.conns]) if (!conn.usable && conn.inFlight === 0) this.discard(conn);
  }

  private sweep(): void {
    const cutoff = Date.now() - this.idleMs;
    for (const conn of [...this.conns]) {
      if (conn.inFlight === 0 && (conn.lastUsed < cutoff || !conn.usable)) {
        if (conn.usable) this.onIdleClose();
        this.discard(conn);
      }
    }
  }
}

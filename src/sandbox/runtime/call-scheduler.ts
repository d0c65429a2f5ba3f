import { DomainError } from '../../common/errors';

/** The runtime cannot take the call at all (closed, or the queue is full): `unavailable`, a 503. */
export class SandboxUnavailableError extends DomainError {
  constructor(message: string) {
    super('unavailable', message);
    this.name = 'SandboxUnavailableError';
  }
}

export interface SchedulerLimits {
  /** Calls running at once (SANDBOX_MAX_CONCURRENCY). */
  maxConcurrency: number;
  /** Calls waiting beyond that (SANDBOX_QUEUE_SIZE); beyond both, a call is refused at once. */
  queueSize: number;
}

/** What the scheduler knows of a call: the server it belongs to. */
export interface Schedulable {
  readonly serverId: string;
}

/** What one server may take of a pool of `n`: all but a quarter (rounded down, so a pool under 4 is not split). */
export function serverShare(n: number): number {
  return Math.max(1, n - Math.floor(n / 4));
}

/**
 * Which call runs when: the slots (SANDBOX_MAX_CONCURRENCY) and the queue in front of them
 * (SANDBOX_QUEUE_SIZE), first come first served, except that no server may hold more than
 * three quarters of the slots or of the queue — so one server's slow or stuck calls (up to
 * 300 s each) cannot starve or lock out the others. Pure decisions: it starts nothing itself;
 * the runtime asks it and starts what it answers (sandbox-runtime.ts).
 */
export class CallScheduler<C extends Schedulable> {
  private readonly queue: C[] = [];
  private running = 0;
  private readonly runningBy = new Map<string, number>();
  private readonly queuedBy = new Map<string, number>();
  /** Slots and queue places one server may hold. */
  readonly serverSlots: number;
  readonly serverQueue: number;

  constructor(private readonly limits: SchedulerLimits) {
    this.serverSlots = serverShare(limits.maxConcurrency);
    this.serverQueue = serverShare(limits.queueSize);
  }

  get inFlight(): number {
    return this.running;
  }

  get queued(): number {
    return this.queue.length;
  }

  /**
   * Checked before any work is done for a call (its code prepared): throws when the call could
   * neither run now nor wait.
   */
  admit(serverId: string): void {
    if (this.running >= this.limits.maxConcurrency && this.queue.length >= this.limits.queueSize)
      throw new SandboxUnavailableError(
        `The sandbox is busy: ${this.running} calls running and ${this.queue.length} queued (SANDBOX_QUEUE_SIZE); try again shortly`,
      );
    if (!this.hasSlot(serverId) && count(this.queuedBy, serverId) >= this.serverQueue) throw this.serverBusy(serverId);
  }

  /**
   * Whether a new call of this server may start at once: a slot is free for it, and no queued
   * call that could run is waiting (a new call never overtakes one; only calls of a server at
   * its share wait for it).
   */
  mayStart(serverId: string): boolean {
    return this.hasSlot(serverId) && !this.queue.some((c) => this.hasSlot(c.serverId));
  }

  /** Counts a call as running (the caller starts it now). */
  start(call: C): void {
    this.running++;
    bump(this.runningBy, call.serverId, 1);
  }

  /** Puts a call in the queue, or throws when the queue or the server's share of it is full. */
  enqueue(call: C): void {
    if (this.queue.length >= this.limits.queueSize)
      throw new SandboxUnavailableError(
        `The sandbox is busy: ${this.queue.length} calls queued (SANDBOX_QUEUE_SIZE); try again shortly`,
      );
    if (count(this.queuedBy, call.serverId) >= this.serverQueue) throw this.serverBusy(call.serverId);
    this.queue.push(call);
    bump(this.queuedBy, call.serverId, 1);
  }

  /**
   * The queued call to start next, counted as running: the first in order whose server has a
   * slot free (calls of a server at its share are passed over). Undefined when none may start.
   */
  next(): C | undefined {
    if (this.running >= this.limits.maxConcurrency) return undefined;
    const i = this.queue.findIndex((c) => this.hasSlot(c.serverId));
    if (i < 0) return undefined;
    const [call] = this.queue.splice(i, 1);
    bump(this.queuedBy, call.serverId, -1);
    this.start(call);
    return call;
  }

  /** A running call has ended: its slot is free. */
  finished(call: C): void {
    this.running--;
    bump(this.runningBy, call.serverId, -1);
  }

  /** Empties the queue (shutdown) and returns the calls that were waiting. */
  drainQueue(): C[] {
    this.queuedBy.clear();
    return this.queue.splice(0);
  }

  /** A free slot this server may take. */
  private hasSlot(serverId: string): boolean {
    return this.running < this.limits.maxConcurrency && count(this.runningBy, serverId) < this.serverSlots;
  }

  private serverBusy(serverId: string): SandboxUnavailableError {
    return new SandboxUnavailableError(
      `The sandbox is busy with this server's calls: ${count(this.runningBy, serverId)} running and ${count(this.queuedBy, serverId)} queued (its share of SANDBOX_MAX_CONCURRENCY and SANDBOX_QUEUE_SIZE); try again shortly`,
    );
  }
}

const count = (m: Map<string, number>, key: string) => m.get(key) ?? 0;

function bump(m: Map<string, number>, key: string, by: number): void {
  const n = (m.get(key) ?? 0) + by;
  if (n > 0) m.set(key, n);
  else m.delete(key);
}

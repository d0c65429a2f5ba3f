import { MAX_HTTP_RESPONSE_BYTES } from '../../common/limits';

/**
 * Bytes the worker process may hold on behalf of ONE call: request bodies waiting for a slot
 * or being sent, response bodies being read or waiting to be delivered into the isolate, and
 * the call's timers. The isolate's own heap is bounded by SANDBOX_MEMORY_MB; this bounds what
 * a call makes the host hold outside it (one 10 MiB request and one 10 MiB response fit).
 */
export const MAX_HOST_BYTES_PER_CALL = 32 * 1024 * 1024;
/** Timers one call may have pending in the host. */
export const MAX_TIMERS_PER_CALL = 1000;
/** What the host counts for one pending timer (its entry, closure and libuv handle). */
export const TIMER_BYTES = 256;

const mib = (n: number) => (n / (1024 * 1024)).toFixed(1).replace(/\.0$/, '');

/** The call asked the host to hold more than its budget: the tool sees the message. */
export class HostBudgetError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'HostBudgetError';
  }
}

/** What one piece of work (a request and its response) holds; released once, whatever happens. */
export interface HostHold {
  /** Adds `n` bytes to this hold, or throws HostBudgetError (nothing added). */
  take(n: number): void;
  readonly bytes: number;
  /** Gives back everything this hold took. */
  release(): void;
}

/** The host-side budget of one call (see MAX_HOST_BYTES_PER_CALL). */
export class HostBudget {
  private held = 0;
  private timerCount = 0;

  constructor(
    readonly maxBytes = MAX_HOST_BYTES_PER_CALL,
    readonly maxTimers = MAX_TIMERS_PER_CALL,
  ) {}

  /** Bytes held now. */
  get bytes(): number {
    return this.held;
  }

  get timers(): number {
    return this.timerCount;
  }

  /** A new, empty hold on this budget. */
  hold(): HostHold {
    let bytes = 0;
    let released = false;
    return {
      take: (n: number) => {
        if (released) throw new HostBudgetError('the request has ended');
        this.take(n);
        bytes += n;
      },
      get bytes() {
        return bytes;
      },
      release: () => {
        if (released) return;
        released = true;
        this.held -= bytes;
        bytes = 0;
      },
    };
  }

  /** Counts a pending timer in, or throws HostBudgetError. */
  takeTimer(): void {
    if (this.timerCount >= this.maxTimers)
      throw new HostBudgetError(`too many pending timers (at most ${this.maxTimers} per call)`);
    this.take(TIMER_BYTES);
    this.timerCount++;
  }

  giveTimer(): void {
    if (this.timerCount <= 0) return;
    this.timerCount--;
    this.held -= TIMER_BYTES;
  }

  private take(n: number): void {
    if (!(n >= 0)) throw new HostBudgetError('invalid size');
    if (this.held + n > this.maxBytes)
      throw new HostBudgetError(
        `this call holds ${mib(this.held)} MiB of request/response data in the host and needs ${mib(n)} MiB more ` +
          `(limit ${mib(this.maxBytes)} MiB); wait for earlier requests to finish`,
      );
    this.held += n;
  }
}

/** A request body may not be larger than a response body. */
export const MAX_REQUEST_BODY_BYTES = MAX_HTTP_RESPONSE_BYTES;

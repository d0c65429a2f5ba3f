import type { Ops } from './ops';

interface Timer {
  id: number;
  fn: (...args: unknown[]) => unknown;
  args: unknown[];
  ms: number;
  repeat: boolean;
  /** The host's op id of the current wait. */
  op: number;
}

/** Timers one call may have pending (the host counts them too: host-budget.ts). */
const MAX_TIMERS = 1000;

/**
 * setTimeout/setInterval/clearTimeout/clearInterval and queueMicrotask: each wait is a
 * `sleep` op of the host; an error thrown by a callback is written to stdout.
 */
export function timerGlobals(ops: Ops, reportError: (args: unknown[]) => void) {
  let live = 0;
  let nextId = 1;
  const timers: Record<number, Timer> = Object.create(null) as Record<number, Timer>;

  function arm(t: Timer): void {
    t.op = ops.start(
      'sleep',
      [t.ms],
      () => {
        if (!timers[t.id]) return;
        let rearmed = false;
        if (t.repeat) {
          try {
            arm(t);
            rearmed = true;
          } catch (e) {
            reportError(['An interval stopped: the host refused its next wait:', e]);
          }
        }
        if (!rearmed) {
          delete timers[t.id];
          live--;
        }
        try {
          t.fn.apply(undefined, t.args);
        } catch (e) {
          reportError(['Uncaught error in a timer callback:', e]);
        }
      },
      () => undefined,
    );
  }
  function add(fn: unknown, ms: unknown, args: unknown[], repeat: boolean): number {
    if (typeof fn !== 'function') throw new TypeError('the timer callback must be a function');
    if (live >= MAX_TIMERS) throw new Error(`too many pending timers (at most ${MAX_TIMERS} per call)`);
    const t: Timer = {
      id: nextId++,
      fn: fn as Timer['fn'],
      args,
      ms: Math.max(repeat ? 1 : 0, Number(ms) || 0),
      repeat,
      op: 0,
    };
    timers[t.id] = t;
    live++;
    arm(t);
    return t.id;
  }
  function clear(id: unknown): void {
    const t = timers[id as number];
    if (!t) return;
    delete timers[t.id];
    live--;
    ops.cancel(t.op);
  }
  return {
    setTimeout: (fn: unknown, ms?: unknown, ...args: unknown[]) => add(fn, ms, args, false),
    setInterval: (fn: unknown, ms?: unknown, ...args: unknown[]) => add(fn, ms, args, true),
    clearTimeout: clear,
    clearInterval: clear,
    queueMicrotask: (fn: unknown) => {
      if (typeof fn !== 'function') throw new TypeError('queueMicrotask needs a function');
      void Promise.resolve().then(() => (fn as () => unknown)());
    },
  };
}

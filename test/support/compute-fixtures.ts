/** Functions for compute-pool tests to run in a worker thread. */

/** Keeps the CPU busy (no awaits: only terminating the thread stops it early). */
export function spin(ms: number): number {
  const until = Date.now() + ms;
  let n = 0;
  while (Date.now() < until) n++;
  return n;
}

export function echo<T>(value: T): T {
  return value;
}

export function fail(message: string): never {
  throw new Error(message);
}

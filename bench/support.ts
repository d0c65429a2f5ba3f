/**
 * Measuring helpers of the benchmarks: closed-loop callers, latency percentiles and the
 * CPU time of this process, of the sandbox worker processes and of the database backends.
 */
import { readdirSync, readFileSync } from 'node:fs';

export type Call = (i: number) => Promise<void>;

export interface Result {
  p50: number;
  p99: number;
  perSecond: number;
}

/** Latencies and wall time accumulated over the rounds of one row. */
export interface Sample {
  latencies: number[];
  elapsed: number;
  calls: number;
  cpu: CpuTotals;
}

export interface CpuTotals {
  self: number;
  /** Per worker process, by pid. */
  workers: Map<number, number>;
  db: number;
}

export const emptySample = (): Sample => ({
  latencies: [],
  elapsed: 0,
  calls: 0,
  cpu: { self: 0, workers: new Map(), db: 0 },
});

/** `callers` concurrent loops, each awaiting one call before it starts the next, until `total` calls are made. */
export async function sample(callers: number, total: number, call: Call, into: Sample): Promise<void> {
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: callers }, async () => {
      while (next < total) {
        const i = next++;
        const t = performance.now();
        await call(i);
        into.latencies.push(performance.now() - t);
      }
    }),
  );
  into.elapsed += performance.now() - started;
  into.calls += total;
}

export function summarise(s: Sample): Result {
  const sorted = [...s.latencies].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
  return { p50: at(0.5), p99: at(0.99), perSecond: (s.calls / s.elapsed) * 1000 };
}

// ── CPU (Linux /proc; elsewhere the figures stay at zero) ────────────────────────────

const TICKS_PER_SECOND = 100;

/** user + system CPU seconds of a process, or undefined when it is gone or not visible. */
function procCpu(pid: number): { ppid: number; cpu: number } | undefined {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return { ppid: Number(fields[1]), cpu: (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND };
  } catch {
    return undefined;
  }
}

/** Child processes of this one running the sandbox worker entry (the embedded postmaster is a child too). */
export function workerPids(): number[] {
  try {
    return readdirSync('/proc')
      .filter((d) => /^\d+$/.test(d))
      .map(Number)
      .filter((pid) => {
        if (procCpu(pid)?.ppid !== process.pid) return false;
        try {
          return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('sandbox-worker');
        } catch {
          return false;
        }
      });
  } catch {
    return [];
  }
}

export interface CpuSnapshot {
  self: number;
  workers: Map<number, number>;
  db: number;
}

/** CPU seconds so far of this process, of each worker and of the given database backends (0 when not on this machine). */
export function cpuSnapshot(workers: number[], dbBackends: number[]): CpuSnapshot {
  const u = process.cpuUsage();
  const byWorker = new Map<number, number>();
  for (const pid of workers) byWorker.set(pid, procCpu(pid)?.cpu ?? 0);
  const db = dbBackends.reduce((sum, pid) => sum + (procCpu(pid)?.cpu ?? 0), 0);
  return { self: (u.user + u.system) / 1e6, workers: byWorker, db };
}

export function addCpu(into: CpuTotals, before: CpuSnapshot, after: CpuSnapshot): void {
  into.self += after.self - before.self;
  for (const [pid, cpu] of after.workers)
    into.workers.set(pid, (into.workers.get(pid) ?? 0) + cpu - (before.workers.get(pid) ?? cpu));
  into.db += Math.max(0, after.db - before.db);
}

/** CPU seconds of the row's own processes per second of its wall time. */
export function coresBusy(s: Sample): number {
  const workers = [...s.cpu.workers.values()].reduce((a, b) => a + b, 0);
  return (s.cpu.self + workers + s.cpu.db) / (s.elapsed / 1000);
}

export function describeCpu(s: Sample): string {
  const busy = [...s.cpu.workers.values()].filter((c) => c > 0.05);
  const parts = [`app ${s.cpu.self.toFixed(2)} s`];
  if (busy.length) parts.push(`workers ${busy.map((c) => c.toFixed(2)).join(' + ')} s`);
  if (s.cpu.db > 0) parts.push(`db ${s.cpu.db.toFixed(2)} s`);
  return `${parts.join(' + ')} CPU in ${(s.elapsed / 1000).toFixed(2)} s = ${coresBusy(s).toFixed(2)} cores busy`;
}

// ── table ────────────────────────────────────────────────────────────────────────────

export const ms = (n: number) => `${n.toFixed(3)} ms`;
export const perSec = (n: number) => n.toFixed(0);
export const ratio = (n: number) => `${n.toFixed(2)}x`;

/** A plain text table: the first row is the header, columns padded to their widest cell. */
export function table(rows: string[][]): string {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  const line = (r: string[]) =>
    r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join(' | ');
  return [line(rows[0]), widths.map((w) => '-'.repeat(w)).join('-|-'), ...rows.slice(1).map(line)].join('\n');
}

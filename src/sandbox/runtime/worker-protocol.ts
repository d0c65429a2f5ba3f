/**
 * Messages between the app-side pool (sandbox-runtime.ts) and a sandbox worker process
 * (sandbox-worker.ts). Plain data only: it crosses a process boundary.
 */
import type { ExecutionOutcome, NetworkRules, RuntimeEvent } from './contract';

export interface WorkerOptions {
  memoryMb: number;
  maxResultSize: number;
}

export interface ExecMessage {
  t: 'exec';
  id: number;
  serverId: string;
  /** Cache key of the prepared code (per server in the worker). */
  codeKey: string;
  /** The prepared script source; sent only when the worker is not known to hold `codeKey`. */
  source?: string;
  /** JSON of the call's arguments. */
  args: string;
  secrets: Record<string, string>;
  timeoutMs: number;
  network: NetworkRules;
}

/** What a worker process reports about itself (health, tests). */
export interface WorkerInfo {
  pid: number;
  /** Resident set size now, and its peak over the worker's life (bytes). */
  rss: number;
  maxRss: number;
  /** True when the test processes' loopback-only safety net is loaded in this worker. */
  safetyNet: boolean;
  /** Compiled tool scripts held by the worker's isolates. */
  scripts: number;
}

export type ToWorker =
  | ExecMessage
  | { t: 'evict'; id: number; serverId: string }
  | { t: 'memory'; id: number; serverId: string }
  | { t: 'info'; id: number }
  | { t: 'shutdown' };

export type FromWorker =
  | { t: 'ready'; pid: number }
  | { t: 'result'; id: number; outcome: ExecutionOutcome }
  /** The worker no longer holds the code of `id` (dropped from its cache): send it again. */
  | { t: 'need-code'; id: number }
  | { t: 'done'; id: number; bytes?: number; info?: WorkerInfo }
  | { t: 'event'; event: RuntimeEvent };

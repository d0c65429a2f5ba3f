/**
 * Messages between the app-side pool (sandbox-runtime.ts) and a sandbox worker process
 * (sandbox-worker.ts). Plain data only: it crosses a process boundary.
 */
import type { ExecutionOutcome, InterruptReason, McpNote, McpQuestion, NetworkRules, RuntimeEvent } from './contract';

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
  /** The call has an MCP client (a channel in the app): its mcp.* notes and questions go there. */
  mcp: boolean;
  /** The modules the code imports: an installed bundle by sha256, or the message its import fails with. */
  modules: { name: string; sha256?: string; error?: string }[];
  /** Bundle sources by sha256, for the bundles the worker is not known to hold. */
  moduleSources?: Record<string, string>;
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
  /** Compiled module bundle scripts held by the worker's isolates. */
  moduleScripts: number;
}

export type ToWorker =
  | ExecMessage
  | { t: 'evict'; id: number; serverId: string }
  | { t: 'memory'; id: number; serverId: string }
  | { t: 'info'; id: number }
  /** The client's answer to question `qid` of call `id` (or why there is none). */
  | { t: 'mcp-answer'; id: number; qid: number; ok: boolean; value: unknown }
  /** Stop call `id`: its channel answers it otherwise (input_required, 2026-07-28), or its client cancelled it. */
  | { t: 'interrupt'; id: number; reason: InterruptReason }
  | { t: 'shutdown' };

export type FromWorker =
  | { t: 'ready'; pid: number }
  | { t: 'result'; id: number; outcome: ExecutionOutcome }
  /** The worker no longer holds the code of `id`, or one of its module bundles (dropped from its cache): send them again. */
  | { t: 'need-code'; id: number }
  | { t: 'done'; id: number; bytes?: number; info?: WorkerInfo }
  | { t: 'event'; event: RuntimeEvent }
  | { t: 'mcp-note'; id: number; note: McpNote }
  | { t: 'mcp-ask'; id: number; qid: number; question: McpQuestion };

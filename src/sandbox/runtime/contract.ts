/**
 * The contract between the sandbox service (app process) and the sandbox runtime (worker
 * processes running isolated-vm). Everything here crosses a process boundary, so it is
 * plain JSON-serialisable data.
 */
import type { NetworkRules } from '../../guarded-http/network-rules';
import type { McpNote, McpQuestion } from './isolate/bridge';

export type { McpNote, McpQuestion } from './isolate/bridge';

/** The outbound rules of a call are the guarded HTTP client's (src/guarded-http). */
export type { NetworkPolicy, NetworkRules } from '../../guarded-http/network-rules';

export interface ExecutionRequest {
  serverId: string;
  toolId: string;
  toolName: string;
  /** Tool source as stored (an ES module exporting `main`). */
  code: string;
  language: 'javascript' | 'typescript';
  /** Cache key of the compiled code: sha256 of language + code. */
  codeHash: string;
  args: Record<string, unknown>;
  /** This server's secrets (placeholders without a value are left out). */
  secrets: Record<string, string>;
  /** Wall-clock limit for the whole call, module top-level code included (≤ 300 000). */
  timeoutMs: number;
  network: NetworkRules;
}

/**
 * A module a call imports, as the host resolved it before the call: the approved, installed
 * bundle (bundle-contract.ts) by its sha256, or the message its import fails with.
 */
export type ModuleBinding = { name: string; sha256: string; source: string } | { name: string; error: string };

/**
 * Where the runtime learns, per call, what the tool's imports may load: the allowed list
 * and the module store (SandboxModules in the app). Given package names only (a Node
 * built-in, a path or a subpath is refused before it is asked).
 */
export interface ModuleResolver {
  resolve(names: string[]): Promise<ModuleBinding[]>;
}

export type McpContentBlock =
  | { type: 'text'; text: string }
  | { type: 'image'; data: string; mimeType: string }
  | { type: 'audio'; data: string; mimeType: string }
  | { type: 'resource'; resource: Record<string, unknown> }
  | { type: 'resource_link'; uri: string; name: string; [k: string]: unknown };

export interface ExecutionOutcome {
  /** False when main threw, a limit was hit, or the sandbox failed. */
  success: boolean;
  /** The MCP result of the call (docs/sandbox.md#results); `isError` with the message on failure. */
  content: McpContentBlock[];
  structuredContent?: Record<string, unknown>;
  isError: boolean;
  /** What `main` returned, as JSON (absent on failure). */
  value?: unknown;
  /** The error message only — never a host stack trace. */
  error?: string;
  /** Captured console output (≤ 1 MiB, truncated with a notice). */
  stdout: string;
  durationMs: number;
  /** True when the result was cut to SANDBOX_MAX_RESULT_SIZE. */
  truncated?: boolean;
  /** True when the call was stopped by its channel (to ask the client, 2026-07-28): no result. */
  interrupted?: boolean;
}

/**
 * How a running call reaches the MCP client that made it (the gateway builds one per
 * tools/call): notes (progress, logs) go out when the request allows them, questions are
 * answered by the client — or, in the 2026-07-28 era, end the call (`interrupt`) so that it
 * answers `input_required` and runs again with the answers.
 */
export interface CallChannel {
  note(note: McpNote): void;
  ask(question: McpQuestion): Promise<unknown>;
  /**
   * Called by the runtime when the call starts: how the channel stops it, to ask its client
   * (2026-07-28) or because the client cancelled the call.
   */
  attach(interrupt: (reason: InterruptReason) => void): void;
}

/** Why a call is stopped before it ends: it asked its client (2026-07-28), or the client cancelled it. */
export type InterruptReason = 'ask' | 'cancel';

/** What passed between a call and its MCP client, for the execution log (redacted there). */
export interface McpInteractions {
  progress: number;
  logs: number;
  questions: { key: string; kind: McpQuestion['kind']; params: unknown; answer?: unknown; error?: string }[];
}

export interface RuntimeStats {
  workers: number;
  inFlight: number;
  queued: number;
  maxConcurrency: number;
  queueSize: number;
  workerRestarts: number;
}

/** Emitted by the runtime for the activity log (a worker died and was replaced, ...). */
export interface RuntimeEvent {
  level: 'info' | 'warning' | 'error';
  message: string;
  details?: Record<string, unknown>;
}

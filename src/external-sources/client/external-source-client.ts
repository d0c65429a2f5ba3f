import {
  SdkError,
  SdkErrorCode,
  type CallToolResult,
  type Implementation,
  type PriorDiscovery,
  type ServerCapabilities,
  type Tool,
} from '@modelcontextprotocol/client';
import { ConnectionPool } from './connection-pool';
import { classifyFailure, type Failure } from './failures';
import { openConnection, type ConnectMode, type SourceConnection } from './source-connection';
import { failureToError, type FailureContext } from './failure-errors';
import { describeSource, ExternalSourceError, SourceClosedError, SourceProtocolError } from './source-errors';
import {
  authSecrets,
  normalizeOptions,
  type ExternalSourceClientOptions,
  type NormalizedOptions,
  type SourceTransport,
} from './source-options';
import { ToolsChangedWatcher } from './tools-watcher';

export type ProtocolEraName = 'modern' | 'legacy';

/** What discover() found: the source's tools as received, and who it is. */
export interface DiscoveredSource {
  era: ProtocolEraName;
  protocolVersion: string;
  transport: SourceTransport;
  serverInfo: Implementation | null;
  instructions: string | null;
  capabilities: ServerCapabilities;
  /** Definitions exactly as the source sent them (name, title, description, schemas, annotations, …). */
  tools: Tool[];
  discoveredAt: Date;
}

export interface SourceCallOptions {
  /** The whole call, connecting included. Default: the client's callTimeoutMs. */
  timeoutMs?: number;
  signal?: AbortSignal;
  /** The tool's definition when the caller has it (e.g. from the discovery cache); used for 2026 header mirroring. */
  definition?: Tool;
  /** The source's progress notifications for this call (the request then carries a progress token). */
  onprogress?: (progress: { progress: number; total?: number; message?: string }) => void;
}

/**
 * A client for one external MCP source (docs/architecture.md#external-sources): discovers its tools and forwards calls,
 * speaking 2026-07-28 where the source does (one stateless client sharing the negotiated
 * `server/discover` result) and otherwise 2025-era sessions (Streamable HTTP or SSE) from a
 * small pool. Every byte goes through the injected fetch. Failures are ExternalSourceErrors.
 */
export class ExternalSourceClient {
  private readonly o: NormalizedOptions;
  private verdict?: { prior: PriorDiscovery; at: number };
  private pool?: ConnectionPool;
  private poolEra?: ProtocolEraName;
  private negotiation?: Promise<void>;
  private readonly definitions = new Map<string, Tool>();
  private readonly listeners = new Set<() => void>();
  private watcher?: ToolsChangedWatcher;
  private closed = false;

  constructor(options: ExternalSourceClientOptions) {
    this.o = normalizeOptions(options);
  }

  /** The source as messages name it (no credentials, no query). */
  get label(): string {
    return describeSource(this.o.url);
  }

  /** The era negotiated last, if any. */
  get era(): ProtocolEraName | undefined {
    return this.verdict ? (this.verdict.prior.kind === 'modern' ? 'modern' : 'legacy') : undefined;
  }

  /** Connections currently open for calls (for status pages and tests). */
  get openConnections(): number {
    return this.pool?.count ?? 0;
  }

  /**
   * Connects afresh (probing the era again) and lists the source's tools, following
   * `nextCursor` up to maxDiscoverPages pages.
   */
  async discover(opts: { timeoutMs?: number; signal?: AbortSignal } = {}): Promise<DiscoveredSource> {
    this.assertOpen();
    const timeoutMs = opts.timeoutMs ?? this.o.callTimeoutMs;
    const conn = await this.negotiate(Math.min(this.o.connectTimeoutMs, timeoutMs), opts.signal);
    try {
      const listed = await conn.client.listTools(undefined, {
        cacheMode: 'bypass',
        timeout: timeoutMs,
        signal: opts.signal,
      });
      const tools = listed.tools;
      this.definitions.clear();
      for (const tool of tools) this.definitions.set(tool.name, tool);
      const discover = conn.client.getDiscoverResult();
      const result: DiscoveredSource = {
        era: conn.era,
        protocolVersion: conn.protocolVersion,
        transport: this.o.transport,
        serverInfo: conn.client.getServerVersion() ?? null,
        instructions: conn.client.getInstructions() ?? null,
        capabilities: conn.client.getServerCapabilities() ?? discover?.capabilities ?? {},
        tools,
        discoveredAt: new Date(),
      };
      if (!this.adopt(conn)) await conn.close();
      return result;
    } catch (error) {
      await conn.close();
      if (error instanceof SdkError && error.code === SdkErrorCode.ListPaginationExceeded)
        throw new SourceProtocolError(
          `The external MCP source at ${this.label} lists its tools on more than ${this.o.maxDiscoverPages} pages; MCPBox stopped there.`,
          -32603,
        );
      throw this.toError(this.classify(error, conn, opts.signal), { phase: 'discover', timeoutMs, mayHaveRun: false });
    }
  }

  /**
   * Forwards `tools/call` and returns the source's result unchanged (content of every type,
   * `isError`, `structuredContent`, `_meta`). A session the source forgot is replaced and the
   * call sent once more (it cannot have run); a call that may have reached the source is
   * never repeated.
   */
  async call(name: string, args: Record<string, unknown> = {}, opts: SourceCallOptions = {}): Promise<CallToolResult> {
    this.assertOpen();
    const timeoutMs = opts.timeoutMs ?? this.o.callTimeoutMs;
    const deadline = Date.now() + timeoutMs;
    const remaining = () => deadline - Date.now();
    const ctx = (mayHaveRun: boolean): FailureContext => ({ phase: 'call', tool: name, timeoutMs, mayHaveRun });
    const definition = opts.definition ?? this.definitions.get(name);
    // Output validation is the end client's business; without outputSchema the SDK skips it.
    const toolDefinition: Tool = definition
      ? { ...definition, outputSchema: undefined }
      : { name, inputSchema: { type: 'object' } };
    for (let attempt = 1; ; attempt++) {
      let pool: ConnectionPool;
      let conn: SourceConnection;
      try {
        pool = await this.ready(Math.min(this.o.connectTimeoutMs, Math.max(1, remaining())), opts.signal);
        conn = await pool.acquire(Math.min(this.o.connectTimeoutMs, Math.max(1, remaining())), opts.signal);
      } catch (error) {
        throw this.toError(this.classify(error, undefined, opts.signal), ctx(false));
      }
      try {
        if (remaining() <= 0) throw new SdkError(SdkErrorCode.RequestTimeout, 'Request timed out');
        return await conn.client.callTool(
          { name, arguments: args },
          { timeout: remaining(), signal: opts.signal, toolDefinition, onprogress: opts.onprogress },
        );
      } catch (error) {
        const f = this.classify(error, conn, opts.signal);
        const retry = this.afterCallFailure(f, conn, pool);
        if (retry && attempt === 1 && remaining() > 0) continue;
        // Sent, and not refused before running: the call may have run (a timeout, a cancellation, a broken connection, a 5xx).
        const mayHaveRun = ['timeout', 'aborted', 'connection_lost', 'http', 'other'].includes(f.kind);
        throw this.toError(f, ctx(mayHaveRun));
      } finally {
        pool.release(conn);
      }
    }
  }

  /**
   * Calls `callback` (debounced) when the source announces that its tools changed, so the
   * caller can discover again. Holds one notification stream while any callback is
   * registered. Returns the unsubscribe function.
   */
  onToolsChanged(callback: () => void): () => void {
    this.assertOpen();
    this.listeners.add(callback);
    if (!this.watcher) {
      this.watcher = new ToolsChangedWatcher({
        open: async (signal) => {
          await this.ready(this.o.connectTimeoutMs, signal);
          return openConnection(this.o, this.verdict?.prior ?? { kind: 'negotiate' }, {
            purpose: 'watch',
            timeoutMs: this.o.connectTimeoutMs,
            signal,
          });
        },
        timeoutMs: this.o.connectTimeoutMs,
        debounceMs: this.o.listChangedDebounceMs,
        retryMinMs: this.o.watchRetryMinMs,
        retryMaxMs: this.o.watchRetryMaxMs,
        onChange: () => {
          for (const listener of [...this.listeners]) listener();
        },
        onEvent: this.o.onEvent,
        describe: (error) =>
          this.toError(this.classify(error, undefined, undefined), {
            phase: 'connect',
            timeoutMs: this.o.connectTimeoutMs,
            mayHaveRun: false,
          }).message,
      });
      this.watcher.start();
    }
    return () => {
      this.listeners.delete(callback);
      if (!this.listeners.size && this.watcher) {
        const watcher = this.watcher;
        this.watcher = undefined;
        void watcher.stop();
      }
    };
  }

  /** Whether the source announces tool changes (false once it said it does not). */
  get announcesToolChanges(): boolean {
    return this.watcher?.supported ?? true;
  }

  /** Closes every connection and the watcher; later use throws SourceClosedError. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.listeners.clear();
    const watcher = this.watcher;
    this.watcher = undefined;
    const pool = this.pool;
    this.pool = undefined;
    await Promise.all([watcher?.stop(), pool?.close()]);
  }

  // ---- internals -----------------------------------------------------------------------

  private assertOpen(): void {
    if (this.closed) throw new SourceClosedError();
  }

  /** Opens a connection probing the era, and records the verdict (replacing the pool when the era changed). */
  private async negotiate(timeoutMs: number, signal?: AbortSignal): Promise<SourceConnection> {
    let conn: SourceConnection;
    try {
      conn = await openConnection(this.o, { kind: 'negotiate' }, { purpose: 'call', timeoutMs, signal });
    } catch (error) {
      throw this.toError(this.classify(error, undefined, signal), { phase: 'connect', timeoutMs, mayHaveRun: false });
    }
    if (this.closed) {
      await conn.close();
      throw new SourceClosedError();
    }
    const discover = conn.client.getDiscoverResult();
    const prior: PriorDiscovery = conn.era === 'modern' && discover ? { kind: 'modern', discover } : { kind: 'legacy' };
    const era: ProtocolEraName = prior.kind;
    if (this.pool && this.poolEra !== era) {
      this.o.onEvent({ type: 'era_changed', from: this.poolEra ?? era, to: era });
      const old = this.pool;
      this.pool = undefined;
      this.o.onEvent({ type: 'session_closed', reason: 'era_changed' });
      void old.close();
    }
    this.verdict = { prior, at: Date.now() };
    this.o.onEvent({
      type: 'connected',
      era,
      protocolVersion: conn.protocolVersion,
      session: conn.hasSession,
      purpose: 'call',
    });
    return conn;
  }

  private adopt(conn: SourceConnection): boolean {
    return !this.closed && this.ensurePool().adopt(conn);
  }

  private ensurePool(): ConnectionPool {
    if (!this.verdict) throw new Error('no era verdict');
    if (!this.pool) {
      const prior = this.verdict.prior;
      this.poolEra = prior.kind;
      this.pool = new ConnectionPool(
        async (timeoutMs, signal) => {
          const conn = await openConnection(this.o, prior as ConnectMode, { purpose: 'call', timeoutMs, signal });
          this.o.onEvent({
            type: 'connected',
            era: conn.era,
            protocolVersion: conn.protocolVersion,
            session: conn.hasSession,
            purpose: 'call',
          });
          return conn;
        },
        // A 2026-07-28 client is stateless and multiplexes: one is enough.
        prior.kind === 'modern' ? 1 : this.o.poolSize,
        this.o.idleMs,
        () => this.o.onEvent({ type: 'session_closed', reason: 'idle' }),
      );
    }
    return this.pool;
  }

  /** The pool, after probing the era when none is known (or it is stale and nothing is open). */
  private async ready(timeoutMs: number, signal?: AbortSignal): Promise<ConnectionPool> {
    this.assertOpen();
    const stale = this.verdict && Date.now() - this.verdict.at > this.o.verdictTtlMs && !this.pool?.count;
    if (!this.verdict || stale) {
      this.negotiation ??= (async () => {
        const conn = await this.negotiate(timeoutMs);
        if (!this.adopt(conn)) await conn.close();
      })().finally(() => {
        this.negotiation = undefined;
      });
      await raceAbort(this.negotiation, signal);
    }
    return this.ensurePool();
  }

  /** Drops a connection that cannot serve again; says whether the failed call may be sent once more. */
  private afterCallFailure(f: Failure, conn: SourceConnection, pool: ConnectionPool): boolean {
    switch (f.kind) {
      case 'session_expired':
        pool.discard(conn);
        this.o.onEvent({ type: 'session_replaced', reason: 'session_expired' });
        return true;
      case 'not_sent':
        pool.discard(conn);
        this.o.onEvent({ type: 'session_replaced', reason: 'not_sent' });
        return true;
      case 'connection_lost':
        pool.discard(conn);
        this.o.onEvent({ type: 'session_replaced', reason: 'connection_lost' });
        return false;
      case 'era_mismatch':
        // The source stopped speaking 2026-07-28 (and refused the request unrun): probe again.
        this.verdict = undefined;
        return true;
      case 'http':
        if (f.status === 400 && conn.era === 'modern') {
          this.verdict = undefined;
          return true;
        }
        // A session the source no longer knows is a 404 by the spec, but many 2025 servers answer
        // it with 400 (the SDK 1 examples, and so the reference server-everything, after a
        // restart). Refused unrun either way: without a new session every later call would fail.
        if (f.status === 400 && conn.hasSession) {
          pool.discard(conn);
          this.o.onEvent({ type: 'session_replaced', reason: 'session_refused' });
          return true;
        }
        return false;
      default:
        return false;
    }
  }

  private classify(error: unknown, conn: SourceConnection | undefined, signal?: AbortSignal): Failure {
    return classifyFailure(error, { signal, hadSession: conn?.hasSession ?? false, sessionGone: conn?.sessionGone });
  }

  private toError(f: Failure, ctx: FailureContext): ExternalSourceError {
    return failureToError(f, ctx, { label: this.label, authType: this.o.auth.type, secrets: authSecrets(this.o.auth) });
  }
}

function raceAbort<T>(promise: Promise<T>, signal?: AbortSignal): Promise<T> {
  if (!signal) return promise;
  if (signal.aborted) return Promise.reject(new SdkError(SdkErrorCode.RequestTimeout, 'aborted'));
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(new SdkError(SdkErrorCode.RequestTimeout, 'aborted'));
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e) => {
        signal.removeEventListener('abort', onAbort);
        reject(e);
      },
    );
  });
}

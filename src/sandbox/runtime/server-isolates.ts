import ivm from 'isolated-vm';
import { moduleScriptSource, toolScriptSource } from './isolate-script';
import { LruCache } from './lru-cache';

/** Prepared sources a worker keeps per server; beyond this the least recently used is dropped (and re-sent on demand). */
const MAX_SOURCES_PER_SERVER = 256;
/** Compiled tool scripts an isolate keeps (each holds the bootstrap and the tool); beyond this the least recently used is dropped. */
export const MAX_SCRIPTS_PER_ISOLATE = 64;
/** Compiled module bundles an isolate keeps, by sha256; beyond this the least recently used is dropped. */
export const MAX_MODULE_SCRIPTS_PER_ISOLATE = 32;
/** Module bundle sources a worker keeps, by sha256 (the pool sends one again when the worker dropped it). */
const MAX_BUNDLE_SOURCES = 32;

/**
 * One server's isolate in this worker: its own heap (SANDBOX_MEMORY_MB), each tool's script
 * (bootstrap + module) compiled ONCE into it, and a count of calls running in it. Calls never
 * share a context, but they share this isolate — which is why it holds only one server.
 */
export class ServerIsolate {
  readonly isolate: ivm.Isolate;
  inFlight = 0;
  /** Set after a call overran a limit: no new calls; disposed when the last one ends. */
  retired = false;
  private readonly scripts = new LruCache<string, Promise<ivm.Script>>(MAX_SCRIPTS_PER_ISOLATE);
  private readonly moduleScripts = new LruCache<string, Promise<ivm.Script>>(MAX_MODULE_SCRIPTS_PER_ISOLATE);
  /** One empty context made while the isolate is idle between calls (never used by any code yet). */
  private spare: Promise<ivm.Context> | undefined;
  private signalReset: () => void = () => undefined;
  /**
   * Settles when this isolate is gone (disposed after a limit, an eviction, or by V8 on a memory
   * overrun): a call that lost its promise to the reset waits for this to say so clearly.
   */
  readonly reset = new Promise<void>((resolve) => (this.signalReset = resolve));

  constructor(
    readonly serverId: string,
    memoryMb: number,
    onCatastrophe: (message: string) => void,
  ) {
    this.isolate = new ivm.Isolate({ memoryLimit: memoryMb, onCatastrophicError: onCatastrophe });
  }

  get disposed(): boolean {
    return this.isolate.isDisposed;
  }

  /** Compiled scripts held by this isolate. */
  get scriptCount(): number {
    return this.scripts.size;
  }

  /** Compiled module bundle scripts held by this isolate. */
  get moduleScriptCount(): number {
    return this.moduleScripts.size;
  }

  /** The tool's script, bootstrap included (compiled on first use; a failed compile is not cached). */
  script(codeKey: string, factorySource: string): Promise<ivm.Script> {
    return this.compileOnce(this.scripts, codeKey, () => toolScriptSource(factorySource), 'tool.js');
  }

  /** A module bundle's script, compiled ONCE per isolate and shared by its calls (keyed by the bundle's sha256). */
  moduleScript(sha256: string, bundle: string): Promise<ivm.Script> {
    return this.compileOnce(
      this.moduleScripts,
      sha256,
      () => moduleScriptSource(sha256, bundle),
      `module-${sha256}.js`,
    );
  }

  private compileOnce(
    cache: LruCache<string, Promise<ivm.Script>>,
    key: string,
    source: () => string,
    filename: string,
  ): Promise<ivm.Script> {
    let s = cache.get(key);
    if (!s) {
      const compiled = this.isolate.compileScript(source(), { filename });
      s = compiled;
      // A dropped script is freed in the isolate once no running call holds it.
      cache.set(key, compiled);
      compiled.catch(() => {
        if (cache.get(key) === compiled) cache.delete(key);
      });
    }
    return s;
  }

  /** A context no code has ever run in: the spare when there is one, else a new one. */
  async freshContext(): Promise<ivm.Context> {
    const spare = this.spare;
    this.spare = undefined;
    if (spare) {
      const ctx = await spare.catch(() => undefined);
      if (ctx) return ctx;
    }
    return this.isolate.createContext();
  }

  /** Called after a call has answered: context creation is most of a call's cost, so do it before the next one asks. */
  prepareSpare(): void {
    if (this.spare || this.retired || this.isolate.isDisposed) return;
    const p = this.isolate.createContext();
    p.catch(() => undefined);
    this.spare = p;
  }

  dispose(): void {
    this.spare = undefined;
    this.scripts.clear();
    this.moduleScripts.clear();
    if (!this.isolate.isDisposed) {
      try {
        this.isolate.dispose();
      } catch {
        // already gone (memory limit)
      }
    }
    this.signalReset();
  }

  async memoryBytes(): Promise<number> {
    if (this.isolate.isDisposed) return 0;
    try {
      const h = await this.isolate.getHeapStatistics();
      return h.used_heap_size + h.externally_allocated_size;
    } catch {
      return 0;
    }
  }
}

/** Every server's isolate and prepared sources in this worker. */
export class ServerIsolates {
  private readonly live = new Map<string, ServerIsolate>();
  private readonly retiring = new Set<ServerIsolate>();
  private readonly sources = new Map<string, LruCache<string, string>>();
  /** Module bundle sources by sha256, shared by every server of this worker (a bundle is global). */
  private readonly bundles = new LruCache<string, string>(MAX_BUNDLE_SOURCES);

  constructor(
    private readonly memoryMb: number,
    private readonly onCatastrophe: (message: string) => void,
  ) {}

  source(serverId: string, codeKey: string): string | undefined {
    return this.sources.get(serverId)?.get(codeKey);
  }

  keepSource(serverId: string, codeKey: string, source: string): void {
    let m = this.sources.get(serverId);
    if (!m) this.sources.set(serverId, (m = new LruCache(MAX_SOURCES_PER_SERVER)));
    m.set(codeKey, source);
  }

  bundle(sha256: string): string | undefined {
    return this.bundles.get(sha256);
  }

  keepBundle(sha256: string, source: string): void {
    this.bundles.set(sha256, source);
  }

  /** Compiled scripts held by every isolate of this worker. */
  scriptCount(): number {
    let n = 0;
    for (const e of this.live.values()) n += e.scriptCount;
    for (const e of this.retiring) n += e.scriptCount;
    return n;
  }

  /** Compiled module bundle scripts held by every isolate of this worker. */
  moduleScriptCount(): number {
    let n = 0;
    for (const e of this.live.values()) n += e.moduleScriptCount;
    for (const e of this.retiring) n += e.moduleScriptCount;
    return n;
  }

  /** The server's current isolate (a new one after the old hit a limit or was evicted), with a call counted in. */
  acquire(serverId: string): ServerIsolate {
    let entry = this.live.get(serverId);
    if (!entry || entry.disposed || entry.retired) {
      if (entry) this.retire(entry);
      entry = new ServerIsolate(serverId, this.memoryMb, this.onCatastrophe);
      this.live.set(serverId, entry);
    }
    entry.inFlight++;
    return entry;
  }

  release(entry: ServerIsolate): void {
    entry.inFlight--;
    if (entry.retired && entry.inFlight <= 0) {
      entry.dispose();
      this.retiring.delete(entry);
    }
  }

  /** No new calls go to this isolate; it is disposed as soon as its calls have ended. */
  retire(entry: ServerIsolate): void {
    entry.retired = true;
    if (this.live.get(entry.serverId) === entry) this.live.delete(entry.serverId);
    if (entry.inFlight <= 0) entry.dispose();
    else this.retiring.add(entry);
  }

  /** Server stopped or deleted: its isolates and code go now (calls still running in them fail). */
  evict(serverId: string): void {
    const entry = this.live.get(serverId);
    if (entry) {
      this.live.delete(serverId);
      entry.retired = true;
      entry.dispose();
    }
    for (const r of [...this.retiring]) {
      if (r.serverId === serverId) {
        r.dispose();
        this.retiring.delete(r);
      }
    }
    this.sources.delete(serverId);
  }

  async memoryBytes(serverId: string): Promise<number> {
    let total = 0;
    const entries = [this.live.get(serverId), ...[...this.retiring].filter((r) => r.serverId === serverId)];
    for (const e of entries) if (e) total += await e.memoryBytes();
    return total;
  }
}

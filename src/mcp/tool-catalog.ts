import { createHash } from 'node:crypto';
import { Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';
import type { Tool } from '@modelcontextprotocol/server';
import { scopeKey, type McpScope, type McpToolEntry, type McpToolProvider } from './mcp-scope';

/** A scope's tool list as served: sorted by name, with a fingerprint of what a client would see. */
export interface ScopeTools {
  tools: Tool[];
  byName: Map<string, McpToolEntry>;
  fingerprint: string;
}

export type ListChangedListener = (scopes: McpScope[]) => void;

/** Changes are coalesced: a burst (an import, a restart) is announced once, at most this late. */
const SETTLE_MS = 40;
const MAX_DELAY_MS = 250;

/**
 * The tools every MCP endpoint serves, from all providers, per scope. Lists are cached
 * until a provider signals a change; then the scopes clients are watching are compared
 * with what they last saw, and only those whose list really changed are announced
 * (coalesced under a burst of changes).
 */
@Injectable()
export class ToolCatalog implements OnModuleDestroy {
  private readonly log = new Logger(ToolCatalog.name);
  private readonly providers: McpToolProvider[] = [];
  private readonly unsubscribes: (() => void)[] = [];
  private readonly cache = new Map<string, ScopeTools>();
  /** Scopes a client has seen, with the fingerprint it saw. */
  private readonly seen = new Map<string, { scope: McpScope; fingerprint: string }>();
  private readonly listeners = new Set<ListChangedListener>();
  private settleTimer?: NodeJS.Timeout;
  private firstPendingAt = 0;

  register(provider: McpToolProvider): void {
    this.providers.push(provider);
    this.unsubscribes.push(provider.onChange(() => this.invalidate()));
    this.invalidate();
  }

  /** The scope's tools, sorted by name (a name two providers both claim is served once, by the first). */
  list(scope: McpScope): ScopeTools {
    const key = scopeKey(scope);
    let entry = this.cache.get(key);
    if (!entry) {
      entry = this.build(scope);
      this.cache.set(key, entry);
    }
    if (!this.seen.has(key)) this.seen.set(key, { scope, fingerprint: entry.fingerprint });
    return entry;
  }

  /** From now on, changes of this scope's list are announced (an endpoint or session of it exists). */
  watch(scope: McpScope): void {
    this.list(scope);
  }

  /** No more announcements for this scope (its server was deleted; nothing serves it any more). */
  forget(scope: McpScope): void {
    const key = scopeKey(scope);
    this.seen.delete(key);
    this.cache.delete(key);
  }

  /** Announces changed lists of watched scopes; returns the unsubscribe. */
  onListChanged(listener: ListChangedListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  onModuleDestroy(): void {
    clearTimeout(this.settleTimer);
    for (const u of this.unsubscribes) u();
  }

  private invalidate(): void {
    this.cache.clear();
    const now = Date.now();
    if (!this.settleTimer) this.firstPendingAt = now;
    clearTimeout(this.settleTimer);
    const wait = Math.max(0, Math.min(SETTLE_MS, this.firstPendingAt + MAX_DELAY_MS - now));
    this.settleTimer = setTimeout(() => {
      this.settleTimer = undefined;
      this.announce();
    }, wait);
    this.settleTimer.unref();
  }

  private announce(): void {
    const changed: McpScope[] = [];
    for (const [key, last] of this.seen) {
      const now = this.list(last.scope).fingerprint;
      if (now !== last.fingerprint) {
        this.seen.set(key, { scope: last.scope, fingerprint: now });
        changed.push(last.scope);
      }
    }
    if (!changed.length) return;
    for (const listener of this.listeners) {
      try {
        listener(changed);
      } catch (err) {
        this.log.warn({ err: err instanceof Error ? err.message : String(err) }, 'A list-changed listener failed');
      }
    }
  }

  private build(scope: McpScope): ScopeTools {
    const byName = new Map<string, McpToolEntry>();
    for (const provider of this.providers) {
      for (const entry of provider.tools(scope)) {
        const name = entry.definition.name;
        if (byName.has(name)) {
          this.log.warn({ tool: name }, 'Two tools have the same MCP name; the second is not served');
          continue;
        }
        byName.set(name, entry);
      }
    }
    const names = [...byName.keys()].sort();
    const tools = names.map((n) => (byName.get(n) as McpToolEntry).definition);
    const fingerprint = createHash('sha256').update(JSON.stringify(tools)).digest('base64url');
    return { tools, byName, fingerprint };
  }
}

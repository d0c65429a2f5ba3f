import type { IncomingMessage, ServerResponse } from 'node:http';
import { Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';
import { toNodeHandler, type NodeMcpRequestHandler } from '@modelcontextprotocol/node';
import { createMcpHandler, type AuthInfo, type McpHttpHandler } from '@modelcontextprotocol/server';
import { BODY_LIMIT_BYTES } from '../common/limits';
import { scopeKey, type McpScope } from './mcp-scope';
import { McpEvents } from './mcp-events';
import { ServerChangesService } from '../server-changes/server-changes.service';
import { ServersService } from '../servers/servers.service';
import { McpServerFactory } from './mcp-server-factory';
import { ToolCatalog } from './tool-catalog';

interface Endpoint {
  scope: McpScope;
  handler: McpHttpHandler;
  node: NodeMcpRequestHandler;
}

/**
 * The 2026-07-28 era on the gateway: stateless, one SDK handler per endpoint (`/mcp`, and
 * each `/mcp/{server}` on first use), each building a server per request from the shared
 * factory. Its `subscriptions/listen` streams hear `toolsListChanged` only for their own
 * endpoint's list. A deleted server's endpoint is closed and dropped (its listen streams end),
 * so endpoints do not pile up as servers come and go.
 */
@Injectable()
export class ModernEndpoints implements OnModuleDestroy {
  private readonly log = new Logger(ModernEndpoints.name);
  private readonly endpoints = new Map<string, Endpoint>();
  private readonly unsubscribe: () => void;
  private readonly unsubscribeServers: () => void;

  constructor(
    private readonly factory: McpServerFactory,
    private readonly catalog: ToolCatalog,
    private readonly servers: ServersService,
    events: McpEvents,
    changes: ServerChangesService,
  ) {
    this.unsubscribe = events.subscribe((e) => this.toolsChanged(e.scopes));
    this.unsubscribeServers = changes.subscribe((c) => (c.kind === 'deleted' ? this.dropDeleted() : undefined));
  }

  /** Closes the endpoints of servers that no longer exist (a name may have been taken again since). */
  private async dropDeleted(): Promise<void> {
    const served = [...this.endpoints].flatMap(([key, endpoint]) =>
      endpoint.scope.kind === 'server' ? [{ key, endpoint, name: endpoint.scope.serverName }] : [],
    );
    const existing = await this.servers.existingNames(served.map((s) => s.name));
    for (const { key, endpoint, name } of served) {
      if (existing.has(name) || this.endpoints.get(key) !== endpoint) continue;
      this.endpoints.delete(key);
      this.catalog.forget(endpoint.scope);
      await endpoint.handler.close().catch(() => undefined);
    }
  }

  /** Endpoints open now (one per endpoint URL served since start, less deleted servers'). */
  get size(): number {
    return this.endpoints.size;
  }

  handle(
    req: IncomingMessage & { auth?: AuthInfo },
    res: ServerResponse,
    body: unknown,
    scope: McpScope,
  ): Promise<void> {
    return this.endpoint(scope).node(req, res, body);
  }

  private toolsChanged(scopes: McpScope[]): void {
    for (const scope of scopes) this.endpoints.get(scopeKey(scope))?.handler.notify.toolsChanged();
  }

  async onModuleDestroy(): Promise<void> {
    this.unsubscribe();
    this.unsubscribeServers();
    await Promise.all([...this.endpoints.values()].map((e) => e.handler.close().catch(() => undefined)));
    this.endpoints.clear();
  }

  private endpoint(scope: McpScope): Endpoint {
    const key = scopeKey(scope);
    let endpoint = this.endpoints.get(key);
    if (!endpoint) {
      const onerror = (err: Error) =>
        this.log.debug({ err: err.message, endpoint: key }, 'MCP request refused or failed');
      const handler = createMcpHandler(() => this.factory.build(scope, 'modern'), {
        legacy: 'reject',
        maxRequestBodySize: BODY_LIMIT_BYTES,
        onerror,
      });
      endpoint = {
        scope,
        handler,
        node: toNodeHandler(handler, { maxRequestBodySize: BODY_LIMIT_BYTES, onerror }),
      };
      this.endpoints.set(key, endpoint);
      this.catalog.watch(scope);
    }
    return endpoint;
  }
}

import { Injectable } from '@nestjs/common';
import {
  ProtocolError,
  ProtocolErrorCode,
  type AuthInfo,
  type Server,
  type ServerContext,
} from '@modelcontextprotocol/server';
import { AppConfig } from '../config/app-config';
import { MANAGEMENT_INSTRUCTIONS } from './management/instructions';
import { ObservedServer } from './mcp-exchange';
import { scopeKey, type McpCallRequest, type McpCaller, type McpScope } from './mcp-scope';
import { RequestStates } from './request-state';
import { ToolAvailability } from './tool-availability';
import { ToolCatalog } from './tool-catalog';

/** What the HTTP layer knows of a request before MCP parses it; travels as the SDK's pass-through `authInfo`. */
export interface RequestIdentity {
  email: string | null;
  address: string;
}

export const identityAuthInfo = (identity: RequestIdentity): AuthInfo => ({
  token: '',
  clientId: identity.email ?? identity.address,
  scopes: [],
  extra: { email: identity.email, address: identity.address },
});

const EMAIL_HEADER = 'X-MCPbox-User-Email';

/** How `/mcp` names tools and tells clients about changes (after the management instructions). */
export const GATEWAY_INSTRUCTIONS =
  'MCPBox serves the approved tools of its running servers. On this endpoint a tool of server S named T is called S__T; ' +
  'on /mcp/S it is called T. The list changes when an admin approves or revokes a tool or a server starts or stops: ' +
  'clients are told with notifications/tools/list_changed.';

/**
 * Builds the low-level SDK `Server` an endpoint answers with: one per request in the
 * 2026-07-28 era, one per session in the 2025 era. Its two handlers read the shared tool
 * catalog, so building one is cheap and no tool is described twice.
 */
@Injectable()
export class McpServerFactory {
  private readonly states: RequestStates;

  constructor(
    private readonly config: AppConfig,
    private readonly catalog: ToolCatalog,
    private readonly availability: ToolAvailability,
  ) {
    this.states = new RequestStates(config.encryptionKey);
  }

  build(scope: McpScope, era: 'modern' | 'legacy'): Server {
    const remote = this.config.mode === 'remote';
    // In remote mode answers are per user: no shared cache may keep them.
    const cacheScope = remote ? 'private' : 'public';
    const server = new ObservedServer(
      {
        name: scope.kind === 'all' ? 'mcpbox' : `mcpbox-${scope.serverName}`,
        title: 'MCPBox',
        version: this.config.version,
      },
      {
        // logging: tool code may log to its client (mcp.log), as each era allows.
        capabilities: { tools: { listChanged: true }, logging: {} },
        instructions:
          scope.kind === 'all'
            ? `${MANAGEMENT_INSTRUCTIONS}\n\n${GATEWAY_INSTRUCTIONS}`
            : `The approved tools of the MCPBox server "${scope.serverName}".`,
        cacheHints: {
          'tools/list': { ttlMs: 10_000, cacheScope },
          'server/discover': { ttlMs: 60_000, cacheScope },
        },
        // 2026-07-28: a tool that asks its client runs in rounds; the state between them is signed and checked.
        ...(era === 'modern' ? { requestState: { verify: this.states.verify } } : {}),
      },
    );
    const callerOf = (ctx: ServerContext): McpCaller => {
      const extra = (ctx.http?.authInfo?.extra ?? {}) as Partial<RequestIdentity>;
      // The initialize-declared client in a 2025 session; the request's own envelope in 2026-07-28.
      const clientName = server.getClientVersion()?.name ?? null;
      return {
        era,
        clientName: typeof clientName === 'string' ? clientName.slice(0, 200) : null,
        email: extra.email ?? null,
        address: extra.address ?? '',
        sessionId: ctx.sessionId,
      };
    };
    const requireUser = (caller: McpCaller): void => {
      if (remote && !caller.email) {
        throw new ProtocolError(
          ProtocolErrorCode.InvalidRequest,
          `Remote mode: tools/list and tools/call need the ${EMAIL_HEADER} header naming the user`,
        );
      }
    };
    server.setRequestHandler('tools/list', (request, ctx) => {
      requireUser(callerOf(ctx));
      // The whole list is one page (no nextCursor is ever sent), so any cursor is one this server never gave.
      if (request.params?.cursor !== undefined)
        throw new ProtocolError(
          ProtocolErrorCode.InvalidParams,
          'Invalid cursor: tools/list is not paginated here; the first page (no cursor) holds every tool',
        );
      return { tools: this.catalog.list(scope).tools };
    });
    server.setRequestHandler('tools/call', async (request, ctx) => {
      const caller = callerOf(ctx);
      requireUser(caller);
      const { name } = request.params;
      const entry = this.catalog.list(scope).byName.get(name);
      if (!entry) throw await this.availability.unknownTool(scope, name);
      const args = request.params.arguments ?? {};
      const callKey = () => RequestStates.callKey(scopeKey(scope), name, args);
      const mcpRequest: McpCallRequest = {
        ctx,
        server,
        answers: era === 'modern' ? this.states.answersFor(ctx, callKey) : {},
        mintState: (answers) => this.states.mint(ctx, callKey(), answers),
      };
      return entry.call(args, { caller, signal: ctx.mcpReq.signal, request: mcpRequest });
    });
    return server;
  }
}
